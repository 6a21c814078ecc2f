"""The controller in Home Assistant: inputs from feeds and chargers, core steps, commands out.

One `ControllerRuntime` per controller entry. It

- steps the control core on every mains sample (state changes and same-value reports alike)
  and on a one-second watchdog, plus exactly when the last reading turns stale;
- builds the core's settings from the installation (entry options), the user's controls (the
  store) and what each charger can do, and rebuilds them on every change;
- sends each charger its command through a `CommandGate` (changes and refreshes only), one
  command at a time per charger, so a charger that hangs or refuses cannot hold up the others;
- raises repair issues while the meter data is missing or stale (the core then gives every
  charger at most the safe current) and while a charger keeps refusing commands, and removes
  them when things recover;
- keeps the recent decisions for diagnostics, and per-charger figures for the sensors.

After a (re)start nothing is sent until the first fresh meter reading, or until the stale
timeout has passed without one: the chargers keep the limit they had while Home Assistant was
down for at most that long, then get the failsafe current like any other loss of data.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import math
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util

from .. import kinds  # at call time: `kinds` imports this package while it loads
from ..const import DOMAIN, LOGGER
from ..control import (
    BatteryReading,
    ChargeMode,
    ChargerCommand,
    ChargerConfig,
    ChargerState,
    Controller,
    MeterReading,
    PhaseMode,
    Settings,
    StepInput,
    StepResult,
    WeekTime,
)
from ..devices.chargers.contract import (
    Charger,
    ChargerError,
    ChargerRejectedError,
    ChargerStatus,
)
from ..feeds import EntityMainsFeed, MainsFeed, MainsSample
from .config import ChargerEntryConfig, ControllerConfig
from .const import (
    FAILURES_BEFORE_ISSUE,
    HISTORY_COMMANDS,
    HISTORY_STEPS,
    MISMATCHES_BEFORE_FAILURE,
    STALE_MARGIN_S,
    VERIFY_SETTLE_S,
    WATCHDOG_INTERVAL_S,
    ChargerSource,
    ControllerStatus,
    MainsSource,
)
from .entity_charger import EntityCharger
from .gate import CommandGate, GateCommand
from .store import Controls, ControlsStore


@dataclass(slots=True)
class Session:
    """Energy of the current plug-in session and the part of it that came from surplus."""

    energy_wh: float = 0.0
    solar_wh: float = 0.0

    @property
    def solar_share_pct(self) -> float | None:
        """Share of the session's energy that was surplus, %; None before any energy."""
        if self.energy_wh <= 0:
            return None
        return max(0.0, min(100.0, 100.0 * self.solar_wh / self.energy_wh))


@dataclass(slots=True)
class ChargerLink:
    """One steered charger: its driver (once available), its gate and its figures."""

    config: ChargerEntryConfig
    gate: CommandGate
    driver: Charger | None = None
    owner: object | None = None  # the charger entry's runtime data the driver belongs to
    unsub: Callable[[], None] | None = None
    command: ChargerCommand | None = None
    last_starts: int = 0
    connected: bool = False
    draw_a: float = 0.0  # what it drew at the last step, A summed over phases
    session: Session = field(default_factory=Session)
    last_error: str | None = None
    error_key: str | None = None  # repair issue translation key while failing
    task: asyncio.Task[None] | None = None

    @property
    def charger_id(self) -> str:
        """The core's id of this charger."""
        return self.config.charger_id

    @property
    def status(self) -> ChargerStatus | None:
        """The driver's status, if there is a driver."""
        return self.driver.status if self.driver is not None else None


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class ControllerRuntime:
    """Everything a controller entry runs while loaded."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        config: ControllerConfig,
        store: ControlsStore,
    ) -> None:
        """Prepare (nothing runs until `async_start`)."""
        self.hass = hass
        self.entry = entry
        self.config = config
        self.store = store
        self._offset = time.time() - time.monotonic()
        self._started_at = self.now()
        self._seen_fresh = False
        self.links: dict[str, ChargerLink] = {
            c.charger_id: ChargerLink(
                config=c, gate=CommandGate(raise_interval=config.installation.raise_interval)
            )
            for c in config.chargers
        }
        self.core = Controller(self.build_settings())
        self._caps_key: tuple[Any, ...] = ()
        self.result: StepResult | None = None
        self.status = ControllerStatus.STARTING
        self.history: deque[dict[str, Any]] = deque(maxlen=HISTORY_STEPS)
        self.sent: deque[dict[str, Any]] = deque(maxlen=HISTORY_COMMANDS)
        self.steps = 0
        self.step_cpu_s = 0.0  # deciding: inputs, core step, book-keeping
        self.step_total_cpu_s = 0.0  # the whole step: + commands handed out, entities written
        self._listeners: list[Callable[[], None]] = []
        self._unsubs: list[CALLBACK_TYPE] = []
        self._mains_feed: MainsFeed | None = None
        self._mains_unsub: CALLBACK_TYPE | None = None
        self._mains_owner: object | None = None
        self._mains_good: MeterReading | None = None
        self._circuit_feed: EntityMainsFeed | None = None
        self._circuit_unsub: CALLBACK_TYPE | None = None
        self._circuit_good: MeterReading | None = None
        self._deadline_unsub: CALLBACK_TYPE | None = None
        self._stepping = False
        self._mains_pending = False
        self._last_step_now: float | None = None
        self._grid_w: float | None = None
        self._stale_issue = False
        self._stopped = False

    # ------------------------------------------------------------------ clock

    def now(self) -> float:
        """The core's clock: monotonic seconds, offset once to epoch (quarter hours align)."""
        return time.monotonic() + self._offset

    @property
    def controls(self) -> Controls:
        """The user's controls."""
        return self.store.controls

    # -------------------------------------------------------------- lifecycle

    @callback
    def async_start(self) -> None:
        """Track the sources and chargers, start the watchdog."""
        mains = self.config.mains
        if mains.source is not MainsSource.ENTRY:
            feed = EntityMainsFeed(
                self.hass,
                current_entities=mains.currents,
                power_entities=mains.powers,
                voltage_entities=mains.voltages,
                voltage=self.config.installation.voltage,
            )
            self._mains_feed = feed
            self._mains_unsub = feed.subscribe(self._on_mains)
        if self.config.circuit:
            self._circuit_feed = EntityMainsFeed(self.hass, current_entities=self.config.circuit)
            self._circuit_unsub = self._circuit_feed.subscribe(lambda: None)
        for link in self.links.values():
            if link.config.source is ChargerSource.ENTITIES:
                self._attach(link, EntityCharger(self.hass, link.config), owner=None)
        self._resolve()
        self._unsubs.append(
            async_track_time_interval(
                self.hass,
                self._on_tick,
                timedelta(seconds=WATCHDOG_INTERVAL_S),
                name=f"{DOMAIN} controller watchdog",
                cancel_on_shutdown=True,
            )
        )
        self.step("start")

    @callback
    def async_stop(self) -> None:
        """Stop everything (the entry unloads); chargers keep their last limit."""
        self._stopped = True
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._mains_unsub:
            self._mains_unsub()
            self._mains_unsub = None
        if self._circuit_unsub:
            self._circuit_unsub()
            self._circuit_unsub = None
        if self._deadline_unsub:
            self._deadline_unsub()
            self._deadline_unsub = None
        for link in self.links.values():
            if link.unsub:
                link.unsub()
                link.unsub = None
            if link.task is not None and not link.task.done():
                link.task.cancel()

    def async_add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every step and every control change (entities)."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    # ---------------------------------------------------------------- sources

    def _source_entry(self, entry_id: str | None) -> ConfigEntry[Any] | None:
        if entry_id is None:
            return None
        source = self.hass.config_entries.async_get_entry(entry_id)
        if source is None or source.state is not ConfigEntryState.LOADED:
            return None
        if getattr(source, "runtime_data", None) is None:
            return None
        return source

    def _resolve(self) -> None:
        """Follow Gridmate entries that (re)load: the mains source and charger entries."""
        if self.config.mains.source is MainsSource.ENTRY:
            source = self._source_entry(self.config.mains.entry_id)
            owner = source.runtime_data if source is not None else None
            if owner is not self._mains_owner:
                if self._mains_unsub:
                    self._mains_unsub()
                    self._mains_unsub = None
                self._mains_feed = kinds.mains_feed_of(source) if source is not None else None
                self._mains_owner = owner if self._mains_feed is not None else None
                if self._mains_feed is not None:
                    self._mains_unsub = self._mains_feed.subscribe(self._on_mains)
        changed = False
        for link in self.links.values():
            if link.config.source is not ChargerSource.ENTRY:
                continue
            source = self._source_entry(link.config.entry_id)
            owner = source.runtime_data if source is not None else None
            if owner is link.owner and (owner is not None or link.driver is None):
                continue
            if link.unsub:
                link.unsub()
                link.unsub = None
            link.driver = None
            link.owner = None
            link.gate = CommandGate(raise_interval=self.config.installation.raise_interval)
            driver = kinds.charger_of(source) if source is not None else None
            if driver is not None:
                self._attach(link, driver, owner=owner)
            changed = True
        caps_key = tuple(
            (link.charger_id, link.driver.capabilities if link.driver else None)
            for link in self.links.values()
        )
        if changed or caps_key != self._caps_key:
            self._caps_key = caps_key
            self.core.update_settings(self.build_settings())

    def _attach(self, link: ChargerLink, driver: Charger, *, owner: object | None) -> None:
        link.driver = driver
        link.owner = owner
        caps = driver.capabilities
        link.gate.limit_valid_s = caps.limit_valid_s
        status = driver.status
        link.gate.assume_phases(
            status.phases_in_use if status and status.phases_in_use in (1, 3) else caps.phases
        )
        link.unsub = driver.add_listener(lambda: None)

    # --------------------------------------------------------------- settings

    def build_settings(self) -> Settings:
        """The core's settings from the installation, the controls and the chargers."""
        inst = self.config.installation
        c = self.controls
        chargers: list[ChargerConfig] = []
        for link in self.links.values():
            if link.driver is None:
                continue
            caps = link.driver.capabilities
            own = c.charger(link.charger_id)
            low = max(caps.min_current, own.min_current or caps.min_current)
            low = min(low, caps.max_current)
            high = min(caps.max_current, own.max_current or caps.max_current)
            high = max(high, low)
            chargers.append(
                ChargerConfig(
                    charger_id=link.charger_id,
                    priority=link.config.priority,
                    min_current=low,
                    max_current=high,
                    resolution=caps.current_step,
                    # a charger that switches phases is wired for three, whatever it uses now
                    phases=3 if caps.can_switch_phases else caps.phases,
                    first_phase=link.config.first_phase,
                    can_switch_phases=caps.can_switch_phases,
                    phase_mode=own.phase_mode if caps.can_switch_phases else PhaseMode.AUTO,
                )
            )
        return Settings(
            mode=c.mode,
            voltage=inst.voltage,
            max_mains=self.main_fuse,
            max_circuit=self.circuit_limit,
            max_sum_mains=inst.sum_limit,
            capacity_cap_w=None if self.capacity_cap_kw is None else self.capacity_cap_kw * 1000,
            stale_timeout_s=inst.stale_timeout,
            safe_current=inst.safe_current,
            start_current=c.start_current,
            stop_time_s=c.stop_time_min * 60,
            allowed_import=c.allowed_import,
            green_min_level_pct=c.green_min_level,
            min_export_w=c.min_export_w,
            boost_energy_wh=c.boost_energy_kwh * 1000,
            boost_fallback_mode=c.mode_before_boost,
            programs=tuple(c.programs[slot].to_program() for slot in sorted(c.programs)),
            battery_first_soc_pct=inst.battery_first_soc,
            start_delay_s=inst.start_delay,
            min_on_s=inst.min_switch_time,
            min_off_s=inst.min_switch_time,
            chargers=tuple(chargers),
        )

    @property
    def main_fuse(self) -> float:
        """The fuse limit in force: the user's, never above the installation's."""
        rating = self.config.installation.main_fuse
        return min(self.controls.main_fuse or rating, rating)

    @property
    def circuit_limit(self) -> float | None:
        """The circuit limit in force, if the installation has one."""
        rating = self.config.installation.circuit_limit
        if rating is None:
            return None
        return min(self.controls.circuit_limit or rating, rating)

    @property
    def capacity_cap_kw(self) -> float | None:
        """The capacity cap in force, if the installation has one."""
        rating = self.config.installation.capacity_cap_kw
        if rating is None:
            return None
        return min(self.controls.capacity_cap_kw or rating, rating)

    @callback
    def start_boost(self, energy_kwh: float) -> None:
        """Charge at full power until `energy_kwh` is delivered, then back to the mode before."""
        controls = self.controls
        controls.boost_energy_kwh = energy_kwh
        if controls.mode is ChargeMode.BOOST:
            # a new boost: leave boost for one settings update so the core counts from now
            controls.mode = controls.mode_before_boost
            self.core.update_settings(self.build_settings())
        else:
            controls.mode_before_boost = controls.mode
        controls.mode = ChargeMode.BOOST
        self.controls_changed()

    async def async_flush(self) -> None:
        """Write the controls now (unload: a pending delayed save must not be lost)."""
        await self.store.async_save()

    @callback
    def controls_changed(self) -> None:
        """The user changed a control: save, apply at once, show it."""
        self.store.schedule_save()
        self.core.update_settings(self.build_settings())
        self.step("settings")

    # ---------------------------------------------------------------- stepping

    @callback
    def _on_mains(self) -> None:
        """A new sample: step once the current burst of state writes is done.

        Meter integrations write one sensor per phase, one after the other in the same
        loop iteration; stepping on the first would mix a new L1 with an old L2 and L3.
        """
        if not self._mains_pending:
            self._mains_pending = True
            self.hass.loop.call_soon(self._on_mains_burst)

    @callback
    def _on_mains_burst(self) -> None:
        self._mains_pending = False
        self.step("mains")

    @callback
    def _on_tick(self, _now: datetime) -> None:
        self._resolve()
        self.step("tick")

    @callback
    def _on_deadline(self, _now: datetime) -> None:
        self._deadline_unsub = None
        self.step("stale")

    def _mains_reading(self) -> tuple[MeterReading | None, MainsSample | None]:
        """The newest complete mains reading, and the feed's latest sample.

        A sample with an unknown phase (a sensor unavailable, garbage, a failed poll) is no
        news: the last complete reading stays in use and ages, so the failsafe takes over
        when the stale timeout passes, not on the first hiccup.
        """
        sample = self._mains_feed.latest() if self._mains_feed is not None else None
        if sample is not None:
            currents = sample.currents
            if self.config.installation.phases == 1:
                currents = (currents[0], 0.0, 0.0)
            values = [c for c in currents if c is not None and math.isfinite(c)]
            if len(values) == 3:
                timestamp = sample.measured_at + self._offset
                if self._mains_good is None or timestamp >= self._mains_good.timestamp:
                    self._mains_good = MeterReading(
                        currents=(values[0], values[1], values[2]), timestamp=timestamp
                    )
        return self._mains_good, sample

    def _circuit_reading(self) -> MeterReading | None:
        """Like the mains: the newest complete circuit reading (held to the same timeout)."""
        if self._circuit_feed is None:
            return None
        sample = self._circuit_feed.latest()
        if sample is not None:
            currents = sample.currents
            if self.config.installation.phases == 1:
                currents = (currents[0], 0.0, 0.0)
            values = [c for c in currents if c is not None and math.isfinite(c)]
            if len(values) == 3:
                self._circuit_good = MeterReading(
                    currents=(values[0], values[1], values[2]),
                    timestamp=sample.measured_at + self._offset,
                )
        if self._circuit_good is None:
            # a configured circuit meter without data is as stale as a silent one
            return MeterReading(currents=(0.0, 0.0, 0.0), timestamp=-math.inf)
        return self._circuit_good

    def _battery_reading(self) -> BatteryReading | None:
        if not self.config.battery_power:
            return None
        state = self.hass.states.get(self.config.battery_power)
        power = _float_state(state)
        if power is None or state is None:
            return None
        unit = state.attributes.get("unit_of_measurement")
        if unit == "kW":
            power *= 1000
        if self.config.battery_invert:
            power = -power
        soc = (
            _float_state(self.hass.states.get(self.config.battery_soc))
            if self.config.battery_soc
            else None
        )
        return BatteryReading(current=power / self.config.installation.voltage, soc_pct=soc)

    def _charger_state(self, link: ChargerLink) -> ChargerState:
        """What the core needs to know about a charger.

        Without measured currents, the limit in force on the charger (the last one it
        confirmed) stands in for the measurement while it charges. The core's own fallback
        (its recent targets) would not do here: the command gate holds raises back, so the
        core's targets are not what the charger has.
        """
        status = link.status
        sent = link.gate.sent_current
        if status is None:
            # Unknown: count it as plugged in and, if we let it, drawing; its real draw is
            # in the mains reading either way.
            return ChargerState(
                charger_id=link.charger_id, connected=True, charging=(sent or 0.0) > 0
            )
        connected = status.connected is not False
        charging = status.charging
        if charging is None:
            charging = connected and (sent or 0.0) > 0
        measured = [c for c in status.currents if c is not None]
        if measured and status.measured_at is not None:
            measured_at = status.measured_at + self._offset
            stale = self.now() - measured_at > self.config.installation.stale_timeout
            # A measurement from before the car followed our last change tells what it drew
            # under the old limit; against a newer meter reading it would put the car's
            # change into the house load (and steer the wrong way). Until the charger reports
            # again, settled, the limit in force is the better guess.
            changed = link.gate.changed_at
            before_command = changed is not None and measured_at < changed + VERIFY_SETTLE_S
            if stale or before_command:
                measured = []
        actual: tuple[float, float, float] | None = None
        if measured:
            actual = (
                max(0.0, status.currents[0] or 0.0),
                max(0.0, status.currents[1] or 0.0),
                max(0.0, status.currents[2] or 0.0),
            )
        elif sent is not None and link.driver is not None:
            in_force = sent if charging else 0.0
            phases = status.phases_in_use or link.gate.sent_phases or 3
            phases = min(phases, link.driver.capabilities.phases)
            actual = (in_force, in_force if phases == 3 else 0.0, in_force if phases == 3 else 0.0)
        energy = status.total_energy_wh
        if energy is None:
            energy = status.session_energy_wh
        return ChargerState(
            charger_id=link.charger_id,
            connected=connected,
            charging=bool(charging),
            phases_in_use=status.phases_in_use,
            actual_currents=actual,
            energy_wh=energy,
        )

    @callback
    def step(self, trigger: str) -> StepResult | None:
        """One core step with the latest inputs, then commands, figures and repairs."""
        if self._stopped or self._stepping:
            return None
        self._stepping = True
        cpu = time.process_time()
        try:
            return self._step(trigger)
        finally:
            self._stepping = False
            self.step_total_cpu_s += time.process_time() - cpu

    def _step(self, trigger: str) -> StepResult:
        cpu = time.process_time()
        now = self.now()
        mains, sample = self._mains_reading()
        links = [link for link in self.links.values() if link.driver is not None]
        states = tuple(self._charger_state(link) for link in links)
        local = dt_util.now()
        inputs = StepInput(
            now=now,
            mains=mains,
            chargers=states,
            circuit=self._circuit_reading(),
            battery=self._battery_reading(),
            local_time=WeekTime(
                weekday=local.weekday(),
                second_of_day=local.hour * 3600 + local.minute * 60 + local.second,
            ),
        )
        result = self.core.step(inputs)
        self.result = result
        self.steps += 1

        timeout = self.config.installation.stale_timeout
        if not result.stale:
            self._seen_fresh = True
            self.status = ControllerStatus.ACTIVE
        elif not self._seen_fresh and now - self._started_at <= timeout:
            self.status = ControllerStatus.STARTING
        else:
            self.status = ControllerStatus.FAILSAFE
        if mains is not None and not result.stale:
            self._schedule_deadline(mains.timestamp + timeout + STALE_MARGIN_S - now)

        dt = 0.0 if self._last_step_now is None else min(max(now - self._last_step_now, 0), timeout)
        self._last_step_now = now
        self._account(links, states, mains, dt)
        for link in links:
            link.command = result.command(link.charger_id)
            self._count_starts(link, local)
        if result.boost_complete and self.controls.mode is ChargeMode.BOOST:
            self.controls.mode = self.controls.mode_before_boost
            self.store.schedule_save()
            self.core.update_settings(self.build_settings())
        self._record(trigger, inputs, result, sample)
        self.step_cpu_s += time.process_time() - cpu
        if self.status is not ControllerStatus.STARTING:
            for link in links:
                self._verify(link)
                self._dispatch(link)
        self._update_stale_issue()
        self._notify()
        return result

    def _schedule_deadline(self, delay: float) -> None:
        if self._deadline_unsub:
            self._deadline_unsub()
        self._deadline_unsub = async_call_later(self.hass, max(delay, 0.0), self._on_deadline)

    def _account(
        self,
        links: list[ChargerLink],
        states: tuple[ChargerState, ...],
        mains: MeterReading | None,
        dt: float,
    ) -> None:
        """Session energy and its solar part over the time since the last step.

        Over that interval the chargers drew what they drew at the last step and the grid
        import was the last step's reading; the import is shared over the chargers in
        proportion to their draw, the rest of their energy was surplus. Then the figures
        for the next interval are taken from this step.
        """
        voltage = self.config.installation.voltage
        draws = [link.draw_a * voltage for link in links]
        total = sum(draws)
        grid_w = self._grid_w if self._grid_w is not None else total
        grid_share = min(1.0, grid_w / total) if total > 0 else 0.0
        for link, state, draw_w in zip(links, states, draws, strict=True):
            if state.connected and not link.connected:
                link.session = Session()  # plugged in: a new session
            link.connected = state.connected
            if dt > 0 and draw_w > 0:
                link.session.energy_wh += draw_w * dt / 3600
                link.session.solar_wh += draw_w * (1 - grid_share) * dt / 3600
            if state.actual_currents is not None:
                link.draw_a = sum(state.actual_currents)
            elif state.charging and link.gate.sent_current:
                phases = state.phases_in_use or link.gate.sent_phases or 1
                link.draw_a = link.gate.sent_current * phases
            else:
                link.draw_a = 0.0
        self._grid_w = None if mains is None else max(0.0, sum(mains.currents)) * voltage

    def _count_starts(self, link: ChargerLink, local: datetime) -> None:
        own = self.controls.charger(link.charger_id)
        today = local.date().isoformat()
        if own.starts_day != today:
            own.starts_day = today
            own.starts_today = 0
            self.store.schedule_save()
        starts = link.command.starts if link.command else 0
        if starts > link.last_starts:
            own.starts_today += starts - link.last_starts
            self.store.schedule_save()
        link.last_starts = starts

    def _record(
        self,
        trigger: str,
        inputs: StepInput,
        result: StepResult,
        sample: MainsSample | None,
    ) -> None:
        self.history.append(
            {
                "at": dt_util.utcnow().isoformat(),
                "trigger": trigger,
                "status": self.status.value,
                "mains": list(inputs.mains.currents) if inputs.mains else None,
                "mains_raw": list(sample.currents) if sample else None,
                "mains_age_s": _round(inputs.now - inputs.mains.timestamp)
                if inputs.mains
                else None,
                "circuit": list(inputs.circuit.currents)
                if inputs.circuit and math.isfinite(inputs.circuit.timestamp)
                else None,
                "battery": (
                    {"current": _round(inputs.battery.current), "soc": inputs.battery.soc_pct}
                    if inputs.battery
                    else None
                ),
                "chargers": [
                    {
                        "id": st.charger_id,
                        "connected": st.connected,
                        "charging": st.charging,
                        "phases_in_use": st.phases_in_use,
                        "currents": list(st.actual_currents) if st.actual_currents else None,
                    }
                    for st in inputs.chargers
                ],
                "commands": [
                    {
                        "id": cmd.charger_id,
                        "current": cmd.current,
                        "phases": cmd.phases,
                        "reason": cmd.reason.value,
                        "limit_phase": cmd.limit_phase,
                        "mode": cmd.mode.value,
                    }
                    for cmd in result.commands
                ],
                "available": list(result.available),
                "surplus_w": result.surplus_w,
                "stale": result.stale,
            }
        )

    # ---------------------------------------------------------------- commands

    def _verify(self, link: ChargerLink) -> None:
        """Read back the limit in force; resend when the charger allows more than we set."""
        status = link.status
        if status is None or status.measured_at is None:
            return
        sent = link.gate.sent_current
        match = link.gate.verify(status.current_limit, status.measured_at + self._offset)
        if match is True and link.error_key is not None and link.last_error is None:
            self._clear_charger_issue(link)
        if match is not False:
            return
        LOGGER.debug(
            "%s reports %s A in force, above the %s A set: sending again",
            link.config.name,
            status.current_limit,
            sent,
        )
        if link.gate.mismatches >= MISMATCHES_BEFORE_FAILURE and sent is not None:
            command = GateCommand(current=sent, phases=None)
            err = ChargerRejectedError(
                f"it reports {status.current_limit:g} A in force, above the {sent:g} A set"
            )
            link.gate.failed(self.now(), command)
            self._command_failed(link, command, err)

    def _dispatch(self, link: ChargerLink) -> None:
        """Send the charger its command if the gate lets it through."""
        if self._stopped or link.driver is None or link.command is None:
            return
        caps = link.driver.capabilities
        current = caps.allowed_limit(link.command.current)
        phases = link.command.phases if caps.can_switch_phases else caps.phases
        command = link.gate.decide(self.now(), current, phases)
        if command is None:
            return
        link.gate.started(command)
        link.task = self.entry.async_create_background_task(
            self.hass, self._send(link, link.driver, command), f"{DOMAIN} command {link.charger_id}"
        )

    async def _send(self, link: ChargerLink, driver: Charger, command: GateCommand) -> None:
        started = time.monotonic()
        try:
            if command.phases is not None:
                await driver.set_phases(command.phases)
            await driver.set_current_limit(command.current)
        except ChargerError as err:
            link.gate.failed(self.now(), command)
            self._command_failed(link, command, err)
        except asyncio.CancelledError:
            link.gate.in_flight = None
            raise
        except Exception as err:  # a driver bug must not stop the controller
            LOGGER.exception("Unexpected error commanding %s", link.config.name)
            link.gate.failed(self.now(), command)
            self._command_failed(link, command, err)
        else:
            link.gate.succeeded(self.now(), command)
            self._command_succeeded(link, command, time.monotonic() - started)
        if link.driver is driver and not self._stopped:
            # a newer target may have been held while this one was under way
            self._dispatch(link)
            self._notify()

    def _log_command(
        self, link: ChargerLink, command: GateCommand, result: str, seconds: float
    ) -> None:
        self.sent.append(
            {
                "at": dt_util.utcnow().isoformat(),
                "charger": link.charger_id,
                "current": command.current,
                "phases": command.phases,
                "result": result,
                "seconds": round(seconds, 3),
            }
        )

    def _command_succeeded(self, link: ChargerLink, command: GateCommand, seconds: float) -> None:
        self._log_command(link, command, "ok", seconds)
        link.last_error = None
        if link.gate.mismatches < MISMATCHES_BEFORE_FAILURE:
            # (a charger that keeps ignoring our limit is cleared once it reports it)
            self._clear_charger_issue(link)

    def _clear_charger_issue(self, link: ChargerLink) -> None:
        if link.error_key is not None:
            LOGGER.info("%s accepts commands again", link.config.name)
            ir.async_delete_issue(self.hass, DOMAIN, self._charger_issue_id(link))
        link.error_key = None

    def _command_failed(self, link: ChargerLink, command: GateCommand, err: Exception) -> None:
        text = str(err) or type(err).__name__
        self._log_command(link, command, f"{type(err).__name__}: {text}", 0.0)
        if link.last_error is None:
            LOGGER.warning("%s did not take %s A: %s", link.config.name, command.current, text)
        link.last_error = text
        repeated = (
            link.gate.failures >= FAILURES_BEFORE_ISSUE
            or link.gate.mismatches >= MISMATCHES_BEFORE_FAILURE
        )
        if repeated and link.error_key is None:
            link.error_key = (
                "charger_rejected"
                if isinstance(err, ChargerRejectedError)
                else "charger_unreachable"
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._charger_issue_id(link),
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=link.error_key,
                translation_placeholders={
                    "controller": self.entry.title,
                    "charger": link.config.name,
                    "error": text,
                },
            )

    def _charger_issue_id(self, link: ChargerLink) -> str:
        return f"charger_{self.entry.entry_id}_{link.charger_id}"

    @property
    def stale_issue_id(self) -> str:
        """The repair issue raised while the meter data is missing or stale."""
        return f"mains_stale_{self.entry.entry_id}"

    def _update_stale_issue(self) -> None:
        failsafe = self.status is ControllerStatus.FAILSAFE
        if failsafe and not self._stale_issue:
            self._stale_issue = True
            LOGGER.warning(
                "%s: no fresh meter data from %s for %s s: chargers get at most %s A",
                self.entry.title,
                self.mains_name,
                self.config.installation.stale_timeout,
                self.config.installation.safe_current,
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self.stale_issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="mains_stale",
                translation_placeholders={
                    "controller": self.entry.title,
                    "source": self.mains_name,
                    "timeout": f"{self.config.installation.stale_timeout:g}",
                    "safe_current": f"{self.config.installation.safe_current:g}",
                },
            )
        elif not failsafe and self.status is ControllerStatus.ACTIVE and self._stale_issue:
            self._stale_issue = False
            LOGGER.info("%s: meter data is back", self.entry.title)
            ir.async_delete_issue(self.hass, DOMAIN, self.stale_issue_id)

    @property
    def mains_name(self) -> str:
        """The mains source for people (entry title or sensor ids)."""
        mains = self.config.mains
        if mains.source is MainsSource.ENTRY:
            source = self.hass.config_entries.async_get_entry(mains.entry_id or "")
            return source.title if source is not None else f"(removed entry {mains.entry_id})"
        return ", ".join(mains.currents or mains.powers)

    @callback
    def async_remove_issues(self) -> None:
        """Delete every repair issue of this controller (the entry goes away)."""
        ir.async_delete_issue(self.hass, DOMAIN, self.stale_issue_id)
        for link in self.links.values():
            ir.async_delete_issue(self.hass, DOMAIN, self._charger_issue_id(link))


def _float_state(state: Any) -> float | None:
    if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
