"""Xemex P1/A1/TIC Smart Connect simulator: Modbus TCP (EMpro map) and the HTTP API.

Usage in a test (sockets on 127.0.0.1, free ports)::

    sim = SmartConnectSimulator("full", password="pw", serial="0123456789AB")
    modbus_port, http_port = await sim.start()
    sim.set_values({"voltage_l1": math.nan})  # served until sim.clear_overrides()
    sim.step(10)  # advance the site 10 s (deterministic per seed)
    expected = sim.snapshot()  # what the registers hold now, device units
    async with sim.hold_modbus_connection():  # an EV charger holds the one connection
        ...
    await sim.stop()

Variants (``Variant``): full, short, kwh, dsmr42, tic; see ``variants.py``.
From a shell: ``python -m simulator.smart_connect --help``.
"""

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
