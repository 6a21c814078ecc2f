"""The simulator's firmware behaviour: states, modes, C2, errors, the 11 s mains timeout, 503."""

from __future__ import annotations

import aiohttp

from simulator.smartevse import SmartEvseModel, SmartEvseSimulator


def _model(**kwargs: object) -> SmartEvseModel:
    return SmartEvseModel(**kwargs)  # type: ignore[arg-type]


def test_vehicle_states_a_b_c() -> None:
    """A without a car, B once plugged, C when power is allowed; back to A when unplugged."""
    m = _model()
    m.tick()
    assert m.state == 0
    m.plug_in()
    m.tick()
    assert m.state == 1
    m.tick()
    assert m.state == 2
    assert m.ev_irms == [160, 160, 160]
    m.unplug()
    m.tick()
    assert m.state == 0
    assert m.ev_irms == [0, 0, 0]


def test_pause_goes_through_c1_to_b1_and_back() -> None:
    """Pause: Stop Charging (C1), then Charging Stopped (B1); resume: B then C."""
    m = _model()
    m.plug_in()
    m.tick()
    m.tick()
    m.set_access(2)
    assert m.state == 10
    m.tick()
    assert m.state == 9
    assert m.balanced == 0
    m.set_mode(0)
    m.tick()
    m.tick()
    assert m.state == 2


def test_mains_timeout_only_outside_normal_mode() -> None:
    """API mains data older than 11 s: Communication Error in Smart, nothing in Normal."""
    m = _model()
    m.feed_mains(10, 10, 10)
    for _ in range(30):
        m.tick()
    assert m.error_flags == 0  # Normal mode does not time out
    m.set_mode(1)  # Smart
    m.feed_mains(10, 10, 10)
    for _ in range(10):
        m.tick()
    assert m.error_flags == 0
    m.tick()
    assert m.error_flags & 2  # CT_NOCOMM after 11 s
    m.plug_in()
    m.tick()
    m.tick()
    assert m.state == 1  # no power while the error lasts
    m.feed_mains(10, 10, 10)
    m.tick()
    m.tick()
    assert m.error_flags == 0
    assert m.state == 2


def test_smart_mode_limits_to_mains_room() -> None:
    """Smart: the car gets MAINS minus the house's load on the busiest phase."""
    m = _model()
    m.set_mode(1)
    m.current_max = 32
    m.current_max_circuit = 32
    m.feed_mains(150, 100, 50)  # 15 A on L1, no EV yet: 10 A room
    m.plug_in()
    m.tick()
    m.tick()
    assert m.state == 2
    assert m.balanced == 100
    m.feed_mains(150 + 100, 100 + 100, 50 + 100)  # the meter now sees the car too
    m.tick()
    assert m.balanced == 100
    m.feed_mains(240 + 100, 200, 150)  # 24 A house on L1: 1 A room < MIN
    m.tick()
    assert m.error_flags & 1  # LESS_6A, "No Power Available"


def test_c2_always_off_charges_on_one_phase() -> None:
    """C2 is applied when charging starts."""
    m = _model()
    m.enable_c2 = 1
    m.plug_in()
    m.tick()
    m.tick()
    assert m.nr_of_phases == 1
    assert m.ev_irms == [160, 0, 0]


def test_smart_and_solar_need_a_mains_meter() -> None:
    """setMode ignores Smart/Solar without a mains meter."""
    m = _model(mains_meter="Disabled")
    assert m.set_mode(1) is False
    assert m.mode == 0


def test_temperature_error() -> None:
    """Above temp_max: Temperature High stops charging; 10 degrees lower clears it."""
    m = _model()
    m.plug_in()
    m.tick()
    m.tick()
    m.set_temperature(70)
    m.tick()
    assert m.error_flags & 4
    assert m.balanced == 0
    m.set_temperature(50)
    m.tick()
    assert m.error_flags == 0


async def test_polling_too_hard_gets_503(simulator: SmartEvseSimulator) -> None:
    """More than 4 GETs within a second: 503 "Server busy"; a second later it answers."""
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(6):
            async with session.get(f"{simulator.url}/settings") as response:
                statuses.append(response.status)
        assert statuses[:4] == [200] * 4
        assert 503 in statuses[4:]


async def test_post_settings_answers_like_the_firmware(simulator: SmartEvseSimulator) -> None:
    """Accepted values are echoed, refused ones say "Value not allowed!"."""
    async with aiohttp.ClientSession() as session:
        url = f"{simulator.url}/settings"
        async with session.post(url, params={"override_current": "83"}, data=b"") as r:
            assert await r.json() == {"override_current": 83}
        async with session.post(url, params={"override_current": "5"}, data=b"") as r:
            assert await r.json() == {"override_current": "Value not allowed!"}
        async with session.post(url, params={"mode": "2", "override_current": "83"}, data=b"") as r:
            assert await r.json() == {"mode": "2"}  # no override in Solar mode
        async with session.post(url, params={"mode": "9"}, data=b"") as r:
            assert await r.json() == {"mode": "Value not allowed!"}
        async with session.post(url, params={"stop_timer": "61"}, data=b"") as r:
            assert await r.json() == {"stop_timer": False}
    assert simulator.mode == "solar"
    assert simulator.override_current == 0
