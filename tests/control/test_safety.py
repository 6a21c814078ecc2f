"""Limits, staleness, overload, phase switching, contactor care, batteries, sharing."""

from __future__ import annotations

import pytest

from custom_components.gridmate.control import (
    BatteryReading,
    ChargeMode,
    ChargerState,
    MeterReading,
    PhaseMode,
    Reason,
    Settings,
    StepInput,
)
from custom_components.gridmate.control.limits import CapacityTracker

from .util import charger, controller, solar_mains, state, step

# ------------------------------------------------------------------ limits


def test_overload_reduces_by_at_least_the_excess_at_the_next_step() -> None:
    ctrl = controller(mode=ChargeMode.SMART)
    assert step(ctrl, 0, (5, 5, 5)).commands[0].current == 16
    # a 14 A load jump on L1 while the car draws 16 A: L1 at 35 A, 10 A over the fuse
    cmd = step(ctrl, 1, (35, 21, 21), state(current=16)).commands[0]
    assert cmd.current == 6
    assert (cmd.reason, cmd.limit_phase) == (Reason.LIMITED_BY_MAIN_FUSE, 1)


def test_overload_beyond_minimum_stops_at_once_despite_min_on_time() -> None:
    ctrl = controller(mode=ChargeMode.SMART, min_on_s=3600)
    step(ctrl, 0, (5, 5, 5))
    cmd = step(ctrl, 1, (36, 21, 21), state(current=16)).commands[0]
    assert (cmd.current, cmd.reason, cmd.limit_phase) == (0, Reason.LIMITED_BY_MAIN_FUSE, 1)


def test_steps_between_mains_readings_keep_the_base_load_of_that_reading() -> None:
    ctrl = controller(mode=ChargeMode.SMART)
    reading = MeterReading(currents=(20, 20, 20), timestamp=0)

    def at(now: float, ev: float) -> float:
        res = ctrl.step(StepInput(now=now, mains=reading, chargers=(state(current=ev),)))
        return res.commands[0].current

    assert at(0, 6) == 11  # base 14 A, fuse 25 A
    # a watchdog tick: the car already draws 11 A, the mains reading still shows 6 A of it;
    # 20 - 11 would suggest 16 A of room and overload the fuse by 5 A
    assert at(1, 11) == 11


def test_never_between_zero_and_minimum() -> None:
    ctrl = controller(mode=ChargeMode.SMART)
    cmd = step(ctrl, 0, (20, 5, 5)).commands[0]  # 5 A of room on L1 < 6 A minimum
    assert (cmd.current, cmd.reason, cmd.limit_phase) == (0, Reason.LIMITED_BY_MAIN_FUSE, 1)


def test_circuit_limit_with_its_own_meter() -> None:
    ctrl = controller(mode=ChargeMode.SMART, max_circuit=16)
    cmd = ctrl.step(
        StepInput(
            now=0,
            mains=MeterReading(currents=(8, 0, 0), timestamp=0),
            circuit=MeterReading(currents=(8, 0, 0), timestamp=0),
            chargers=(state(),),
        )
    ).commands[0]
    assert (cmd.current, cmd.reason, cmd.limit_phase) == (8, Reason.LIMITED_BY_CIRCUIT, 1)


def test_circuit_limit_without_meter_bounds_the_chargers_together() -> None:
    ctrl = controller(mode=ChargeMode.SMART, max_circuit=20, chargers=(charger("a"), charger("b")))
    res = step(ctrl, 0, (0, 0, 0), state("a"), state("b"))
    assert [c.current for c in res.commands] == [10, 10]
    assert res.command("a").reason is Reason.LIMITED_BY_CIRCUIT


def test_sum_limit() -> None:
    ctrl = controller(mode=ChargeMode.SMART, max_sum_mains=40)
    cmd = step(ctrl, 0, (5, 5, 5)).commands[0]  # 25 A left for 3 phases: 8.33 A
    assert (cmd.current, cmd.reason) == (8, Reason.LIMITED_BY_SUM_LIMIT)
    ctrl = controller(mode=ChargeMode.SMART, max_sum_mains=40)
    cmd = step(ctrl, 0, (10, 10, 10)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.LIMITED_BY_SUM_LIMIT)


def test_charger_maximum_and_program_limit() -> None:
    ctrl = controller(mode=ChargeMode.FAST, chargers=(charger(max_current=13),))
    assert step(ctrl, 0, (0, 0, 0)).commands[0].current == 13


def test_resolution_rounds_down() -> None:
    ctrl = controller(mode=ChargeMode.SMART, chargers=(charger(resolution=0.1),))
    assert step(ctrl, 0, (12.35, 0, 0)).commands[0].current == 12.6


def test_single_phase_charger_only_counts_its_phase() -> None:
    ctrl = controller(mode=ChargeMode.SMART, chargers=(charger(phases=1, first_phase=1),))
    cmd = step(ctrl, 0, (24, 12, 24)).commands[0]
    assert (cmd.current, cmd.phases, cmd.reason, cmd.limit_phase) == (
        13,
        1,
        Reason.LIMITED_BY_MAIN_FUSE,
        2,
    )


def test_capacity_tracker_allows_cap_then_less_after_an_overrun() -> None:
    tracker = CapacityTracker()
    assert tracker.allowed_power_w(0, 2500) == 2500
    # 450 s at 23 A (5290 W) in a quarter capped at 2500 W
    for t in range(451):
        tracker.add_reading(MeterReading(currents=(23, 0, 0), timestamp=t), 230, 10)
    remaining = (2500 * 900 - 5290 * 450) / 450
    assert tracker.allowed_power_w(450, 2500) == pytest.approx(max(0.0, remaining))
    assert tracker.allowed_power_w(900, 2500) == 2500  # next quarter


# -------------------------------------------------------------- staleness


def test_stale_mains_goes_to_safe_current_and_recovers() -> None:
    ctrl = controller(mode=ChargeMode.SMART, min_off_s=0)
    assert step(ctrl, 0, (0, 0, 0)).commands[0].current == 16
    assert step(ctrl, 10, (0, 0, 0), state(current=16), mains_age=10).commands[0].current == 16
    res = step(ctrl, 11, (0, 0, 0), state(current=16), mains_age=10.5)
    assert res.stale
    assert (res.commands[0].current, res.commands[0].reason) == (0, Reason.STALE_METER_DATA)
    assert step(ctrl, 12, (0, 0, 0)).commands[0].current == 16


def test_missing_mains_is_stale() -> None:
    ctrl = controller(mode=ChargeMode.FAST)
    res = ctrl.step(StepInput(now=0, mains=None, chargers=(state(),)))
    assert (res.stale, res.commands[0].current) == (True, 0)


def test_stale_with_safe_current_caps_running_chargers() -> None:
    ctrl = controller(mode=ChargeMode.SMART, safe_current=8)
    step(ctrl, 0, (0, 0, 0))
    cmd = step(ctrl, 20, (0, 0, 0), state(current=16), mains_age=15).commands[0]
    assert (cmd.current, cmd.reason) == (8, Reason.STALE_METER_DATA)


def test_stale_circuit_meter_is_stale_too() -> None:
    ctrl = controller(mode=ChargeMode.SMART, max_circuit=20, stale_timeout_s=5)
    res = ctrl.step(
        StepInput(
            now=10,
            mains=MeterReading(currents=(0, 0, 0), timestamp=10),
            circuit=MeterReading(currents=(0, 0, 0), timestamp=4),
            chargers=(state(),),
        )
    )
    assert (res.stale, res.commands[0].current) == (True, 0)


# -------------------------------------------------------- phase switching


def _c2(**kw: object):  # type: ignore[no-untyped-def]
    settings: dict[str, object] = {
        "mode": ChargeMode.SOLAR,
        "start_delay_s": 0,
        "min_on_s": 0,
        "stop_time_s": 600,
    }
    settings.update(kw)
    return controller(chargers=(charger(can_switch_phases=True),), **settings)


def test_solar_starts_on_one_phase_for_small_surplus_and_three_for_large() -> None:
    cmd = step(_c2(), 0, solar_mains(9)).commands[0]
    assert (cmd.current, cmd.phases) == (9, 1)
    cmd = step(_c2(), 0, solar_mains(30)).commands[0]
    assert (cmd.current, cmd.phases) == (10, 3)


def test_switch_down_waits_for_current_to_stop_then_pauses() -> None:
    ctrl = _c2(phase_down_delay_s=10, phase_switch_pause_s=5)
    assert step(ctrl, 0, solar_mains(30)).commands[0].phases == 3
    dip = solar_mains(9, ev_current=6)
    for t in (1, 10):
        cmd = step(ctrl, t, dip, state(current=6)).commands[0]
        assert (cmd.current, cmd.phases) == (6, 3)
    cmd = step(ctrl, 11, dip, state(current=6)).commands[0]
    assert (cmd.current, cmd.phases, cmd.reason) == (0, 3, Reason.SWITCHING_PHASES)
    # still drawing: no switch while current flows
    cmd = step(ctrl, 12, dip, state(current=6)).commands[0]
    assert (cmd.current, cmd.phases) == (0, 3)
    cmd = step(ctrl, 13, solar_mains(9), state(current=0)).commands[0]
    assert (cmd.current, cmd.phases, cmd.reason) == (0, 1, Reason.SWITCHING_PHASES)
    assert step(ctrl, 17, solar_mains(9), state(current=0)).commands[0].current == 0
    cmd = step(ctrl, 18, solar_mains(9), state(current=0)).commands[0]
    assert (cmd.current, cmd.phases, cmd.starts) == (9, 1, 1)
    assert ctrl.phase_switches("ev") == 1  # started on the wired 3 phases, then 3p -> 1p


def test_switch_up_after_delay_and_anti_flap_interval() -> None:
    ctrl = _c2(phase_up_delay_s=30, phase_switch_interval_s=90, phase_switch_pause_s=0)
    assert step(ctrl, 0, solar_mains(9)).commands[0].phases == 1
    ctrl_switches = ctrl.phase_switches("ev")
    sunny = solar_mains(30, ev_current=16, ev_phases=1)
    # surplus for three phases from t=1; the delay (30 s) ends at 31 but the last switch was
    # at t=0, so the 90 s interval holds it until t=90
    for t in (1, 31, 89):
        cmd = step(ctrl, t, sunny, state(current=16, phases=1)).commands[0]
        assert (cmd.current, cmd.phases) == (16, 1)
    cmd = step(ctrl, 90, sunny, state(current=16, phases=1)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.SWITCHING_PHASES)
    cmd = step(ctrl, 91, solar_mains(30), state(current=0, phases=1)).commands[0]
    assert cmd.phases == 3
    assert ctrl.phase_switches("ev") == ctrl_switches + 1


def test_forced_single_phase_mode() -> None:
    ctrl = controller(
        mode=ChargeMode.FAST,
        chargers=(charger(can_switch_phases=True, phase_mode=PhaseMode.SINGLE),),
    )
    cmd = step(ctrl, 0, (0, 0, 0)).commands[0]
    assert (cmd.current, cmd.phases) == (16, 1)


def test_fast_switches_a_running_single_phase_session_to_three_phases() -> None:
    ctrl = _c2()
    assert step(ctrl, 0, solar_mains(9)).commands[0].phases == 1
    ctrl.update_settings(
        Settings(mode=ChargeMode.FAST, chargers=(charger(can_switch_phases=True),))
    )
    cmd = step(ctrl, 1, (0, 0, 0), state(current=9, phases=1)).commands[0]
    assert (cmd.current, cmd.phases, cmd.reason) == (0, 1, Reason.SWITCHING_PHASES)
    cmd = step(ctrl, 2, (0, 0, 0), state(current=0, phases=1)).commands[0]
    assert (cmd.current, cmd.phases) == (0, 3)


# ---------------------------------------------------------- contactor care


def test_min_off_time_and_start_count() -> None:
    ctrl = controller(mode=ChargeMode.SMART, min_off_s=60)
    assert step(ctrl, 0, (0, 0, 0)).commands[0].starts == 1
    assert step(ctrl, 1, (36, 16, 16), state(current=16)).commands[0].current == 0
    cmd = step(ctrl, 30, (0, 0, 0)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.WAITING_MIN_OFF_TIME)
    cmd = step(ctrl, 61, (0, 0, 0)).commands[0]
    assert (cmd.current, cmd.starts) == (16, 2)
    assert ctrl.starts("ev") == 2


def test_min_on_time_delays_a_solar_stop() -> None:
    ctrl = controller(mode=ChargeMode.SOLAR, start_delay_s=0, stop_time_s=0, min_on_s=60)
    assert step(ctrl, 0, solar_mains(20)).commands[0].current == 6
    dip = solar_mains(5, ev_current=6)
    cmd = step(ctrl, 30, dip, state(current=6)).commands[0]
    assert (cmd.current, cmd.reason) == (6, Reason.SOLAR_STOP_PENDING)
    assert step(ctrl, 60, dip, state(current=6)).commands[0].current == 0


# ----------------------------------------------------------------- battery


def _battery_step(current: float, soc: float, **kw: object) -> ChargerState:
    ctrl = controller(
        mode=ChargeMode.SOLAR,
        start_delay_s=0,
        chargers=(charger(phases=1),),
        **kw,
    )
    res = ctrl.step(
        StepInput(
            now=0,
            mains=MeterReading(currents=(0, 0, 0), timestamp=0),
            battery=BatteryReading(current=current, soc_pct=soc),
            chargers=(state(phases=1),),
        )
    )
    return res.commands[0]  # type: ignore[return-value]


def test_discharging_battery_never_funds_solar() -> None:
    cmd = _battery_step(-10, 90)
    assert (cmd.current, cmd.reason) == (0, Reason.WAITING_FOR_SURPLUS)


def test_battery_first_below_soc_then_ev_takes_the_charge_power() -> None:
    cmd = _battery_step(10, 50, battery_first_soc_pct=80)
    assert (cmd.current, cmd.reason) == (0, Reason.BATTERY_FIRST)
    cmd = _battery_step(10, 90, battery_first_soc_pct=80)
    assert (cmd.current, cmd.reason) == (10, Reason.CHARGING_SOLAR)


# ----------------------------------------------------------------- sharing


def test_two_chargers_share_fairly() -> None:
    ctrl = controller(mode=ChargeMode.SMART, chargers=(charger("a"), charger("b")))
    res = step(ctrl, 0, (5, 5, 5), state("a"), state("b"))
    assert [c.current for c in res.commands] == [10, 10]


def test_priority_first_then_the_rest() -> None:
    ctrl = controller(mode=ChargeMode.SMART, chargers=(charger("a"), charger("b", priority=1)))
    res = step(ctrl, 0, (5, 5, 5), state("a"), state("b"))
    assert (res.command("a").current, res.command("b").current) == (6, 14)


def test_charger_that_cannot_get_minimum_pauses_and_stays_paused() -> None:
    chargers = (charger("a"), charger("b"), charger("c"))
    ctrl = controller(mode=ChargeMode.SMART, chargers=chargers)
    res = step(ctrl, 0, (15, 15, 15), state("a"), state("b"), state("c"))
    assert [c.current for c in res.commands] == [10, 0, 0]
    assert res.command("b").reason is Reason.PAUSED_FOR_OTHER_CHARGER
    # next step: a draws 10 A; nothing changes, nobody ping-pongs
    res = step(ctrl, 1, (25, 25, 25), state("a", current=10), state("b"), state("c"))
    assert [c.current for c in res.commands] == [10, 0, 0]


def test_running_charger_keeps_its_place_when_another_connects() -> None:
    chargers = (charger("a"), charger("b"))
    ctrl = controller(mode=ChargeMode.SMART, chargers=chargers)
    res = step(ctrl, 0, (15, 15, 15), state("a", connected=False), state("b"))
    assert res.command("b").current == 10
    # room for one minimum only: b (running) keeps it although a comes first in the config
    res = step(ctrl, 1, (25, 25, 25), state("a"), state("b", current=10))
    assert (res.command("a").current, res.command("b").current) == (0, 10)
    assert res.command("a").reason is Reason.PAUSED_FOR_OTHER_CHARGER


def test_eight_chargers_at_most_and_unique_ids() -> None:
    with pytest.raises(ValueError, match="at most 8"):
        Settings(chargers=tuple(charger(str(i)) for i in range(9)))
    with pytest.raises(ValueError, match="unique"):
        Settings(chargers=(charger("a"), charger("a")))


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"min_current": 10, "max_current": 8}, "min_current"),
        ({"phases": 2}, "phases"),
        ({"phases": 1, "can_switch_phases": True}, "three-phase"),
        ({"resolution": 0}, "resolution"),
    ],
)
def test_invalid_charger_config_is_rejected(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        charger(**kw)


def test_two_solar_chargers_share_the_surplus() -> None:
    chargers = (charger("a", phases=1, first_phase=0), charger("b", phases=1, first_phase=1))
    ctrl = controller(mode=ChargeMode.SOLAR, start_delay_s=0, chargers=chargers)
    res = step(ctrl, 0, solar_mains(30), state("a", phases=1), state("b", phases=1))
    # 30 A of surplus: both minimums (12 A), the remaining 18 A split evenly
    assert [c.current for c in res.commands] == [15, 15]
    assert {c.reason for c in res.commands} == {Reason.CHARGING_SOLAR}


def test_update_settings_keeps_start_count_and_timers() -> None:
    ctrl = controller(mode=ChargeMode.SMART)
    step(ctrl, 0, (0, 0, 0))
    ctrl.update_settings(Settings(mode=ChargeMode.FAST, max_mains=32, chargers=(charger(),)))
    cmd = step(ctrl, 1, (0, 0, 0), state(current=16)).commands[0]
    assert (cmd.current, cmd.starts, cmd.mode) == (16, 1, ChargeMode.FAST)
