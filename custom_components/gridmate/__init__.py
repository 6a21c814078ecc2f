"""The Gridmate integration: local energy metering and EV charge control."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_KEEP_CONNECTION_OPEN,
    CONF_KIND,
    DEFAULT_MODBUS_PORT,
    DEFAULT_SCAN_INTERVAL,
    EntryKind,
)
from .coordinator import (
    GridmateConfigEntry,
    SmartConnectInfoCoordinator,
    SmartConnectMeterCoordinator,
    SmartConnectRuntimeData,
)
from .devices.smart_connect.http_api import SmartConnectApi, split_host
from .devices.smart_connect.modbus import SmartConnectModbus

PLATFORMS_BY_KIND: dict[EntryKind, list[Platform]] = {
    EntryKind.SMART_CONNECT: [Platform.SENSOR],
}


async def async_setup_entry(hass: HomeAssistant, entry: GridmateConfigEntry) -> bool:
    """Set up one Gridmate entry according to its kind."""
    kind = EntryKind(entry.data[CONF_KIND])
    entry.runtime_data = await _async_setup_smart_connect(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS_BY_KIND[kind])
    return True


async def _async_setup_smart_connect(
    hass: HomeAssistant, entry: GridmateConfigEntry
) -> SmartConnectRuntimeData:
    api = SmartConnectApi(
        async_get_clientsession(hass), entry.data[CONF_HOST], entry.data[CONF_PASSWORD]
    )
    modbus = SmartConnectModbus(
        split_host(entry.data[CONF_HOST])[0],
        entry.data.get(CONF_PORT, DEFAULT_MODBUS_PORT),
        keep_open=entry.options.get(CONF_KEEP_CONNECTION_OPEN, False),
    )
    info = SmartConnectInfoCoordinator(hass, entry, api)
    # Firmware first: its version decides whether the energy registers count Wh or kWh.
    await info.async_config_entry_first_refresh()
    meter = SmartConnectMeterCoordinator(
        hass,
        entry,
        modbus,
        info,
        timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
    )
    try:
        await meter.async_config_entry_first_refresh()
    except BaseException:
        await modbus.close()
        raise
    entry.async_on_unload(modbus.close)
    return SmartConnectRuntimeData(api=api, modbus=modbus, info=info, meter=meter)


async def async_unload_entry(hass: HomeAssistant, entry: GridmateConfigEntry) -> bool:
    """Unload a Gridmate entry."""
    kind = EntryKind(entry.data[CONF_KIND])
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS_BY_KIND[kind])
