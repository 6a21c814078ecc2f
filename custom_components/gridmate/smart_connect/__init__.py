"""The Smart Connect entry kind: a Xemex P1/TIC bridge, live over Modbus TCP or MQTT.

Live values come from one transport per entry (Modbus TCP polling, or the device publishing to
Home Assistant's MQTT broker); the HTTP API gives the firmware (update entity), the raw P1
telegram (tariffs, gas, capacity tariff) and the restart and MQTT-configuration commands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from homeassistant.components import mqtt
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import (
    CONF_INTERFACE,
    CONF_KEEP_CONNECTION_OPEN,
    DEFAULT_MODBUS_PORT,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    MeterInterface,
)
from ..devices.hosts import split_host
from ..devices.smart_connect.http_api import SmartConnectApi
from ..devices.smart_connect.modbus import SmartConnectModbus
from ..devices.smart_connect.mqtt import parse_topic
from ..feeds import MainsFeed, MainsSample, signed_current
from ..kinds import Kind
from . import button, sensor, update
from .config_flow import SmartConnectOptionsFlow
from .const import CONF_TRANSPORT, Transport
from .coordinator import (
    SmartConnectConfigEntry,
    SmartConnectInfoCoordinator,
    SmartConnectMeterCoordinator,
    SmartConnectRuntimeData,
    SmartConnectTelegramCoordinator,
)
from .diagnostics import async_get_diagnostics
from .push import SmartConnectCountersCoordinator, SmartConnectPushCoordinator
from .services import async_register_services


def entry_transport(entry: SmartConnectConfigEntry) -> Transport:
    """The entry's live transport (entries from before the choice existed use Modbus)."""
    return Transport(entry.data.get(CONF_TRANSPORT, Transport.MODBUS_TCP))


async def async_setup(
    hass: HomeAssistant, entry: SmartConnectConfigEntry
) -> SmartConnectRuntimeData:
    """Firmware over HTTP first (it decides the energy unit), then the live transport."""
    api = SmartConnectApi(
        async_get_clientsession(hass), entry.data[CONF_HOST], entry.data[CONF_PASSWORD]
    )
    info = SmartConnectInfoCoordinator(hass, entry, api)
    await info.async_config_entry_first_refresh()
    transport = entry_transport(entry)
    if transport is Transport.MQTT:
        runtime = await _async_setup_mqtt(hass, entry, api, info)
    else:
        runtime = await _async_setup_modbus(hass, entry, api, info)
    if MeterInterface(entry.data.get(CONF_INTERFACE, MeterInterface.P1)) is MeterInterface.P1:
        # The raw telegram is an extra: its first poll may fail without failing the setup
        # (its entities then appear with the first good telegram).
        runtime.telegram = SmartConnectTelegramCoordinator(hass, entry, api)
        await runtime.telegram.async_refresh()
    return runtime


async def _async_setup_mqtt(
    hass: HomeAssistant,
    entry: SmartConnectConfigEntry,
    api: SmartConnectApi,
    info: SmartConnectInfoCoordinator,
) -> SmartConnectRuntimeData:
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="mqtt_unavailable")
    meter = SmartConnectPushCoordinator(hass, entry, info)
    counters = SmartConnectCountersCoordinator(hass, entry)
    for unsubscribe in await meter.async_subscribe(counters):
        entry.async_on_unload(unsubscribe)
    return SmartConnectRuntimeData(
        api=api, info=info, meter=meter, transport=Transport.MQTT, counters=counters
    )


async def _async_setup_modbus(
    hass: HomeAssistant,
    entry: SmartConnectConfigEntry,
    api: SmartConnectApi,
    info: SmartConnectInfoCoordinator,
) -> SmartConnectRuntimeData:
    modbus = SmartConnectModbus(
        split_host(entry.data[CONF_HOST])[0],
        entry.data.get(CONF_PORT, DEFAULT_MODBUS_PORT),
        keep_open=entry.options.get(CONF_KEEP_CONNECTION_OPEN, False),
    )
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
    return SmartConnectRuntimeData(
        api=api, info=info, meter=meter, transport=Transport.MODBUS_TCP, modbus=modbus
    )


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
        """The last reading's signed currents; None while the transport reports failure.

        Modbus: after FAILURES_BEFORE_UNAVAILABLE failed polls; MQTT: when no message came
        for several expected intervals.
        """
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
        """Every poll or message (and the loss of the stream) notifies the listener."""
        return self._meter.async_add_listener(listener)


def _mains_feed(entry: SmartConnectConfigEntry) -> MainsFeed:
    return SmartConnectMainsFeed(entry)


def _is_smart_connect_topic(topic: str) -> bool:
    """A topic of MQTT discovery (manifest "mqtt") that a Smart Connect publishes."""
    return parse_topic(topic) is not None


KIND = Kind(
    async_setup=async_setup,
    platforms={
        Platform.SENSOR: sensor.async_setup_entry,
        Platform.BUTTON: button.async_setup_entry,
        Platform.UPDATE: update.async_setup_entry,
    },
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: SmartConnectOptionsFlow(),
    mains_feed=_mains_feed,
    async_register_services=async_register_services,
    mqtt_discovery=_is_smart_connect_topic,
)
