"""The meter entry kind: a Modbus kWh meter (TCP or RTU) as mains, EV, circuit or other meter.

The register maps, read planning, decoding and the shared-bus client live in
`devices/meters/` (no Home Assistant there); this package wires one meter entry to them: the
shared bus from `bus.bus_registry`, a coordinator per meter, one sensor per quantity, the
config and options flows, diagnostics, and the meter's current feed (the mains feed for a meter
with role mains).
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError

from ..const import DOMAIN
from ..devices.meters.client import ModbusMeter
from ..feeds import MainsFeed
from ..kinds import Kind
from . import sensor
from .bus import bus_registry
from .config_flow import MeterOptionsFlow
from .const import CONF_UNIT_ID, Role
from .coordinator import MeterConfigEntry, MeterCoordinator, MeterRuntimeData
from .diagnostics import async_get_diagnostics
from .feed import MeterFeed
from .settings import (
    bus_config_from_data,
    inverted_of,
    profile_from_data,
    role_of,
    scan_interval_of,
)


async def async_setup(hass: HomeAssistant, entry: MeterConfigEntry) -> MeterRuntimeData:
    """Join the meter's shared bus and read it once (not ready while it does not answer)."""
    try:
        profile = profile_from_data(entry.data)
    except (KeyError, ValueError) as err:
        raise ConfigEntryError(translation_domain=DOMAIN, translation_key="meter_bad_map") from err
    registry = bus_registry(hass)
    try:
        bus = registry.acquire(bus_config_from_data(entry.data))
    except ValueError as err:
        # Another meter entry uses this serial port with other settings (baud, parity...).
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="meter_bus_settings"
        ) from err
    try:
        meter = ModbusMeter(
            bus, unit=int(entry.data[CONF_UNIT_ID]), profile=profile, inverted=inverted_of(entry)
        )
        coordinator = MeterCoordinator(
            hass, entry, meter, timedelta(seconds=scan_interval_of(entry.options))
        )
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await registry.release(bus)
        raise
    return MeterRuntimeData(
        profile=profile,
        bus=bus,
        meter=meter,
        coordinator=coordinator,
        feed=MeterFeed(entry, coordinator),
    )


async def async_unload(hass: HomeAssistant, entry: MeterConfigEntry) -> None:
    """Leave the shared bus; the last meter on it closes the connection."""
    await bus_registry(hass).release(entry.runtime_data.bus)


def meter_feed(entry: MeterConfigEntry) -> MeterFeed | None:
    """The current feed of a loaded meter entry, whatever its role (EV, circuit, ...)."""
    runtime = getattr(entry, "runtime_data", None)
    return runtime.feed if isinstance(runtime, MeterRuntimeData) else None


def _mains_feed(entry: MeterConfigEntry) -> MainsFeed | None:
    """Only a meter with role mains measures the grid connection."""
    return meter_feed(entry) if role_of(entry) is Role.MAINS else None


KIND = Kind(
    async_setup=async_setup,
    platforms={Platform.SENSOR: sensor.async_setup_entry},
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: MeterOptionsFlow(),
    async_unload=async_unload,
    mains_feed=_mains_feed,
)
