"""Invariants over random settings and random measurement sequences (hypothesis).

For every step:
- every command is 0 or within [min, max] of its charger;
- with fresh data, if every charger drew its new target, no phase would be above MaxMains or
  MaxCircuit and the phase sum not above MaxSumMains (given the measured base load); so an
  overloaded phase is reduced by at least its excess at this very step;
- with stale data (older than the timeout, or none), nobody gets more than the safe current;
- a charger's phase count only changes while it reports no current flowing.
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from custom_components.gridmate.control import (
    ChargeMode,
    ChargerConfig,
    ChargerState,
    Controller,
    MeterReading,
    Settings,
    StepInput,
)

EPS = 1e-6
MODES = [m for m in ChargeMode if m is not ChargeMode.PROGRAMMED]


@st.composite
def charger_configs(draw: st.DrawFn, idx: int) -> ChargerConfig:
    phases = draw(st.sampled_from([1, 3]))
    lo = draw(st.sampled_from([6.0, 6.0, 8.0]))
    return ChargerConfig(
        charger_id=f"c{idx}",
        priority=draw(st.integers(0, 2)),
        min_current=lo,
        max_current=draw(st.floats(lo, 32.0).map(lambda x: round(x, 1))),
        resolution=draw(st.sampled_from([1.0, 0.1])),
        phases=phases,
        first_phase=draw(st.integers(0, 2)),
        can_switch_phases=phases == 3 and draw(st.booleans()),
    )


@st.composite
def installations(draw: st.DrawFn) -> Settings:
    n = draw(st.integers(1, 4))
    return Settings(
        mode=draw(st.sampled_from(MODES)),
        max_mains=draw(st.sampled_from([16.0, 25.0, 35.0])),
        max_circuit=draw(st.sampled_from([None, 16.0, 20.0])),
        max_sum_mains=draw(st.sampled_from([None, 40.0, 60.0])),
        capacity_cap_w=draw(st.sampled_from([None, 4000.0])),
        safe_current=draw(st.sampled_from([0.0, 6.0, 10.0])),
        start_delay_s=draw(st.sampled_from([0.0, 5.0])),
        stop_time_s=draw(st.sampled_from([0.0, 20.0])),
        min_on_s=draw(st.sampled_from([0.0, 10.0])),
        min_off_s=draw(st.sampled_from([0.0, 10.0])),
        phase_up_delay_s=draw(st.sampled_from([0.0, 5.0])),
        phase_down_delay_s=draw(st.sampled_from([0.0, 5.0])),
        phase_switch_interval_s=draw(st.sampled_from([0.0, 20.0])),
        phase_switch_pause_s=draw(st.sampled_from([0.0, 2.0])),
        boost_energy_wh=draw(st.sampled_from([0.0, 5.0])),
        chargers=tuple(draw(charger_configs(i)) for i in range(n)),
    )


currents = st.floats(-40.0, 45.0).map(lambda x: round(x, 2))
phase3 = st.tuples(currents, currents, currents)
step_data = st.fixed_dictionaries(
    {
        "dt": st.sampled_from([1.0, 1.0, 2.0, 5.0]),
        "house": phase3,
        "age": st.sampled_from([0.0, 0.0, 0.0, 3.0, 10.0, 10.5, 30.0]),
        "no_mains": st.integers(0, 19).map(lambda x: x == 0),
        "repeat": st.integers(0, 3).map(lambda x: x == 0),
        "circuit": phase3,
        "follow": st.lists(st.sampled_from(["follow", "zero", "random"]), min_size=4, max_size=4),
        "noise": st.lists(st.floats(0.0, 32.0), min_size=4, max_size=4),
        "connected": st.lists(st.integers(0, 9).map(lambda x: x != 0), min_size=4, max_size=4),
    }
)


def _on_phases(cfg: ChargerConfig, phases: int) -> tuple[int, ...]:
    return cfg.mains_phases(phases)


@settings(derandomize=True, deadline=None, max_examples=150)
@given(installations(), st.lists(step_data, min_size=1, max_size=40))
def test_invariants_hold_on_random_sequences(cfg: Settings, steps: list[dict[str, object]]) -> None:
    ctrl = Controller(cfg)
    now = 0.0
    last: dict[str, tuple[float, int]] = {c.charger_id: (0.0, c.phases) for c in cfg.chargers}
    repeatable = None
    for data in steps:
        now += float(data["dt"])  # type: ignore[arg-type]
        states = []
        draws = {}
        for i, c in enumerate(cfg.chargers):
            target, phases = last[c.charger_id]
            how = data["follow"][i]  # type: ignore[index]
            amps = {"follow": target, "zero": 0.0}.get(how, data["noise"][i])  # type: ignore[index, call-overload]
            amps = min(amps, c.max_current)
            connected = data["connected"][i]  # type: ignore[index]
            if not connected:
                amps = 0.0
            per = tuple(amps if k < phases else 0.0 for k in range(3))
            draws[c.charger_id] = (per, phases)
            states.append(
                ChargerState(
                    charger_id=c.charger_id,
                    connected=bool(connected),
                    charging=amps > 0,
                    phases_in_use=phases,
                    actual_currents=(per[0], per[1], per[2]),
                )
            )
        ev_on_phase = [0.0, 0.0, 0.0]
        for c in cfg.chargers:
            per, _ = draws[c.charger_id]
            for k in range(3):
                ev_on_phase[(c.first_phase + k) % 3] += per[k]
        house = data["house"]
        mains_i = tuple(house[p] + ev_on_phase[p] for p in range(3))  # type: ignore[index]
        circuit_base = tuple(abs(x) / 2 for x in data["circuit"])  # type: ignore[attr-defined]
        circuit_i = tuple(circuit_base[p] + ev_on_phase[p] for p in range(3))
        age = float(data["age"])  # type: ignore[arg-type]
        mains = (
            None
            if data["no_mains"]
            else MeterReading(currents=(mains_i[0], mains_i[1], mains_i[2]), timestamp=now - age)
        )
        circuit = None
        if cfg.max_circuit is not None:
            circuit = MeterReading(
                currents=(circuit_i[0], circuit_i[1], circuit_i[2]), timestamp=now
            )
        if data["repeat"] and repeatable is not None:
            # a watchdog tick or charger update between two meter readings: the same
            # reading again while the chargers may already draw something else; the base
            # load is still the one of that reading
            mains, circuit, mains_i, circuit_i, ev_on_phase = repeatable
            assert mains is not None
            age = now - mains.timestamp
        res = ctrl.step(StepInput(now=now, mains=mains, circuit=circuit, chargers=tuple(states)))
        stale = mains is None or age > cfg.stale_timeout_s
        repeatable = None if stale else (mains, circuit, mains_i, circuit_i, ev_on_phase)

        by_id = {c.charger_id: c for c in cfg.chargers}
        total = [0.0, 0.0, 0.0]
        for cmd, st_ in zip(res.commands, states, strict=True):
            c = by_id[cmd.charger_id]
            # never between 0 and the minimum, never above the maximum
            assert cmd.current == 0 or c.min_current - EPS <= cmd.current <= c.max_current + EPS
            # phases only change while nothing flows
            if cmd.phases != last[c.charger_id][1]:
                assert not st_.charging
            if stale:
                assert res.stale
                allowed = cfg.safe_current if cfg.safe_current >= c.min_current else 0.0
                assert cmd.current <= allowed + EPS
            for p in _on_phases(c, cmd.phases):
                total[p] += cmd.current
            last[c.charger_id] = (cmd.current, cmd.phases)
        if stale:
            continue
        assert mains is not None
        base = [mains_i[p] - ev_on_phase[p] for p in range(3)]
        for p in range(3):
            # never above the fuse when drawn (0 if the house alone is over it)
            assert total[p] <= max(0.0, cfg.max_mains - base[p]) + EPS
            if mains_i[p] > cfg.max_mains:
                # overload: reduced by at least the excess below what was drawn
                assert total[p] <= max(0.0, ev_on_phase[p] - (mains_i[p] - cfg.max_mains)) + EPS
            if cfg.max_circuit is not None:
                cb = circuit_i[p] - ev_on_phase[p]
                assert total[p] <= max(0.0, cfg.max_circuit - cb) + EPS
        if cfg.max_sum_mains is not None:
            assert sum(total) <= max(0.0, cfg.max_sum_mains - sum(base)) + EPS


@settings(derandomize=True, deadline=None, max_examples=60)
@given(installations(), st.floats(0.0, 9.99), st.floats(10.01, 100.0))
def test_stale_within_timeout(cfg: Settings, fresh_age: float, stale_age: float) -> None:
    """Data younger than the timeout keeps control; older always means the safe current."""
    ctrl = Controller(cfg)
    states = tuple(ChargerState(charger_id=c.charger_id, connected=True) for c in cfg.chargers)
    fresh = ctrl.step(
        StepInput(
            now=100.0,
            mains=MeterReading(currents=(0, 0, 0), timestamp=100 - fresh_age),
            chargers=states,
        )
    )
    assert not fresh.stale
    old = ctrl.step(
        StepInput(
            now=101.0,
            mains=MeterReading(currents=(0, 0, 0), timestamp=101 - stale_age),
            chargers=states,
        )
    )
    assert old.stale
    for cmd in old.commands:
        assert cmd.current <= cfg.safe_current + EPS
