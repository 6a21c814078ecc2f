"""Constants of the meter entry kind (Modbus kWh meters)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# Entry data
CONF_PROFILE: Final = "profile"  # a profile id from the table, or CUSTOM_PROFILE_ID
CONF_CONNECTION: Final = "connection"
CONF_RTU_OVER_TCP: Final = "rtu_over_tcp"
CONF_SERIAL_PORT: Final = "serial_port"
CONF_BAUDRATE: Final = "baudrate"
CONF_PARITY: Final = "parity"
CONF_STOPBITS: Final = "stopbits"
CONF_UNIT_ID: Final = "unit_id"
CONF_CUSTOM: Final = "custom"  # {phases, unsigned_current, registers: {measurand: register}}
CONF_PHASES: Final = "phases"
CONF_UNSIGNED_CURRENT: Final = "unsigned_current"
CONF_REGISTERS: Final = "registers"
CONF_QUANTITIES: Final = "quantities"  # flow only: which quantities a custom map has
# One register of a custom map
CONF_FUNCTION_CODE: Final = "function_code"
CONF_ADDRESS: Final = "address"
CONF_DATA_TYPE: Final = "data_type"
CONF_WORD_ORDER: Final = "word_order"
CONF_SCALE: Final = "scale"
CONF_EDIT_MAP: Final = "edit_map"  # reconfigure: walk through the custom map again

# Entry options
CONF_ROLE: Final = "role"
CONF_INVERTED: Final = "inverted"

DEFAULT_TCP_PORT: Final = 502
DEFAULT_BAUDRATE: Final = 9600  # seed 004: 9600 8N1
BAUDRATES: Final = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
PARITIES: Final = ("N", "E", "O")
STOPBITS: Final = (1, 2)
FIRST_SUGGESTED_UNIT: Final = 11  # seed 004: addresses 1-10 belong to SmartEVSEs and the Sensorbox
MIN_UNIT: Final = 1
MAX_UNIT: Final = 247

# Seconds per request before a meter counts as silent (the bus waits this long at most).
REQUEST_TIMEOUT: Final = 1.0
MIN_SCAN_INTERVAL: Final = 1
MAX_SCAN_INTERVAL: Final = 60
MAX_BACKOFF_S: Final = 30  # a meter that stopped answering is asked at most this rarely
# Failed polls in a row before the entities turn unavailable: one lost frame on a busy RS485
# bus is normal; the mains feed still sees the old sample time, so staleness is never hidden.
FAILURES_BEFORE_UNAVAILABLE: Final = 3


class Connection(StrEnum):
    """How Gridmate reaches the meter."""

    TCP = "tcp"  # Modbus TCP: the meter itself or an RS485 gateway
    RTU = "rtu"  # Modbus RTU on a local serial port (RS485 adapter)


class Role(StrEnum):
    """What the meter measures; the controller picks meters by it."""

    MAINS = "mains"  # the grid connection
    EV = "ev"  # an EV charger's supply
    CIRCUIT = "circuit"  # a sub-panel feeding the charger(s) (MaxCircuit)
    SOLAR = "solar"  # a PV inverter's output
    OTHER = "other"


# Load balancing needs fresh currents every second; solar/other meters feed dashboards.
DEFAULT_SCAN_INTERVAL: Final[dict[Role, int]] = {
    Role.MAINS: 1,
    Role.EV: 1,
    Role.CIRCUIT: 1,
    Role.SOLAR: 5,
    Role.OTHER: 5,
}

# Words for the entry title (titles are not translated by Home Assistant).
ROLE_TITLE: Final[dict[Role, str]] = {
    Role.MAINS: "mains",
    Role.EV: "EV",
    Role.CIRCUIT: "circuit",
    Role.SOLAR: "solar",
    Role.OTHER: "",
}
