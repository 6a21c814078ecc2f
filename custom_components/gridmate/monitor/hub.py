"""The monitor's hub: one MQTT subscription per gateway, decoded state, dynamic entities.

Everything the gateway publishes under `<prefix>/<uuid>/` arrives through Home Assistant's own
MQTT integration (one wildcard subscription). The hub decodes each message with the HA-free
parser, keeps the latest state, and tells the entities (through a push-only coordinator) and
the mains-feed listeners. A one-second tick turns a silent stream stale (entities unavailable)
and evaluates the installation checks. When the gateway's configuration changes, entities of
new loads and modules are added and those of vanished ones removed with their devices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import time
from typing import Any

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..devices.infinity import parser
from ..devices.infinity.baseload import BaseLoadTracker
from ..devices.infinity.checks import InstallationChecks
from ..devices.infinity.derive import Totals, mains_currents, totals
from ..devices.infinity.model import (
    Aggregated,
    ChannelLayout,
    GatewayConfig,
    InputModule,
    InputValue,
    OutputRelay,
    Realtime,
    RelayState,
)
from ..devices.infinity.schema import (
    UNREACHABLE_STATES,
    TopicKind,
    Variant,
    classify,
    topic,
    topic_base,
)
from .const import STALE_AFTER_S, TICK_S
from .device_info import gateway_device, load_device
from .repairs import MonitorRepairs

type EntityFactories = dict[str, Callable[[], Entity]]
type BuildEntities = Callable[[MonitorHub], EntityFactories]

_LAYOUT_TOPICS = {
    TopicKind.CHANNEL_CONFIG: (Variant.CT_INPUT, parser.parse_channel_config),
    TopicKind.CHANNEL_CONFIG_V2: (Variant.PUBLISH_INDEX, parser.parse_channel_config_v2),
}


def monotonic() -> float:
    """The clock of realtime arrival and staleness (`time.monotonic`, patchable in tests)."""
    return time.monotonic()


def wall_time() -> float:
    """Wall-clock seconds for the always-on history, which must survive restarts."""
    return time.time()


class MonitorCoordinator(DataUpdateCoordinator[None]):
    """Push only: the hub calls `async_update_listeners` when something changed."""

    async def _async_update_data(self) -> None:
        """Nothing to poll: the gateway pushes."""


@dataclass(slots=True)
class _Platform:
    add: AddConfigEntryEntitiesCallback
    build: BuildEntities
    created: set[str] = field(default_factory=set)


@dataclass(slots=True)
class MonitorStats:
    """Counters for diagnostics."""

    messages: Counter[str] = field(default_factory=Counter)
    malformed: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None
    stale_since: datetime | None = None


class MonitorHub:
    """State of one gateway as its MQTT topics tell it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        *,
        prefix: str,
        uuid: str,
        always_on_window_s: float,
    ) -> None:
        """Prepare; nothing is subscribed before `async_start`."""
        self.hass = hass
        self.entry = entry
        self.prefix = prefix
        self.uuid = uuid
        self.identity: str = entry.unique_id or uuid
        self.base = topic_base(prefix, uuid)
        self.coordinator = MonitorCoordinator(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title}", update_interval=None
        )
        self.gateway: GatewayConfig | None = None
        self.layouts: dict[Variant, ChannelLayout] = {}
        self.realtime: Realtime | None = None
        self.realtime_at: float | None = None  # monotonic()
        self.fresh = False
        self.totals: Totals | None = None
        self.mains: tuple[float | None, float | None, float | None] | None = None
        self.relays: dict[int, OutputRelay] | None = None  # None = homeControlConfig not seen
        self.relay_states: dict[int, RelayState] = {}
        self.relay_connection: dict[int, str] = {}
        self.input_modules: dict[str, InputModule] | None = None
        self.input_values: dict[str, dict[int, InputValue]] = {}
        self.presence: bool | None = None
        self.aggregated: Aggregated | None = None
        self.checks = InstallationChecks()
        self.repairs = MonitorRepairs(hass, entry)
        self.baseload = BaseLoadTracker(always_on_window_s)
        self.stats = MonitorStats()
        self._feed_listeners: list[Callable[[], None]] = []
        self._platforms: dict[Platform, _Platform] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []
        self._layout_variant: Variant | None = None
        self.gateway_device_id = ""

    def wall_clock(self) -> float:
        """Wall-clock seconds (see `wall_time`)."""
        return wall_time()

    # --- lifecycle ---------------------------------------------------------------------------

    async def async_start(self) -> None:
        """Register the gateway device, subscribe to `<prefix>/<uuid>/#`, start the tick."""
        device = dr.async_get(self.hass).async_get_or_create(
            config_entry_id=self.entry.entry_id, **gateway_device(self)
        )
        self.gateway_device_id = device.id
        self._unsubscribe.append(
            await mqtt.async_subscribe(self.hass, f"{self.base}/#", self._on_message, qos=0)
        )
        self._unsubscribe.append(
            async_track_time_interval(
                self.hass, self._tick, timedelta(seconds=TICK_S), name="gridmate monitor tick"
            )
        )

    @callback
    def async_stop(self) -> None:
        """Unsubscribe; withdraw this entry's repair issues (they are recomputed on setup)."""
        while self._unsubscribe:
            self._unsubscribe.pop()()
        self.repairs.clear()

    # --- what the entities and the feed read ------------------------------------------------

    @property
    def layout(self) -> ChannelLayout | None:
        """The channel layout that matches the realtime keying (None if none matches yet)."""
        if self._layout_variant is not None:
            return self.layouts.get(self._layout_variant)
        return None

    def relay_available(self, node_id: int) -> bool:
        """Whether a relay can be shown and switched: configured, state known, reachable."""
        return (
            self.relays is not None
            and node_id in self.relays
            and node_id in self.relay_states
            and self.relay_connection.get(node_id, "CONNECTED") not in UNREACHABLE_STATES
        )

    @callback
    def async_add_feed_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` on every realtime message and when the stream goes stale."""
        self._feed_listeners.append(listener)

        @callback
        def remove() -> None:
            self._feed_listeners.remove(listener)

        return remove

    async def async_set_relay(self, node_id: int, on: bool) -> None:
        """Send a relay command; its state changes only when the gateway reports it."""
        payload = parser.relay_command(on, node_id, int(self.wall_clock() * 1000))
        try:
            await mqtt.async_publish(
                self.hass,
                topic(self.prefix, self.uuid, TopicKind.PLUG_SET_STATE, node_id=node_id),
                payload,
            )
        except HomeAssistantError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="monitor_relay_command_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    # --- messages -------------------------------------------------------------------------------

    @callback
    def _on_message(self, msg: mqtt.ReceiveMessage) -> None:
        suffix = msg.topic[len(self.base) + 1 :]
        classified = classify(suffix)
        if classified is None:
            return
        kind, param = classified
        self.stats.messages[kind.value] += 1
        if kind is TopicKind.REALTIME:
            self._on_realtime(msg.payload)
            return
        if kind is TopicKind.PLUG_SET_STATE:
            return  # our own (or the app's) command: the state topic will tell the outcome
        if not msg.retain:
            self.checks.observe_other_message(monotonic())
        if not msg.payload:
            return  # a retained topic being cleared: keep what we know
        try:
            changed = self._handle(kind, param, msg.payload)
        except parser.PayloadError as err:
            self.stats.malformed[kind.value] += 1
            self.stats.last_error = f"{kind.value}: {err}"
            LOGGER.debug("Ignoring %s from %s: %s", kind.value, self.entry.title, err)
            return
        if changed:
            self._structure_changed()
        self.coordinator.async_update_listeners()

    def _handle(self, kind: TopicKind, param: str | None, payload: Any) -> bool:
        """Decode one non-realtime message; True when the set of entities may change."""
        if kind in _LAYOUT_TOPICS:
            variant, parse = _LAYOUT_TOPICS[kind]
            layout = parse(payload)
            if self.layouts.get(variant) == layout:
                return False
            self.layouts[variant] = layout
            self._choose_layout()
            if self.layout is not None:
                self.checks.observe_layout(monotonic(), self.layout)
            return True
        if kind is TopicKind.CONFIG:
            self._on_config(parser.parse_config(payload))
            return False
        if kind is TopicKind.HOME_CONTROL_CONFIG:
            relays = {relay.node_id: relay for relay in parser.parse_home_control_config(payload)}
            changed = relays != self.relays
            self.relays = relays
            return changed
        if kind is TopicKind.SENSOR_CONFIG:
            modules = {m.serial_number: m for m in parser.parse_sensor_config(payload)}
            changed = modules != self.input_modules
            self.input_modules = modules
            return changed
        if kind is TopicKind.PLUG_STATE and param is not None:
            node_id = int(param)
            self.relay_states[node_id] = parser.parse_relay_state(payload, node_id)
            return False
        if kind is TopicKind.PLUG_CONNECTION_STATE and param is not None:
            self.relay_connection[int(param)] = parser.parse_connection_state(payload)
            return False
        if kind is TopicKind.INPUT_STATE and param is not None:
            values = self.input_values.setdefault(param, {})
            values.update(parser.parse_input_state(payload))
            return False
        if kind is TopicKind.PRESENCE:
            first = self.presence is None
            self.presence = parser.parse_presence(payload)
            return first
        if kind is TopicKind.AGGREGATED:
            self.aggregated = parser.parse_aggregated(payload)
        return False

    def _on_config(self, config: GatewayConfig) -> None:
        if config.service_location_uuid != self.uuid:
            raise parser.PayloadError("config of another service location")
        self.gateway = config
        if self.gateway_device_id:
            info = gateway_device(self)
            dr.async_get(self.hass).async_update_device(
                self.gateway_device_id,
                model=info.get("model"),
                serial_number=info.get("serial_number"),
                sw_version=info.get("sw_version"),
            )

    def _choose_layout(self) -> None:
        """Use the layout of the realtime keying; before realtime, the newest firmware's."""
        previous = self._layout_variant
        realtime_variant = self.realtime.variant if self.realtime else None
        if realtime_variant is not None:
            self._layout_variant = realtime_variant
        elif Variant.PUBLISH_INDEX in self.layouts:
            self._layout_variant = Variant.PUBLISH_INDEX
        elif self.layouts:
            self._layout_variant = Variant.CT_INPUT
        if previous != self._layout_variant and self.layout is not None:
            self.checks.observe_layout(monotonic(), self.layout)

    @callback
    def _on_realtime(self, payload: Any) -> None:
        now = monotonic()
        try:
            realtime = parser.parse_realtime(payload)
        except parser.PayloadError as err:
            self.stats.malformed[TopicKind.REALTIME.value] += 1
            self.stats.last_error = f"realtime: {err}"
            return
        variant_changed = realtime.variant is not None and realtime.variant != self._layout_variant
        first = self.realtime is None  # phases seen live and stale entities are settled now
        self.realtime = realtime
        self.realtime_at = now
        if not self.fresh:
            if self.stats.stale_since is not None:
                LOGGER.info("Realtime data from %s is back", self.entry.title)
            self.fresh = True
            self.stats.stale_since = None
        if variant_changed:
            self._choose_layout()
        if variant_changed or first:
            self._structure_changed()
        layout = self.layout
        if layout is not None:
            self.totals = totals(layout, realtime)
            self.mains = mains_currents(layout, realtime)
            self.checks.observe_realtime(now, realtime)
            if self.totals.home_power_w is not None:
                self.baseload.add(self.wall_clock(), self.totals.home_power_w)
        else:
            self.totals = None
            self.mains = None
        self.coordinator.async_update_listeners()
        for listener in list(self._feed_listeners):
            listener()

    @callback
    def _tick(self, _now: datetime) -> None:
        now = monotonic()
        if self.fresh and (self.realtime_at is None or now - self.realtime_at > STALE_AFTER_S):
            self.fresh = False
            self.stats.stale_since = dt_util.utcnow()
            LOGGER.info(
                "No realtime data from %s for %.0f s: its values are unavailable",
                self.entry.title,
                STALE_AFTER_S,
            )
            self.coordinator.async_update_listeners()
            for listener in list(self._feed_listeners):
                listener()
        self.repairs.sync(self.checks.findings(now))

    # --- dynamic entities and devices -------------------------------------------------------------

    @callback
    def async_register_platform(
        self, platform: Platform, add: AddConfigEntryEntitiesCallback, build: BuildEntities
    ) -> None:
        """A platform is ready: create its entities now and whenever the configuration changes."""
        self._platforms[platform] = _Platform(add=add, build=build)
        self._sync_platform(platform)

    def _sync_platform(self, platform: Platform) -> None:
        state = self._platforms[platform]
        desired = state.build(self)
        registry = er.async_get(self.hass)
        for key in state.created - desired.keys():
            unique_id = f"{self.identity}_{key}"
            if entity_id := registry.async_get_entity_id(platform, DOMAIN, unique_id):
                registry.async_remove(entity_id)
        # Entities left from a configuration the gateway changed while Home Assistant was off.
        prefix = f"{self.identity}_"
        for item in er.async_entries_for_config_entry(registry, self.entry.entry_id):
            key = item.unique_id.removeprefix(prefix)
            if (
                item.domain == platform
                and item.unique_id.startswith(prefix)
                and key not in desired
                and self._configuration_known(key)
            ):
                registry.async_remove(item.entity_id)
        new = [factory() for key, factory in desired.items() if key not in state.created]
        state.created = set(desired)
        if new:
            state.add(new)

    def _configuration_known(self, key: str) -> bool:
        """Whether the topic that decides if entity `key` exists has been received."""
        if key.startswith("input_"):
            return self.input_modules is not None
        if key.startswith("relay_"):
            return self.relays is not None
        if key in ("realtime", "presence"):
            return False  # kept: the gateway's own entities
        # Loads, voltages and totals follow the channel layout (and the phases seen live).
        return self.layout is not None and self.realtime is not None

    def _structure_changed(self) -> None:
        for platform in self._platforms:
            self._sync_platform(platform)
        self._remove_stale_devices()
        self._rename_devices()

    def _rename_devices(self) -> None:
        """A load renamed (or given another kind) in the app keeps its device and history."""
        if (layout := self.layout) is None:
            return
        registry = dr.async_get(self.hass)
        for load in layout.loads:
            device = registry.async_get_device_by_identifier(
                (DOMAIN, self.load_device_id(load.key)), self.entry.entry_id
            )
            info = load_device(self, load)
            if device is not None and (device.name, device.model) != (
                info.get("name"),
                info.get("model"),
            ):
                registry.async_update_device(
                    device.id, name=info.get("name"), model=info.get("model")
                )

    def _remove_stale_devices(self) -> None:
        """Remove the devices of loads and modules the gateway no longer has."""
        wanted: set[str] = {self.identity}
        known: list[str] = []  # identifier prefixes whose configuration is known
        if (layout := self.layout) is not None:
            known.append(f"{self.identity}_load_")
            wanted |= {self.load_device_id(load.key) for load in layout.loads}
        if self.relays is not None:
            known.append(f"{self.identity}_output_")
            wanted |= {self.output_device_id(r.module_serial) for r in self.relays.values()}
        if self.input_modules is not None:
            known.append(f"{self.identity}_input_")
            wanted |= {self.input_device_id(serial) for serial in self.input_modules}
        registry = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(registry, self.entry.entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if ids & wanted or not any(i.startswith(p) for i in ids for p in known):
                continue
            LOGGER.debug("Removing %s: no longer in the gateway's configuration", device.name)
            registry.async_update_device(device.id, remove_config_entry_id=self.entry.entry_id)

    def load_device_id(self, load_key: str) -> str:
        """Device identifier of a load."""
        return f"{self.identity}_{load_key}"  # load keys start with "load_"

    def output_device_id(self, serial: str | None) -> str:
        """Device identifier of an Output module."""
        return f"{self.identity}_output_{serial or 'unknown'}"

    def input_device_id(self, serial: str) -> str:
        """Device identifier of an Input module."""
        return f"{self.identity}_input_{serial}"
