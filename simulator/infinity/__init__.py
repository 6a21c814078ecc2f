"""Simulated Smappee Infinity gateway publishing over MQTT (paho-mqtt, not Home Assistant)."""

from .installation import (
    InputSpec,
    Installation,
    SimChannel,
    SimLoad,
    default_installation,
    large_installation,
)
from .simulator import DEFAULT_SERIAL, DEFAULT_UUID, VARIANTS, InfinitySimulator

__all__ = [
    "DEFAULT_SERIAL",
    "DEFAULT_UUID",
    "VARIANTS",
    "InfinitySimulator",
    "InputSpec",
    "Installation",
    "SimChannel",
    "SimLoad",
    "default_installation",
    "large_installation",
]
