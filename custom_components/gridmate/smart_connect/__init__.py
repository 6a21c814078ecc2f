"""The Smart Connect entry kind: a Xemex P1/TIC bridge read over Modbus TCP and its HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import CONF_KEEP_CONNECTION_OPEN, DEFAULT_MODBUS_PORT, DEFAULT_SCAN_INTERVAL
from ..devices.smart_connect.http_api import SmartConnectApi, split_host
from ..devices.smart_connect.modbus import SmartConnectModbus
from ..feeds import MainsFeed, MainsSample, signed_current
from ..kinds import Kind
from . import sensor
from .config_flow import SmartConnectOptionsFlow
from .coordinator import (
    SmartConnectConfigEntry,
    SmartConnectInfoCoordinator,
    SmartConnectMeterCoordinator,
    SmartConnectRuntimeData,
)
from .diagnostics import async_get_diagnostics


async def async_setup(
    hass: HomeAssistant, entry: SmartConnectConfigEntry
) -> SmartConnectRuntimeData:
    """Connect to the device: firmware over HTTP first, then the first Modbus poll."""
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


class SmartConnectMainsFeed:
    """The Smart Connect's grid currents as a mains feed (it sits on the grid connection)."""

    def __init__(self, entry: SmartConnectConfigEntry) -> None:
        """Read from the entry's meter coordinator."""
        self._entry = entry
        self._meter = entry.runtime_data.meter

    @property
    def name(self) -> str:
        """The entry title."""
        return self._entry.title

    def latest(self) -> MainsSample | None:
        """The last poll's signed currents; None while the coordinator reports failure."""
        data = self._meter.data
        if data is None or not self._meter.last_update_success:
            return None
        values = data.reading.values
        currents = tuple(
            signed_current(values.get(f"current_l{n}"), values.get(f"active_power_l{n}"))
            for n in (1, 2, 3)
        )
        return MainsSample(
            currents=(currents[0], currents[1], currents[2]),
            measured_at=data.received_monotonic,
            power_w=values.get("active_power"),
        )

    def subscribe(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Every poll (successful or not) notifies the listener."""
        return self._meter.async_add_listener(listener)


def _mains_feed(entry: SmartConnectConfigEntry) -> MainsFeed:
    return SmartConnectMainsFeed(entry)


KIND = Kind(
    async_setup=async_setup,
    platforms={Platform.SENSOR: sensor.async_setup_entry},
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: SmartConnectOptionsFlow(),
    mains_feed=_mains_feed,
)
