"""What a meter entry's data and options mean: its profile, bus, unit id, role and title.

Shared by setup, the config flow (which tests exactly what setup will run) and diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SCAN_INTERVAL

from ..devices.meters.client import BusConfig, SerialBusConfig, TcpBusConfig
from ..devices.meters.profiles import (
    CUSTOM_PROFILE_ID,
    CustomRegister,
    DataType,
    FunctionCode,
    Measurand,
    MeterProfile,
    WordOrder,
    custom_profile,
    get_profile,
)
from .const import (
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_CUSTOM,
    CONF_DATA_TYPE,
    CONF_FUNCTION_CODE,
    CONF_INVERTED,
    CONF_PARITY,
    CONF_PHASES,
    CONF_PROFILE,
    CONF_REGISTERS,
    CONF_ROLE,
    CONF_RTU_OVER_TCP,
    CONF_SCALE,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_UNIT_ID,
    CONF_UNSIGNED_CURRENT,
    CONF_WORD_ORDER,
    DEFAULT_BAUDRATE,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_TCP_PORT,
    ROLE_TITLE,
    Connection,
    Role,
)

CUSTOM_TITLE = "Custom meter"


def custom_register_from_data(data: Mapping[str, Any]) -> CustomRegister:
    """One stored custom register (ValueError/KeyError when malformed)."""
    return CustomRegister(
        function_code=FunctionCode(int(data[CONF_FUNCTION_CODE])),
        address=int(data[CONF_ADDRESS]),
        data_type=DataType(data[CONF_DATA_TYPE]),
        word_order=WordOrder(data[CONF_WORD_ORDER]),
        scale=float(data[CONF_SCALE]),
    )


def custom_register_to_data(register: CustomRegister) -> dict[str, Any]:
    """How a custom register is stored in the entry (JSON-safe)."""
    return {
        CONF_FUNCTION_CODE: int(register.function_code),
        CONF_ADDRESS: register.address,
        CONF_DATA_TYPE: register.data_type.value,
        CONF_WORD_ORDER: register.word_order.value,
        CONF_SCALE: register.scale,
    }


def custom_profile_from_data(custom: Mapping[str, Any]) -> MeterProfile:
    """The profile of a stored custom map."""
    registers = {
        Measurand(key): custom_register_from_data(value)
        for key, value in custom[CONF_REGISTERS].items()
    }
    return custom_profile(
        registers,
        phases=int(custom.get(CONF_PHASES, 3)),
        unsigned_current=bool(custom.get(CONF_UNSIGNED_CURRENT, False)),
    )


def profile_from_data(data: Mapping[str, Any]) -> MeterProfile:
    """The profile an entry (or a flow's pending data) names."""
    if data[CONF_PROFILE] == CUSTOM_PROFILE_ID:
        return custom_profile_from_data(data[CONF_CUSTOM])
    return get_profile(data[CONF_PROFILE])


def bus_config_from_data(data: Mapping[str, Any]) -> BusConfig:
    """The gateway or serial port an entry talks to."""
    if Connection(data[CONF_CONNECTION]) is Connection.TCP:
        return TcpBusConfig(
            host=data[CONF_HOST],
            port=int(data.get(CONF_PORT, DEFAULT_TCP_PORT)),
            rtu_over_tcp=bool(data.get(CONF_RTU_OVER_TCP, False)),
        )
    return SerialBusConfig(
        port=data[CONF_SERIAL_PORT],
        baudrate=int(data.get(CONF_BAUDRATE, DEFAULT_BAUDRATE)),
        parity=str(data.get(CONF_PARITY, "N")),
        stopbits=int(data.get(CONF_STOPBITS, 1)),
    )


def meter_address(data: Mapping[str, Any]) -> str:
    """Identity of the meter on its bus: the same meter reached twice has the same address."""
    return f"{bus_config_from_data(data).key}#{int(data[CONF_UNIT_ID])}"


def role_of(entry: ConfigEntry[Any]) -> Role:
    """The role of a meter entry (what the controller picks meters by)."""
    return Role(entry.options.get(CONF_ROLE, Role.OTHER))


def inverted_of(entry: ConfigEntry[Any]) -> bool:
    """Whether the meter is fed from below (powers negated, import/export swapped)."""
    return bool(entry.options.get(CONF_INVERTED, False))


def scan_interval_of(options: Mapping[str, Any]) -> int:
    """Seconds between polls: as set, or the role's default."""
    interval = options.get(CONF_SCAN_INTERVAL)
    if interval is None:
        return DEFAULT_SCAN_INTERVAL[Role(options.get(CONF_ROLE, Role.OTHER))]
    return int(interval)


def default_title(profile: MeterProfile, role: Role) -> str:
    """The entry title Gridmate proposes: model, and the role unless it is 'other'."""
    name = CUSTOM_TITLE if profile.id == CUSTOM_PROFILE_ID else f"{profile.vendor} {profile.model}"
    return f"{name} ({ROLE_TITLE[role]})" if ROLE_TITLE[role] else name
