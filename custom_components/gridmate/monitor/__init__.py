"""The monitor entry kind: Smappee Infinity-style CT energy monitors over local MQTT.

The gateway publishes to a broker; Home Assistant's MQTT integration subscribes for us (never
a second client). The entry's hub decodes the topics into loads, phases, totals, Input
module inputs and Output module relays, raises installation repairs, and serves the grid
load's currents as a mains feed.
"""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components import mqtt
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady

from ..const import DOMAIN
from ..devices.infinity.schema import DEFAULT_TOPIC_PREFIX, split_config_topic
from ..feeds import MainsFeed, MainsSample
from ..kinds import Kind
from . import binary_sensor, sensor, switch
from .config_flow import MonitorOptionsFlow
from .const import (
    CONF_ALWAYS_ON_HOURS,
    CONF_SERVICE_LOCATION,
    CONF_TOPIC_PREFIX,
    DEFAULT_ALWAYS_ON_HOURS,
)
from .data import MonitorConfigEntry, MonitorRuntimeData
from .diagnostics import async_get_diagnostics
from .hub import MonitorHub


async def async_setup(hass: HomeAssistant, entry: MonitorConfigEntry) -> MonitorRuntimeData:
    """Subscribe to the gateway's topics through Home Assistant's MQTT integration."""
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="monitor_no_mqtt")
    hub = MonitorHub(
        hass,
        entry,
        prefix=entry.data.get(CONF_TOPIC_PREFIX, DEFAULT_TOPIC_PREFIX),
        uuid=entry.data[CONF_SERVICE_LOCATION],
        always_on_window_s=3600.0
        * entry.options.get(CONF_ALWAYS_ON_HOURS, DEFAULT_ALWAYS_ON_HOURS),
    )
    await hub.async_start()
    return MonitorRuntimeData(hub=hub)


async def async_unload(hass: HomeAssistant, entry: MonitorConfigEntry) -> None:
    """Unsubscribe and withdraw the entry's repair issues."""
    entry.runtime_data.hub.async_stop()


class MonitorMainsFeed:
    """The grid load's signed per-phase currents as a mains feed (+ = import)."""

    def __init__(self, entry: MonitorConfigEntry) -> None:
        """Read from the entry's hub."""
        self._entry = entry
        self._hub = entry.runtime_data.hub

    @property
    def name(self) -> str:
        """The entry title."""
        return self._entry.title

    def latest(self) -> MainsSample | None:
        """The newest sample; None while the stream is stale or no grid load is configured."""
        hub = self._hub
        if not hub.fresh or hub.mains is None or hub.realtime_at is None:
            return None
        return MainsSample(
            currents=hub.mains,
            measured_at=hub.realtime_at,
            power_w=hub.totals.grid_power_w if hub.totals else None,
        )

    def subscribe(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Every realtime message (and the stream going stale) calls the listener."""
        return self._hub.async_add_feed_listener(listener)


def _mains_feed(entry: MonitorConfigEntry) -> MainsFeed:
    return MonitorMainsFeed(entry)


def _is_gateway_config(topic: str) -> bool:
    """Whether an MQTT discovery topic is a gateway's `servicelocation/<uuid>/config`."""
    split = split_config_topic(topic)
    return split is not None and split[0] == DEFAULT_TOPIC_PREFIX


KIND = Kind(
    async_setup=async_setup,
    platforms={
        Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
        Platform.SENSOR: sensor.async_setup_entry,
        Platform.SWITCH: switch.async_setup_entry,
    },
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: MonitorOptionsFlow(),
    async_unload=async_unload,
    mains_feed=_mains_feed,
    mqtt_discovery=_is_gateway_config,
)
