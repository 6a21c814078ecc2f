"""Every charge mode, with exact expected currents."""

from __future__ import annotations

from custom_components.gridmate.control import (
    ChargeMode,
    ChargerState,
    ProgramAction,
    Reason,
    WeeklyProgram,
    WeekTime,
)

from .util import charger, controller, solar_mains, state, step


def test_off_never_charges() -> None:
    ctrl = controller(mode=ChargeMode.OFF)
    cmd = step(ctrl, 0, (0, 0, 0)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.MODE_OFF)


def test_disconnected_gets_zero() -> None:
    ctrl = controller(mode=ChargeMode.FAST)
    cmd = step(ctrl, 0, (0, 0, 0), state(connected=False)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.DISCONNECTED)


def test_fast_charges_at_maximum_when_room() -> None:
    ctrl = controller(mode=ChargeMode.FAST)
    cmd = step(ctrl, 0, (5, 5, 5)).commands[0]
    assert (cmd.current, cmd.phases, cmd.reason) == (16, 3, Reason.CHARGING)
    assert cmd.starts == 1


def test_smart_limited_by_main_fuse_on_the_loaded_phase() -> None:
    ctrl = controller(mode=ChargeMode.SMART)
    cmd = step(ctrl, 0, (10, 5, 5)).commands[0]
    assert (cmd.current, cmd.reason, cmd.limit_phase) == (15, Reason.LIMITED_BY_MAIN_FUSE, 1)


def test_every_mode_obeys_the_capacity_cap() -> None:
    # cap 10 kW -> 43.48 A summed; base 6 A -> 37.48 A for 3 phases -> 12.49 A -> 12 A
    for mode in (ChargeMode.SMART, ChargeMode.FAST, ChargeMode.BOOST):
        ctrl = controller(mode=mode, capacity_cap_w=10_000)
        cmd = step(ctrl, 0, (2, 2, 2)).commands[0]
        assert (cmd.current, cmd.reason) == (12, Reason.LIMITED_BY_CAPACITY_CAP)


def test_smart_raises_gradually_fast_at_once_both_cut_at_once() -> None:
    smart = controller(mode=ChargeMode.SMART)
    assert step(smart, 0, (19, 5, 5)).commands[0].current == 6
    # base L1 13 A: 12 A of room. Smart goes a quarter of the way per step, at least 1 A
    # (the resolution), rounded down: 6 -> 7 (7.5) -> 8 (8.25) -> 9 -> 10 -> 11 -> 12
    ev = 6.0
    seen = []
    for t in range(1, 7):
        ev = step(smart, t, (13 + ev, 5 + ev, 5 + ev), state(current=ev)).commands[0].current
        seen.append(ev)
    assert seen == [7, 8, 9, 10, 11, 12]
    fast = controller(mode=ChargeMode.FAST)
    assert step(fast, 0, (19, 5, 5)).commands[0].current == 6
    assert step(fast, 1, (19, 11, 11), state(current=6)).commands[0].current == 12
    # a 5 A jump on L1: smart cuts to the room at once (base 18 A -> 7 A)
    cmd = step(smart, 7, (30, 17, 17), state(current=12)).commands[0]
    assert (cmd.current, cmd.reason, cmd.limit_phase) == (7, Reason.LIMITED_BY_MAIN_FUSE, 1)


def test_solar_waits_for_start_delay_then_shares_the_surplus() -> None:
    ctrl = controller(mode=ChargeMode.SOLAR, chargers=(charger(resolution=0.1),))
    # 3 phases need 18 A of surplus (sum); 20 A is there
    first = step(ctrl, 0, solar_mains(20)).commands[0]
    assert (first.current, first.reason) == (0, Reason.START_PENDING)
    assert step(ctrl, 59, solar_mains(20)).commands[0].current == 0
    cmd = step(ctrl, 60, solar_mains(20)).commands[0]
    # 20 A over 3 phases = 6.67 A, rounded down to 0.1 A
    assert (cmd.current, cmd.reason) == (6.6, Reason.CHARGING_SOLAR)


def test_solar_below_threshold_waits_for_surplus() -> None:
    ctrl = controller(mode=ChargeMode.SOLAR, start_delay_s=0)
    cmd = step(ctrl, 0, solar_mains(17)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.WAITING_FOR_SURPLUS)


def test_solar_keeps_minimum_through_a_dip_and_stops_after_stop_time() -> None:
    ctrl = controller(
        mode=ChargeMode.SOLAR, start_delay_s=0, stop_time_s=600, min_on_s=0, min_off_s=0
    )
    assert step(ctrl, 0, solar_mains(30)).commands[0].current == 10
    # the surplus drops to 16 A: 2 A short of the 18 A minimum, import beyond allowed 0 A
    mains = solar_mains(16, ev_current=10)
    for t in (1, 300, 600):
        cmd = step(ctrl, t, mains, state(current=10)).commands[0]
        assert (cmd.current, cmd.reason) == (6, Reason.SOLAR_STOP_PENDING)
    cmd = step(ctrl, 601, solar_mains(16, ev_current=6), state(current=6)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.WAITING_FOR_SURPLUS)


def test_solar_dip_within_allowed_import_never_stops() -> None:
    ctrl = controller(
        mode=ChargeMode.SOLAR, start_delay_s=0, stop_time_s=60, allowed_import=3, min_on_s=0
    )
    assert step(ctrl, 0, solar_mains(30)).commands[0].current == 10
    for t in (1, 100, 1000):
        cmd = step(ctrl, t, solar_mains(16, ev_current=6), state(current=6)).commands[0]
        assert (cmd.current, cmd.reason) == (6, Reason.CHARGING_MINIMUM)


def test_solar_stops_early_when_recent_import_share_is_too_high() -> None:
    ctrl = controller(
        mode=ChargeMode.SOLAR, start_delay_s=0, stop_time_s=600, min_on_s=0, min_off_s=0
    )
    assert step(ctrl, 0, solar_mains(20)).commands[0].current == 6
    # almost no surplus: the session would import ~17 of 18 A
    stopped_at = None
    for t in range(1, 600):
        cmd = step(ctrl, t, solar_mains(1, ev_current=6), state(current=6)).commands[0]
        if cmd.current == 0:
            stopped_at = t
            break
    assert stopped_at is not None
    assert stopped_at < 600


def test_min_solar_charges_minimum_without_surplus_and_adds_surplus() -> None:
    ctrl = controller(mode=ChargeMode.MIN_SOLAR)
    cmd = step(ctrl, 0, (3, 3, 3)).commands[0]
    assert (cmd.current, cmd.reason) == (6, Reason.CHARGING_MINIMUM)
    cmd = step(ctrl, 1, solar_mains(30, ev_current=6), state(current=6)).commands[0]
    assert (cmd.current, cmd.reason) == (10, Reason.CHARGING_SOLAR)


def test_green_level_sets_start_threshold_and_tolerated_import() -> None:
    # 50 % of the 18 A minimum must be surplus: start at 9 A, import up to 9 A
    ctrl = controller(mode=ChargeMode.GREEN, green_min_level_pct=50, start_delay_s=0)
    assert step(ctrl, 0, solar_mains(8.9)).commands[0].reason is Reason.WAITING_FOR_SURPLUS
    cmd = step(ctrl, 1, solar_mains(9)).commands[0]
    assert (cmd.current, cmd.reason) == (6, Reason.CHARGING_MINIMUM)
    # 10 A of surplus at 6 A x 3: 8 A imported, within the 9 A tolerated, so no stop pending
    cmd = step(ctrl, 2, solar_mains(10, ev_current=6), state(current=6)).commands[0]
    assert (cmd.current, cmd.reason) == (6, Reason.CHARGING_MINIMUM)


def test_green_minimum_exported_power_is_reserved_and_forces_full_level() -> None:
    settings = {
        "mode": ChargeMode.GREEN,
        "green_min_level_pct": 0,
        "min_export_w": 1150,
        "start_delay_s": 0,
    }
    # 20 A surplus minus the 5 A reserve is 15 A, below the 18 A minimum at level 100 %
    cmd = step(controller(**settings), 0, solar_mains(20)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.WAITING_FOR_SURPLUS)
    cmd = step(controller(**settings), 0, solar_mains(26)).commands[0]
    assert cmd.current == 7  # (26 - 5) / 3 = 7


def test_green_level_zero_charges_without_surplus() -> None:
    ctrl = controller(mode=ChargeMode.GREEN, green_min_level_pct=0)
    assert step(ctrl, 0, (2, 2, 2)).commands[0].current == 6


def test_boost_charges_fast_until_energy_then_falls_back() -> None:
    ctrl = controller(
        mode=ChargeMode.BOOST, boost_energy_wh=1000, boost_fallback_mode=ChargeMode.OFF
    )

    def at(now: float, energy: float) -> ChargerState:
        return ChargerState(
            charger_id="ev",
            connected=True,
            charging=True,
            actual_currents=(16, 16, 16),
            energy_wh=energy,
        )

    res = step(ctrl, 0, (20, 20, 20), at(0, 5000))
    assert res.commands[0].current == 16
    assert res.commands[0].reason is Reason.BOOST
    assert res.boost_active
    res = step(ctrl, 1, (20, 20, 20), at(1, 5999))
    assert (res.commands[0].current, res.boost_complete) == (16, False)
    res = step(ctrl, 2, (20, 20, 20), at(2, 6000))
    assert res.boost_complete
    assert not res.boost_active
    assert (res.commands[0].current, res.commands[0].mode) == (0, ChargeMode.OFF)


def test_boost_zero_energy_runs_until_mode_changes() -> None:
    ctrl = controller(mode=ChargeMode.BOOST, boost_energy_wh=0)
    for t in range(5):
        assert step(ctrl, t, (20, 20, 20), state(current=16)).commands[0].current == 16


def _programmed():  # type: ignore[no-untyped-def]
    night = WeeklyProgram(
        days=frozenset({0, 1, 2, 3, 4}),
        start_s=22 * 3600,
        duration_s=8 * 3600,
        action=ProgramAction(mode=ChargeMode.FAST, max_current=10),
    )
    return controller(mode=ChargeMode.PROGRAMMED, programs=(night,), min_off_s=0)


def test_programmed_runs_the_active_program_across_midnight() -> None:
    ctrl = _programmed()
    cmd = step(ctrl, 0, (0, 0, 0), local_time=WeekTime(weekday=1, second_of_day=3600)).commands[0]
    assert (cmd.current, cmd.mode, cmd.reason) == (10, ChargeMode.FAST, Reason.CHARGING)
    # Friday 22:00 runs into Saturday 05:00
    cmd = step(ctrl, 1, (0, 0, 0), local_time=WeekTime(weekday=5, second_of_day=5 * 3600))
    assert cmd.commands[0].current == 10


def test_programmed_outside_programs_runs_the_default_program() -> None:
    ctrl = _programmed()
    cmd = step(ctrl, 0, (0, 0, 0), local_time=WeekTime(weekday=1, second_of_day=43200))
    assert (cmd.commands[0].current, cmd.commands[0].reason) == (0, Reason.PROGRAM_OFF)
    # Sunday night is not a program day; Saturday 06:00 is past the Friday program
    for when in (
        WeekTime(weekday=6, second_of_day=23 * 3600),
        WeekTime(weekday=5, second_of_day=6 * 3600),
    ):
        assert step(ctrl, 1, (0, 0, 0), local_time=when).commands[0].current == 0


def test_programmed_without_clock_uses_default_program() -> None:
    ctrl = controller(
        mode=ChargeMode.PROGRAMMED, default_program=ProgramAction(mode=ChargeMode.SMART)
    )
    assert step(ctrl, 0, (0, 0, 0)).commands[0].current == 16


def test_per_charger_mode_override() -> None:
    ctrl = controller(
        mode=ChargeMode.OFF,
        chargers=(charger("a", mode=ChargeMode.FAST), charger("b")),
    )
    res = step(ctrl, 0, (0, 0, 0), state("a"), state("b"))
    assert res.command("a").current == 16
    assert res.command("b").current == 0


def test_solar_stops_after_no_surplus_stop_time_without_any_surplus() -> None:
    ctrl = controller(mode=ChargeMode.SOLAR, start_delay_s=0, min_on_s=0, no_surplus_stop_s=120)
    assert step(ctrl, 0, solar_mains(20)).commands[0].current == 6
    no_sun = solar_mains(0, ev_current=6)  # the car's 18 A all come from the grid
    for t in (1, 60, 120):
        cmd = step(ctrl, t, no_sun, state(current=6)).commands[0]
        assert (cmd.current, cmd.reason) == (6, Reason.SOLAR_STOP_PENDING)
    cmd = step(ctrl, 121, no_sun, state(current=6)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.WAITING_FOR_SURPLUS)


def test_start_waits_until_recent_import_share_is_low() -> None:
    ctrl = controller(mode=ChargeMode.SOLAR, start_delay_s=0, start_window_s=300)
    for t in range(0, 600, 10):
        assert step(ctrl, t, (2, 2, 2)).commands[0].reason is Reason.WAITING_FOR_SURPLUS
    # the sun is back, but the last minutes say a session would have run on the grid
    cmd = step(ctrl, 600, solar_mains(20)).commands[0]
    assert (cmd.current, cmd.reason) == (0, Reason.START_PENDING)
    started = None
    for t in range(601, 1300):
        if step(ctrl, t, solar_mains(20)).commands[0].current > 0:
            started = t
            break
    assert started is not None
    assert 700 < started < 1300


def test_one_phase_car_on_three_phase_charger_gets_the_whole_surplus() -> None:
    ctrl = controller(mode=ChargeMode.SOLAR, start_delay_s=0)
    assert step(ctrl, 0, solar_mains(20)).commands[0].current == 6
    # the car draws on L1 only: once that has lasted 10 s, 20 A of surplus is 20 A for it,
    # not 6.67 A on three phases
    one_phase = (solar_mains(20, ev_current=6, ev_phases=1), state(current=6, phases=1))
    assert step(ctrl, 1, *one_phase).commands[0].current == 6
    assert step(ctrl, 10, *one_phase).commands[0].current == 6
    cmd = step(ctrl, 11, *one_phase)
    assert (cmd.commands[0].current, cmd.commands[0].phases) == (16, 3)
    # the fuse still reserves all three phases: L2 at 24 A leaves 1 A there
    cmd = step(
        ctrl,
        12,
        (-20 / 3 + 16, 24, -20 / 3),
        state(current=16, phases=1),
    )
    assert cmd.commands[0].current == 0
