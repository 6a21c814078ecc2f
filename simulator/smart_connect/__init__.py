"""Xemex P1/A1/TIC Smart Connect simulator: Modbus TCP (EMpro map) and the HTTP API."""

from .encoding import decode_float32, encode_float32, float32
from .http_api import HTTP_USER
from .model import CsvReplay, SiteModel
from .simulator import DEFAULT_PASSWORD, DEFAULT_SERIAL, SmartConnectSimulator
from .variants import PROFILES, Variant

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_SERIAL",
    "HTTP_USER",
    "PROFILES",
    "CsvReplay",
    "SiteModel",
    "SmartConnectSimulator",
    "Variant",
    "decode_float32",
    "encode_float32",
    "float32",
]
