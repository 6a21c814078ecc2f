"""Constants shared by the Gridmate integration."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "gridmate"
LOGGER = logging.getLogger(__package__)

CONF_KIND: Final = "kind"
CONF_SERIAL: Final = "serial"
CONF_INTERFACE: Final = "interface"

# Options
CONF_KEEP_CONNECTION_OPEN: Final = "keep_connection_open"
CONF_ENERGY_UNIT: Final = "energy_unit"

DEFAULT_MODBUS_PORT: Final = 502
DEFAULT_SCAN_INTERVAL: Final = 5  # seconds
MIN_SCAN_INTERVAL: Final = 1
MAX_SCAN_INTERVAL: Final = 60

# Consecutive failed Modbus polls before entities turn unavailable: the device serves one
# client at a time, so an EV charger polling it makes an occasional refused poll normal.
FAILURES_BEFORE_UNAVAILABLE: Final = 3
MAX_BACKOFF_INTERVAL: Final = timedelta(seconds=30)
FIRMWARE_POLL_INTERVAL: Final = timedelta(hours=1)


class EntryKind(StrEnum):
    """What a config entry represents; the config-flow menu offers one option per kind."""

    SMART_CONNECT = "smart_connect"  # Xemex Smart Connect P1/TIC bridge
    CHARGER = "charger"  # an EV charger (SmartEVSE, OCPP charge point)
    METER = "meter"  # a Modbus kWh meter (mains, EV, circuit, solar, other)
    MONITOR = "monitor"  # an Infinity-style CT energy monitor over MQTT
    CONTROLLER = "controller"  # solar / load-balancing controller of one installation


class MeterInterface(StrEnum):
    """Which smart-meter port the Smart Connect reads (decides model and data semantics)."""

    P1 = "p1"  # Dutch/Belgian P1 and A1 (DSMR / e-MUCS)
    TIC = "tic"  # French Téléinformation client: per-phase power never negative


class EnergyUnit(StrEnum):
    """Unit of the energy registers: decided from the firmware version unless forced."""

    AUTO = "auto"
    WH = "wh"
    KWH = "kwh"
