"""The controller: one deterministic ``step`` per meter update.

The caller passes the time and the latest readings; the controller keeps only what timers and
contactor care need (per-charger runtime) and never reads a clock or does I/O. The order of
work in a step is the order of importance:

1. Staleness: old or missing mains (or circuit) data means the safe current, nothing else.
2. Limits: headroom from the measured base load (see ``limits``).
3. Modes: each charger's mode (after programs and boost) says whether it wants to run, its
   minimum and what it asks for; solar modes run a start/stop/phase state machine.
4. Sharing: the headroom and the solar pool are shared by priority, then fairly.
5. Book-keeping: starts, stops and timers, and a reason per charger.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from .limits import CapacityTracker, Headroom, compute_headroom
from .model import (
    ChargeMode,
    ChargerCommand,
    ChargerConfig,
    ChargerState,
    MeterReading,
    PhaseCurrents,
    PhaseMode,
    Reason,
    Settings,
    StepInput,
    StepResult,
)
from .modes import ModePlan, resolve_mode, solar_rule
from .sharing import Allocation, Demand, quantize_down, share

_EPS = 1e-6
_QUIET_A = 0.5
"""Below this measured current a charger counts as not drawing (safe to switch phases)."""
_CAR_PHASE_A = 1.0
"""A phase carrying at least this much while charging is one the car draws on."""
_CAR_PHASE_CONFIRM_S = 10.0
"""How long a car must draw on fewer phases before the surplus is counted that way."""
_PHASE_UP_MARGIN_A = 1.0
"""Extra surplus (sum of phases) before going from one to three phases: regulation room."""
_HARD_LIMITS = frozenset(
    {
        Reason.LIMITED_BY_MAIN_FUSE,
        Reason.LIMITED_BY_CIRCUIT,
        Reason.LIMITED_BY_SUM_LIMIT,
        Reason.LIMITED_BY_CAPACITY_CAP,
    }
)


@dataclass(slots=True)
class _Runtime:
    """Mutable per-charger memory: the last command and the timers."""

    phases: int
    target: float = 0.0
    recent_targets: tuple[float, ...] = ()
    running: bool = False  # a session we keep alive (includes a phase switch pause)
    started_at: float | None = None
    stopped_at: float | None = None
    starts: int = 0
    phase_switches: int = 0
    car_phases: int | None = None  # fewer phases than switched in, as measured
    fewer_phases_since: float | None = None
    start_since: float | None = None
    stop_since: float | None = None
    no_surplus_since: float | None = None
    phase_since: float | None = None
    phase_dir: int = 0
    last_switch_at: float | None = None
    switch_to: int | None = None
    resume_at: float | None = None
    energy_wh: float = 0.0
    boost_base_wh: float | None = None
    boost_done: bool = False
    ema_deficit: float = 0.0
    ema_take: float = 0.0
    ema_start_deficit: float = 0.0
    ema_start_take: float = 0.0
    ema_at: float | None = None

    def reset_timers(self) -> None:
        self.start_since = None
        self.stop_since = None
        self.no_surplus_since = None
        self.phase_since = None
        self.phase_dir = 0


@dataclass(slots=True)
class _Decision:
    """What the mode logic wants for one charger before sharing."""

    demand: Demand | None
    reason: Reason
    plan: ModePlan
    stop_pending: bool = False


class Controller:
    """Solar / DLM controller for one installation (one main fuse, up to eight chargers).

    Create it with the settings, call ``step`` on every mains update and on a watchdog tick,
    and apply each ``ChargerCommand``. ``update_settings`` takes effect at the next step and
    keeps timers, start counts and boost progress of chargers that remain.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._runtime: dict[str, _Runtime] = {}
        self._capacity = CapacityTracker()
        self._last_now: float | None = None
        self._snapshot: tuple[MeterReading, dict[str, PhaseCurrents]] | None = None
        self._sync_runtime()

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self._settings

    def update_settings(self, settings: Settings) -> None:
        """Replace the settings; leaving boost resets boost progress."""
        self._settings = settings
        self._sync_runtime()

    def starts(self, charger_id: str) -> int:
        """How many sessions this controller started on a charger (contactor wear)."""
        return self._runtime[charger_id].starts

    def phase_switches(self, charger_id: str) -> int:
        """How many 1/3-phase switches this controller made on a charger."""
        return self._runtime[charger_id].phase_switches

    def _sync_runtime(self) -> None:
        keep: dict[str, _Runtime] = {}
        for cfg in self._settings.chargers:
            rt = self._runtime.get(cfg.charger_id)
            if rt is None or (rt.phases == 3 and cfg.phases == 1):
                rt = _Runtime(phases=cfg.phases)
            mode = cfg.mode if cfg.mode is not None else self._settings.mode
            if mode is not ChargeMode.BOOST:
                rt.boost_base_wh = None
                rt.boost_done = False
            keep[cfg.charger_id] = rt
        self._runtime = keep

    # ------------------------------------------------------------------ step

    def step(self, inputs: StepInput) -> StepResult:
        """Decide every charger's current for this moment."""
        s = self._settings
        now = inputs.now
        dt = 0.0
        if self._last_now is not None:
            dt = min(max(now - self._last_now, 0.0), s.stale_timeout_s)
        self._last_now = now
        states = {st.charger_id: st for st in inputs.chargers}

        draws: dict[str, PhaseCurrents] = {}
        for cfg in s.chargers:
            rt = self._runtime[cfg.charger_id]
            st = states.get(cfg.charger_id)
            draws[cfg.charger_id] = self._draw(cfg, rt, st)
            self._track_energy(rt, st, draws[cfg.charger_id], dt)
            if st is not None and st.connected:
                self._update_boost(cfg, rt)
                self._observe_car_phases(rt, st, now)

        plans: dict[str, ModePlan] = {}
        for cfg in s.chargers:
            rt = self._runtime[cfg.charger_id]
            plans[cfg.charger_id] = resolve_mode(s, cfg, inputs.local_time, rt.boost_done)

        if self._stale(inputs):
            return self._safe_step(inputs, states, plans)
        assert inputs.mains is not None
        self._capacity.add_reading(inputs.mains, s.voltage, s.stale_timeout_s)
        draws = self._consistent_draws(inputs.mains, draws)

        total = [0.0, 0.0, 0.0]
        solar_draw = 0.0
        for cfg in s.chargers:
            d = draws[cfg.charger_id]
            for p in range(3):
                total[p] += d[p]
            if plans[cfg.charger_id].solar:
                solar_draw += sum(d)
        cap_w = None
        if s.capacity_cap_w is not None:
            cap_w = self._capacity.allowed_power_w(now, s.capacity_cap_w)
        headroom = compute_headroom(
            s, inputs.mains, inputs.circuit, (total[0], total[1], total[2]), cap_w
        )

        battery_first = False
        pool = solar_draw - sum(inputs.mains.currents)
        if inputs.battery is not None:
            bat = inputs.battery
            battery_first = (
                s.battery_first_soc_pct is not None
                and bat.soc_pct is not None
                and bat.soc_pct < s.battery_first_soc_pct
            )
            if bat.current < 0 or not battery_first:
                # Discharging never funds solar; charging above the battery-first SOC does.
                pool += bat.current
        reserve = max(
            (
                solar_rule(plans[c.charger_id], s, c.min_current, 1).reserve
                for c in s.chargers
                if plans[c.charger_id].solar
            ),
            default=0.0,
        )
        pool -= reserve

        order = sorted(
            range(len(s.chargers)),
            key=lambda i: (
                -s.chargers[i].priority,
                0 if self._runtime[s.chargers[i].charger_id].running else 1,
                i,
            ),
        )
        decisions: dict[int, _Decision] = {}
        pool_left = pool
        for i in order:
            cfg = s.chargers[i]
            rt = self._runtime[cfg.charger_id]
            st = states.get(cfg.charger_id)
            decision = self._decide(
                cfg, rt, st, plan=plans[cfg.charger_id], pool=pool_left, now=now
            )
            decision = self._with_battery_reason(decision, battery_first)
            decisions[i] = decision
            if decision.demand is not None and decision.demand.pool_bound:
                pool_left -= decision.demand.floor * decision.demand.pool_weight

        demands = [
            decisions[i].demand or _idle_demand(s.chargers[i]) for i in range(len(s.chargers))
        ]
        allocations = share(demands, order, headroom, pool)

        commands: list[ChargerCommand] = []
        for i, cfg in enumerate(s.chargers):
            rt = self._runtime[cfg.charger_id]
            commands.append(self._finish(cfg, rt, decisions[i], allocations[i], now))
        return self._result(now, commands, headroom, pool, stale=False)

    # ------------------------------------------------------------ measuring

    def _stale(self, inputs: StepInput) -> bool:
        timeout = self._settings.stale_timeout_s
        if inputs.mains is None or inputs.now - inputs.mains.timestamp > timeout:
            return True
        return inputs.circuit is not None and inputs.now - inputs.circuit.timestamp > timeout

    def _consistent_draws(
        self, mains: MeterReading, draws: dict[str, PhaseCurrents]
    ) -> dict[str, PhaseCurrents]:
        """Charger draws that belong with this mains reading.

        The base load is mains minus charger draws, so both must describe the same moment.
        Between two mains readings (watchdog ticks, charger updates) the chargers may already
        draw more than the old reading shows; subtracting their new currents from the old
        mains would make room that does not exist. So the draws seen at the first step with
        a mains reading are kept until the next reading arrives.
        """
        if self._snapshot is not None and self._snapshot[0] == mains:
            kept = self._snapshot[1]
            return {cid: kept.get(cid, draw) for cid, draw in draws.items()}
        self._snapshot = (mains, draws)
        return draws

    def _draw(self, cfg: ChargerConfig, rt: _Runtime, st: ChargerState | None) -> PhaseCurrents:
        """What the charger draws now per installation phase.

        Measured currents win. Without them the smallest of the recent commands is assumed:
        right after an increase the car still draws the old current, right after a decrease
        the new one is the honest lower bound; either way the base load is over-estimated,
        which errs on the safe side.
        """
        out = [0.0, 0.0, 0.0]
        if st is None or not st.connected:
            return (0.0, 0.0, 0.0)
        if st.actual_currents is not None:
            for k in range(3):
                out[(cfg.first_phase + k) % 3] += max(0.0, st.actual_currents[k])
        elif st.charging and rt.recent_targets:
            assumed = min(rt.recent_targets)
            phases = st.phases_in_use if st.phases_in_use in (1, 3) else rt.phases
            for p in cfg.mains_phases(phases):
                out[p] += assumed
        return (out[0], out[1], out[2])

    def _observe_car_phases(self, rt: _Runtime, st: ChargerState, now: float) -> None:
        """Learn that the car draws on fewer phases than the charger offers.

        A one-phase car on a three-phase charger takes the offered current on one phase
        only; counting three phases would waste two thirds of the surplus. The headroom
        still reserves every switched-in phase (the car may add phases any time).
        """
        if rt.switch_to is not None or rt.resume_at is not None or not st.charging:
            return
        measured = st.phases_in_use
        if st.actual_currents is not None:
            measured = sum(1 for a in st.actual_currents if a >= _CAR_PHASE_A)
        if measured is None or measured <= 0:
            return
        if measured >= rt.phases:
            rt.car_phases, rt.fewer_phases_since = None, None
            return
        # only believe it after a while: some cars bring their phases up one by one
        if rt.fewer_phases_since is None:
            rt.fewer_phases_since = now
        if now - rt.fewer_phases_since >= _CAR_PHASE_CONFIRM_S:
            rt.car_phases = measured

    def _track_energy(
        self, rt: _Runtime, st: ChargerState | None, draw: PhaseCurrents, dt: float
    ) -> None:
        if st is not None and st.energy_wh is not None:
            rt.energy_wh = st.energy_wh
        else:
            rt.energy_wh += sum(draw) * self._settings.voltage * dt / 3600.0

    # ------------------------------------------------------------- deciding

    def _decide(
        self,
        cfg: ChargerConfig,
        rt: _Runtime,
        st: ChargerState | None,
        *,
        plan: ModePlan,
        pool: float,
        now: float,
    ) -> _Decision:
        if st is None or not st.connected:
            return _Decision(demand=None, reason=Reason.DISCONNECTED, plan=plan)
        if plan.mode is ChargeMode.OFF:
            reason = Reason.PROGRAM_OFF if plan.from_program else Reason.MODE_OFF
            return _Decision(demand=None, reason=reason, plan=plan)

        switching = self._continue_phase_switch(rt, st, now)
        if switching:
            return _Decision(demand=None, reason=Reason.SWITCHING_PHASES, plan=plan)

        request = cfg.max_current
        if plan.max_current is not None:
            request = min(request, plan.max_current)
        if request < cfg.min_current:
            return _Decision(demand=None, reason=Reason.INSUFFICIENT_CURRENT, plan=plan)

        forced = self._forced_phases(cfg, plan)
        if (
            forced is not None
            and forced != rt.phases
            and not self._begin_phase_change(rt, st, forced, now)
        ):
            return _Decision(demand=None, reason=Reason.SWITCHING_PHASES, plan=plan)

        if not plan.solar:
            if not rt.running and not self._min_off_done(rt, now):
                return _Decision(demand=None, reason=Reason.WAITING_MIN_OFF_TIME, plan=plan)
            demand = Demand(
                phases=cfg.mains_phases(rt.phases),
                floor=cfg.min_current,
                request=request,
                resolution=cfg.resolution,
                priority=cfg.priority,
                pool_bound=False,
                cap_bound=True,
            )
            reason = Reason.BOOST if plan.boost else Reason.CHARGING
            return _Decision(demand=demand, reason=reason, plan=plan)
        return self._decide_solar(cfg, rt, st, plan=plan, pool=pool, request=request, now=now)

    def _decide_solar(
        self,
        cfg: ChargerConfig,
        rt: _Runtime,
        st: ChargerState,
        *,
        plan: ModePlan,
        pool: float,
        request: float,
        now: float,
    ) -> _Decision:
        """Start/stop/phase state machine shared by solar, min+solar and green."""
        s = self._settings
        auto = cfg.can_switch_phases and cfg.phase_mode is PhaseMode.AUTO
        up_level = max(3 * cfg.min_current, cfg.max_current) + _PHASE_UP_MARGIN_A

        self._track_import_share(cfg, rt, plan, pool, now, auto=auto)
        share_ok = _pct(rt.ema_start_deficit, rt.ema_start_take) <= s.max_import_share_pct

        if not rt.running:
            phases = rt.phases
            if auto and rt.car_phases is None:
                phases = 3 if pool >= up_level else 1
            rule = solar_rule(plan, s, cfg.min_current, min(phases, rt.car_phases or 3))
            if not (rule.always_run or pool >= rule.start_threshold):
                rt.start_since = None
                return _Decision(demand=None, reason=Reason.WAITING_FOR_SURPLUS, plan=plan)
            if rt.start_since is None:
                rt.start_since = now
            if not rule.always_run and (now - rt.start_since < s.start_delay_s or not share_ok):
                return _Decision(demand=None, reason=Reason.START_PENDING, plan=plan)
            if not self._min_off_done(rt, now):
                return _Decision(demand=None, reason=Reason.WAITING_MIN_OFF_TIME, plan=plan)
            if phases != rt.phases and not self._begin_phase_change(rt, st, phases, now):
                return _Decision(demand=None, reason=Reason.SWITCHING_PHASES, plan=plan)
            return self._solar_demand(
                cfg, rt, plan=plan, pool=pool, request=request, stop_pending=False
            )

        phases = min(rt.phases, rt.car_phases or 3)  # what the car really draws on
        rule = solar_rule(plan, s, cfg.min_current, phases)
        deficit = cfg.min_current * phases - pool
        if auto and rt.car_phases is None:
            # Phase decisions use solar's allowed import even in min+solar: charging on one
            # phase at minimum imports less than on three.
            tolerated = min(rule.allowed_import, s.allowed_import)
            want = 0
            delay = 0.0
            if phases == 3 and deficit > tolerated + _EPS:
                want, delay = 1, s.phase_down_delay_s
            elif phases == 1 and pool >= up_level:
                want, delay = 3, s.phase_up_delay_s
            if want == 0:
                rt.phase_since, rt.phase_dir = None, 0
            else:
                if rt.phase_dir != want or rt.phase_since is None:
                    rt.phase_since, rt.phase_dir = now, want
                # Anti-flap holds back going up again; going down is never held back
                # because staying on three phases at minimum means importing.
                interval_ok = (
                    want == 1
                    or rt.last_switch_at is None
                    or now - rt.last_switch_at >= s.phase_switch_interval_s
                )
                if now - rt.phase_since >= delay and interval_ok:
                    rt.switch_to = want
                    rt.phase_since, rt.phase_dir = None, 0
                    rt.stop_since = None
                    return _Decision(demand=None, reason=Reason.SWITCHING_PHASES, plan=plan)

        stop_pending = False
        if not rule.always_run and deficit > rule.allowed_import + _EPS:
            if rt.stop_since is None:
                rt.stop_since = now
            min_on_done = rt.started_at is None or now - rt.started_at >= s.min_on_s
            too_much_import = _pct(rt.ema_deficit, rt.ema_take) > s.stop_import_share_pct
            if pool > _EPS:
                rt.no_surplus_since = None
            elif rt.no_surplus_since is None:
                rt.no_surplus_since = now
            all_grid = (
                rt.no_surplus_since is not None and now - rt.no_surplus_since >= s.no_surplus_stop_s
            )
            if (
                now - rt.stop_since >= s.stop_time_s or too_much_import or all_grid
            ) and min_on_done:
                return _Decision(demand=None, reason=Reason.WAITING_FOR_SURPLUS, plan=plan)
            stop_pending = True
        else:
            rt.stop_since = None
            rt.no_surplus_since = None
        return self._solar_demand(
            cfg, rt, plan=plan, pool=pool, request=request, stop_pending=stop_pending
        )

    def _track_import_share(
        self,
        cfg: ChargerConfig,
        rt: _Runtime,
        plan: ModePlan,
        pool: float,
        now: float,
        *,
        auto: bool,
    ) -> None:
        """Exponential averages of the grid share a session at (at least) minimum would have.

        Whether the car charges or not, the pool is the surplus it could use, so that share is
        known at any moment. Over the stop time it stops sessions that keep importing through
        a string of dips, each shorter than the stop time. Over the (shorter) start window it
        keeps a start from happening in the first sunny minute between clouds, which is what
        limits starts on a cloudy day, yet forgets a heat pump's run quickly enough to use the
        surplus once it stops.
        """
        s = self._settings
        phases = 1 if auto else min(rt.phases, rt.car_phases or 3)
        rule = solar_rule(plan, s, cfg.min_current, phases)
        need = cfg.min_current * phases
        # a session can import at most its minimum: cap the deficit there
        deficit = min(need, max(0.0, need - pool - rule.allowed_import))
        take = max(need, min(pool, cfg.max_current * phases))
        dt = 0.0 if rt.ema_at is None else max(now - rt.ema_at, 0.0)
        first = rt.ema_at is None
        rt.ema_deficit = _ema(rt.ema_deficit, deficit, dt, s.stop_time_s, first=first)
        rt.ema_take = _ema(rt.ema_take, take, dt, s.stop_time_s, first=first)
        rt.ema_start_deficit = _ema(
            rt.ema_start_deficit, deficit, dt, s.start_window_s, first=first
        )
        rt.ema_start_take = _ema(rt.ema_start_take, take, dt, s.start_window_s, first=first)
        rt.ema_at = now

    @staticmethod
    def _solar_demand(
        cfg: ChargerConfig,
        rt: _Runtime,
        *,
        plan: ModePlan,
        pool: float,
        request: float,
        stop_pending: bool,
    ) -> _Decision:
        used = min(rt.phases, rt.car_phases or 3)
        demand = Demand(
            phases=cfg.mains_phases(rt.phases),
            floor=cfg.min_current,
            request=request,
            resolution=cfg.resolution,
            priority=cfg.priority,
            pool_bound=True,
            cap_bound=True,
            pool_phases=used,
        )
        short = pool < cfg.min_current * used - _EPS
        reason = Reason.SOLAR_STOP_PENDING if stop_pending else Reason.CHARGING_SOLAR
        if not stop_pending and short:
            reason = Reason.CHARGING_MINIMUM
        return _Decision(demand=demand, reason=reason, plan=plan, stop_pending=stop_pending)

    @staticmethod
    def _with_battery_reason(decision: _Decision, battery_first: bool) -> _Decision:
        if battery_first and decision.reason is Reason.WAITING_FOR_SURPLUS:
            decision.reason = Reason.BATTERY_FIRST
        return decision

    def _forced_phases(self, cfg: ChargerConfig, plan: ModePlan) -> int | None:
        """Phase count imposed by the user, or by a mode that wants full power."""
        if not cfg.can_switch_phases:
            return None
        if cfg.phase_mode is PhaseMode.SINGLE:
            return 1
        if cfg.phase_mode is PhaseMode.THREE:
            return 3
        if not plan.solar:
            return 3  # fast, smart and boost want all the power they can get
        return None

    def _min_off_done(self, rt: _Runtime, now: float) -> bool:
        return rt.stopped_at is None or now - rt.stopped_at >= self._settings.min_off_s

    def _begin_phase_change(self, rt: _Runtime, st: ChargerState, phases: int, now: float) -> bool:
        """Change phases; True when done now (nothing flowing), else a switch is started."""
        if not rt.running and rt.target <= 0 and _quiet(st):
            rt.phases = phases
            rt.car_phases = None
            rt.fewer_phases_since = None
            rt.phase_switches += 1
            rt.last_switch_at = now
            return True
        rt.switch_to = phases
        return False

    def _continue_phase_switch(self, rt: _Runtime, st: ChargerState, now: float) -> bool:
        """Advance a pending switch; True while the charger must stay at 0 A.

        The switch itself only happens once the charger reports no current flowing, then a
        short pause lets the car settle before current is offered again.
        """
        if rt.switch_to is not None:
            if _quiet(st):
                rt.phases = rt.switch_to
                rt.car_phases = None
                rt.fewer_phases_since = None
                rt.switch_to = None
                rt.phase_switches += 1
                rt.last_switch_at = now
                rt.resume_at = now + self._settings.phase_switch_pause_s
            return True
        if rt.resume_at is not None:
            if now < rt.resume_at:
                return True
            rt.resume_at = None
        return False

    def _update_boost(self, cfg: ChargerConfig, rt: _Runtime) -> None:
        s = self._settings
        mode = cfg.mode if cfg.mode is not None else s.mode
        if mode is not ChargeMode.BOOST:
            rt.boost_base_wh = None
            rt.boost_done = False
            return
        if rt.boost_base_wh is None:
            rt.boost_base_wh = rt.energy_wh
        delivered = rt.energy_wh - rt.boost_base_wh
        if s.boost_energy_wh > 0 and delivered >= s.boost_energy_wh:
            rt.boost_done = True

    # ------------------------------------------------------------ finishing

    def _finish(
        self,
        cfg: ChargerConfig,
        rt: _Runtime,
        decision: _Decision,
        alloc: Allocation,
        now: float,
    ) -> ChargerCommand:
        reason = decision.reason
        limit_phase: int | None = None
        current = alloc.current if decision.demand is not None else 0.0
        if decision.demand is not None:
            if alloc.paused:
                reason = alloc.limit or Reason.INSUFFICIENT_CURRENT
                limit_phase = alloc.limit_phase
            elif alloc.limit in _HARD_LIMITS:
                reason = alloc.limit
                limit_phase = alloc.limit_phase
        if reason is Reason.DISCONNECTED:
            self._disconnect(cfg, rt)
        if decision.plan.mode is ChargeMode.SMART and rt.running and current > rt.target > 0:
            # Smart raises gradually (a quarter of the way per step, like SmartEVSE); fast
            # jumps. Both cut at once: decreases are never delayed.
            step_up = max(cfg.resolution, (current - rt.target) / 4)
            current = min(current, quantize_down(rt.target + step_up, cfg.resolution))
        self._apply(rt, current, now)
        return ChargerCommand(
            charger_id=cfg.charger_id,
            current=current,
            phases=rt.phases,
            reason=reason,
            limit_phase=None if limit_phase is None else limit_phase + 1,
            mode=decision.plan.mode,
            starts=rt.starts,
        )

    def _apply(self, rt: _Runtime, current: float, now: float) -> None:
        """Record the command: session starts and stops drive min on/off times."""
        switching = rt.switch_to is not None or rt.resume_at is not None
        if current > 0:
            if not rt.running:
                rt.running = True
                rt.starts += 1
                rt.started_at = now
                rt.start_since = None
        elif rt.running and not switching:
            rt.running = False
            rt.stopped_at = now
            rt.reset_timers()
        rt.target = current
        rt.recent_targets = (*rt.recent_targets[-2:], current)

    def _disconnect(self, cfg: ChargerConfig, rt: _Runtime) -> None:
        rt.reset_timers()
        rt.switch_to = None
        rt.resume_at = None
        rt.boost_base_wh = None
        rt.boost_done = False
        rt.car_phases = None
        rt.fewer_phases_since = None
        rt.running = False
        del cfg  # same signature as the other per-charger helpers

    def _safe_step(
        self,
        inputs: StepInput,
        states: dict[str, ChargerState],
        plans: dict[str, ModePlan],
    ) -> StepResult:
        """Stale or missing meter data: nobody gets more than the safe current."""
        s = self._settings
        commands: list[ChargerCommand] = []
        for cfg in s.chargers:
            rt = self._runtime[cfg.charger_id]
            st = states.get(cfg.charger_id)
            rt.reset_timers()
            current = 0.0
            reason = Reason.STALE_METER_DATA
            if st is None or not st.connected:
                reason = Reason.DISCONNECTED
                self._disconnect(cfg, rt)
            elif rt.switch_to is None and rt.resume_at is None:
                cap = min(s.safe_current, cfg.max_current, rt.target)
                if cap >= cfg.min_current:
                    current = max(quantize_down(cap, cfg.resolution), cfg.min_current)
            self._apply(rt, current, inputs.now)
            commands.append(
                ChargerCommand(
                    charger_id=cfg.charger_id,
                    current=current,
                    phases=rt.phases,
                    reason=reason,
                    mode=plans[cfg.charger_id].mode,
                    starts=rt.starts,
                )
            )
        return StepResult(
            now=inputs.now,
            commands=tuple(commands),
            available=(0.0, 0.0, 0.0),
            surplus_w=0.0,
            stale=True,
            boost_active=any(self._boosting(c) for c in s.chargers),
            boost_complete=any(self._runtime[c.charger_id].boost_done for c in s.chargers),
        )

    def _boosting(self, cfg: ChargerConfig) -> bool:
        mode = cfg.mode if cfg.mode is not None else self._settings.mode
        return mode is ChargeMode.BOOST and not self._runtime[cfg.charger_id].boost_done

    def _result(
        self,
        now: float,
        commands: list[ChargerCommand],
        headroom: Headroom,
        pool: float,
        *,
        stale: bool,
    ) -> StepResult:
        s = self._settings
        avail = tuple(round(max(0.0, h), 2) for h in headroom.phase)
        return StepResult(
            now=now,
            commands=tuple(commands),
            available=(avail[0], avail[1], avail[2]),
            surplus_w=round(pool * s.voltage, 1) if math.isfinite(pool) else 0.0,
            stale=stale,
            boost_active=any(self._boosting(c) for c in s.chargers),
            boost_complete=any(self._runtime[c.charger_id].boost_done for c in s.chargers),
        )


def _ema(value: float, sample: float, dt: float, tau: float, *, first: bool) -> float:
    """Time-weighted exponential moving average (steps may be irregular)."""
    if first or tau <= 0:
        return sample
    return value + (sample - value) * (1.0 - math.exp(-dt / tau))


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else 0.0


def _quiet(st: ChargerState) -> bool:
    """No current flows: the charger says so and any measurement agrees."""
    if st.charging:
        return False
    return st.actual_currents is None or max(st.actual_currents) < _QUIET_A


def _idle_demand(cfg: ChargerConfig) -> Demand:
    return Demand(
        phases=cfg.mains_phases(cfg.phases),
        floor=0.0,
        request=0.0,
        resolution=cfg.resolution,
        priority=cfg.priority,
        pool_bound=False,
        cap_bound=False,
    )
