"""The MQTT transport: the Smart Connect publishes, Home Assistant's own MQTT client listens.

``power_instant`` arrives with every meter telegram (1 s on SMR 5, 10 s on DSMR 4.2) and feeds
the same coordinator data, entities and mains feed as a Modbus poll would. The coordinator
never polls: its timer only runs out when no message came for STALE_INTERVALS expected
intervals (each message restarts it), which turns the entities unavailable with one log line.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
import statistics
import time

from homeassistant.components import mqtt
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from ..const import CONF_SERIAL, DOMAIN, LOGGER
from ..devices.smart_connect.modbus import Reading
from ..devices.smart_connect.mqtt import (
    METRIC_DEVICE_COUNTERS,
    METRIC_POWER_INSTANT,
    MQTT_KEYS,
    MqttPayloadError,
    parse_device_counters,
    parse_power_instant,
    subscription,
)
from .const import (
    CLOCK_RESET_AFTER,
    CONF_MQTT_SERIAL,
    DEFAULT_EXPECTED_INTERVAL,
    MAX_EXPECTED_INTERVAL,
    MIN_EXPECTED_INTERVAL,
    MIN_STALE_SECONDS,
    STALE_INTERVALS,
)
from .coordinator import (
    SmartConnectConfigEntry,
    SmartConnectData,
    SmartConnectInfoCoordinator,
    energy_unit_wh,
)


def _stale_after(interval: float) -> float:
    return max(STALE_INTERVALS * interval, MIN_STALE_SECONDS)


def topic_serials(entry: SmartConnectConfigEntry) -> list[str]:
    """The spellings of the serial to subscribe to (topics are case-sensitive).

    The one seen in a discovered topic, then the serial as stored (upper case) and in lower
    case, the two ways hexadecimal serials are written.
    """
    serial: str = entry.data[CONF_SERIAL]
    found = entry.data.get(CONF_MQTT_SERIAL)
    return list(dict.fromkeys([s for s in (found, serial, serial.lower()) if s]))


class SmartConnectPushCoordinator(DataUpdateCoordinator[SmartConnectData]):
    """Live values from ``power_instant`` messages; unavailable when they stop."""

    config_entry: SmartConnectConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartConnectConfigEntry,
        info: SmartConnectInfoCoordinator,
    ) -> None:
        """Wait for messages; nothing is subscribed until `async_subscribe`."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} MQTT",
            update_interval=timedelta(seconds=_stale_after(DEFAULT_EXPECTED_INTERVAL)),
        )
        self.info = info
        self.expected_interval = DEFAULT_EXPECTED_INTERVAL
        self._deltas: deque[float] = deque(maxlen=8)
        self._last_ts: float | None = None
        self._older_in_a_row = 0
        self._quiet_timer_ran = False
        # Counters for diagnostics.
        self.received = 0
        self.accepted = 0
        self.out_of_order = 0
        self.malformed = 0
        self.retained_skipped = 0
        self.last_error: str | None = None
        self.last_topic: str | None = None

    @property
    def energy_wh(self) -> bool | None:
        """Whether E_IMPORT/E_EXPORT count Wh (firmware V5.1.x and later) or kWh."""
        return energy_unit_wh(self.config_entry, self.info)

    @property
    def supported_keys(self) -> frozenset[str]:
        """Every power_instant field (a value the telegram lacks is null, hence unknown)."""
        return MQTT_KEYS

    @property
    def stale_after(self) -> float:
        """Seconds without a message after which the values count as lost."""
        return _stale_after(self.expected_interval)

    async def async_subscribe(
        self, counters: SmartConnectCountersCoordinator | None = None
    ) -> list[CALLBACK_TYPE]:
        """Subscribe to this device's topics through Home Assistant's MQTT integration."""
        unsubscribe: list[CALLBACK_TYPE] = []
        for serial in topic_serials(self.config_entry):
            unsubscribe.append(
                await mqtt.async_subscribe(
                    self.hass,
                    subscription(serial, METRIC_POWER_INSTANT),
                    self._on_power_instant,
                    encoding=None,
                )
            )
            if counters is not None:
                unsubscribe.append(
                    await mqtt.async_subscribe(
                        self.hass,
                        subscription(serial, METRIC_DEVICE_COUNTERS),
                        counters.on_message,
                        encoding=None,
                    )
                )
        return unsubscribe

    @callback
    def _on_power_instant(self, msg: mqtt.ReceiveMessage) -> None:
        self.received += 1
        if msg.retain:
            # Kept by the broker from an earlier time: not a live reading.
            self.retained_skipped += 1
            return
        try:
            instant = parse_power_instant(json_loads(msg.payload), energy_wh=self.energy_wh)
        except (ValueError, MqttPayloadError) as err:
            self.malformed += 1
            self.last_error = f"{type(err).__name__}: {err}"
            LOGGER.debug("Smart Connect %s: skipped payload (%s)", self.config_entry.title, err)
            return
        if self._last_ts is not None and instant.ts < self._last_ts:
            self.out_of_order += 1
            self._older_in_a_row += 1
            if self._older_in_a_row < CLOCK_RESET_AFTER:
                return
            LOGGER.warning(
                "Smart Connect %s: %d messages in a row older than the newest one; following "
                "the device's clock, which went back",
                self.config_entry.title,
                self._older_in_a_row,
            )
            self._deltas.clear()
        elif self._last_ts is not None and instant.ts > self._last_ts:
            self._learn_interval(instant.ts - self._last_ts)
        self._older_in_a_row = 0
        self._last_ts = instant.ts
        self.accepted += 1
        self.last_topic = msg.topic
        if not self.last_update_success:
            LOGGER.info("Smart Connect %s: MQTT messages are back", self.config_entry.title)
        self.async_set_updated_data(
            SmartConnectData(
                reading=Reading(values=instant.values),
                received_at=dt_util.utcnow(),
                received_monotonic=time.monotonic(),
                device_time=instant.ts,
            )
        )

    def _learn_interval(self, delta: float) -> None:
        self._deltas.append(delta)
        interval = min(
            max(statistics.median(self._deltas), MIN_EXPECTED_INTERVAL), MAX_EXPECTED_INTERVAL
        )
        if interval != self.expected_interval:
            self.expected_interval = interval
            self.update_interval = timedelta(seconds=_stale_after(interval))

    async def _handle_refresh_interval(self, _now: datetime | None = None) -> None:
        # The timer restarts with every message: when it runs, none came for stale_after.
        self._quiet_timer_ran = True
        await super()._handle_refresh_interval()

    async def _async_update_data(self) -> SmartConnectData:
        quiet, self._quiet_timer_ran = self._quiet_timer_ran, False
        if quiet or self.data is None or not self.last_update_success:
            # Whatever the device's clock says next, take it: after a gap it may have rebooted.
            self._last_ts = None
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="mqtt_stale",
                translation_placeholders={"seconds": f"{self.stale_after:.0f}"},
            )
        return self.data  # a manual refresh: there is nothing to fetch, the device pushes


class SmartConnectCountersCoordinator(DataUpdateCoordinator[dict[str, int | None]]):
    """The periodic ``device_counters`` message (diagnostics of the device itself)."""

    config_entry: SmartConnectConfigEntry

    def __init__(self, hass: HomeAssistant, entry: SmartConnectConfigEntry) -> None:
        """Push only: no polling."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} device counters",
            update_interval=None,
        )
        self.malformed = 0

    @callback
    def on_message(self, msg: mqtt.ReceiveMessage) -> None:
        """Decode a device_counters message; malformed ones are skipped and counted."""
        try:
            counters = parse_device_counters(json_loads(msg.payload))
        except (ValueError, MqttPayloadError) as err:
            self.malformed += 1
            LOGGER.debug("Smart Connect %s: skipped counters (%s)", self.config_entry.title, err)
            return
        self.async_set_updated_data(counters)

    async def _async_update_data(self) -> dict[str, int | None]:
        if self.data is None:
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="mqtt_no_counters")
        return self.data
