"""The HA-free driver against the simulator on real sockets: polling, commands, the contract."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import time

import aiohttp
import pytest

from custom_components.gridmate.devices.chargers.contract import (
    Charger,
    ChargerNotSupportedError,
    ChargerUnreachableError,
)
from custom_components.gridmate.devices.chargers.smartevse import (
    C2Mode,
    Mode,
    SmartEvse,
    SmartEvseBusyError,
    SmartEvseRejectedError,
    SmartEvseResponseError,
)
from simulator.smartevse import Fault, SmartEvseSimulator, Variant


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session (the driver is not Home Assistant's)."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def driver(simulator: SmartEvseSimulator, session: aiohttp.ClientSession) -> SmartEvse:
    """A driver that has polled once."""
    evse = SmartEvse(session, f"127.0.0.1:{simulator.port}", busy_delay=0.05)
    await evse.refresh()
    return evse


def test_driver_is_a_charger() -> None:
    """The driver satisfies the contract the controller uses."""
    evse: Charger = SmartEvse.__new__(SmartEvse)
    assert isinstance(evse, SmartEvse)


@pytest.mark.parametrize("variant", list(Variant))
async def test_every_variant_decodes_the_same(
    socket_enabled: None, session: aiohttp.ClientSession, variant: Variant
) -> None:
    """Upstream, the fork and legacy firmware give the same state (to their resolution)."""
    sim = SmartEvseSimulator(variant)
    await sim.start()
    try:
        sim.plug_in()
        sim.advance(3)
        sim.advance(3600)
        state = await SmartEvse(session, f"127.0.0.1:{sim.port}").refresh()
    finally:
        await sim.stop()
    served = sim.snapshot()
    assert state.mode is Mode.NORMAL
    assert state.state_id == 2
    assert state.charge_current == served["charge_current"] == 16
    assert state.ev_currents == served["ev_currents"]
    tolerance = 50 if variant is Variant.LEGACY else 0.5  # kWh/kW with one decimal
    assert state.ev_power == pytest.approx(served["ev_power"], abs=tolerance)
    assert state.ev_total_energy == pytest.approx(served["ev_total_energy"], abs=tolerance)
    assert state.ev_session_energy == pytest.approx(served["ev_session_energy"], abs=tolerance)
    assert state.phases == (None if variant is Variant.LEGACY else 3)


async def test_busy_is_retried_then_reported(
    simulator: SmartEvseSimulator, session: aiohttp.ClientSession
) -> None:
    """503 when polled too hard: retried after a pause; hammering gets SmartEvseBusyError."""
    evse = SmartEvse(session, f"127.0.0.1:{simulator.port}", busy_retries=0)
    for _ in range(4):
        await evse.refresh()
    with pytest.raises(SmartEvseBusyError):
        await evse.refresh()
    assert simulator.http.busy_answers >= 1
    assert evse.available  # busy is not gone: the last state stays
    patient = SmartEvse(session, f"127.0.0.1:{simulator.port}", busy_retries=3, busy_delay=0.4)
    start = time.monotonic()
    await patient.refresh()  # waits out the busy second
    assert time.monotonic() - start >= 0.3


@pytest.mark.parametrize(
    "fault", [Fault.TRUNCATED, Fault.NOT_JSON, Fault.NAN, Fault.EMPTY_OBJECT, Fault.HTTP_500]
)
async def test_malformed_answers(
    simulator: SmartEvseSimulator, driver: SmartEvse, fault: Fault
) -> None:
    """A broken answer is a typed error, status turns None, the next good answer recovers."""
    simulator.fault = fault
    with pytest.raises(SmartEvseResponseError):
        await driver.refresh()
    assert driver.status is None
    simulator.fault = None
    await driver.refresh()
    assert driver.status is not None


async def test_unreachable(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """Connection refused: ChargerUnreachableError and no status; listeners still hear it."""
    calls: list[bool] = []
    driver.add_listener(lambda: calls.append(driver.available))
    await simulator.http_offline()
    with pytest.raises(ChargerUnreachableError):
        await driver.refresh()
    with pytest.raises(ChargerUnreachableError):
        await driver.set_mode(Mode.PAUSE)
    assert driver.status is None
    assert calls == [False]
    await simulator.http_online()
    await driver.refresh()
    assert calls == [False, True]


async def test_status_and_capabilities(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """The contract's view: connected/charging/paused, EV currents, MIN/MAX, C2."""
    caps = driver.capabilities
    assert (caps.min_current, caps.max_current, caps.current_step) == (6, 16, 0.1)
    assert caps.phases == 3
    assert caps.can_switch_phases is True
    assert caps.remote_current_limit is True
    simulator.plug_in(max_current=10, phases=1)
    simulator.advance(3)
    await driver.refresh()
    status = driver.status
    assert status is not None
    assert status.connected is True
    assert status.charging is True
    assert status.paused is False
    assert status.currents == (10.0, 0.0, 0.0)  # a 1-phase car taking 10 A of 16 offered
    assert status.current_limit == 16
    assert status.power_w == 2300
    assert status.error_code is None
    assert status.measured_at is not None
    simulator.model.enable_c2 = 0
    await driver.refresh()
    assert driver.capabilities.can_switch_phases is False


async def test_set_current_limit_never_exceeds_max(
    simulator: SmartEvseSimulator, driver: SmartEvse
) -> None:
    """Rounded down to 0.1 A, capped at MAX; unchanged limits are not re-sent."""
    simulator.plug_in()
    simulator.advance(3)
    await driver.set_current_limit(9.87)
    assert simulator.override_current == 9.8
    await driver.refresh()
    posts = len(simulator.http.requests)
    await driver.set_current_limit(9.85)  # still 9.8 A: nothing to send
    assert len(simulator.http.requests) == posts
    await driver.set_current_limit(99)
    assert simulator.override_current == 16


async def test_a_cut_right_after_a_raise_is_sent(
    simulator: SmartEvseSimulator, driver: SmartEvse
) -> None:
    """Commands compare with what was last sent, not with the last poll (safety).

    The poll says 10 A; we raise to 16 A and cut back to 10 A before the next poll. The cut
    must reach the charger, and so must a stop right after a resume.
    """
    simulator.plug_in()
    simulator.advance(3)
    await driver.set_current_limit(10)
    await driver.refresh()
    await driver.set_current_limit(16)
    assert simulator.override_current == 16
    await driver.set_current_limit(10)  # no poll in between
    assert simulator.override_current == 10
    await driver.stop()
    await driver.refresh()
    await driver.start()
    assert simulator.mode != "pause"
    await driver.stop()  # no poll in between
    assert simulator.mode == "pause"


async def test_limit_below_min_pauses_and_a_limit_resumes(
    simulator: SmartEvseSimulator, driver: SmartEvse
) -> None:
    """Below MIN pauses (Pause mode); the next real limit resumes the regime it had."""
    await driver.set_mode(Mode.SMART)
    simulator.model.feed_mains(10, 10, 10)
    simulator.plug_in()
    simulator.advance(3)
    await driver.refresh()
    await driver.set_current_limit(4)
    assert simulator.mode == "pause"
    simulator.advance(3)
    await driver.refresh()
    status = driver.status
    assert status is not None
    assert status.paused is True
    assert status.charging is False
    simulator.model.feed_mains(10, 10, 10)
    await driver.set_current_limit(7)
    assert simulator.mode == "smart"
    assert simulator.override_current == 7
    simulator.advance(3)
    await driver.refresh()
    assert driver.status is not None
    assert driver.status.charging is True
    assert driver.status.current_limit == 7


async def test_stop_is_not_undone_by_a_limit(
    simulator: SmartEvseSimulator, driver: SmartEvse
) -> None:
    """A pause by stop() stays until start(); start() returns to the previous regime."""
    await driver.stop()
    await driver.refresh()
    await driver.set_current_limit(10)
    assert simulator.mode == "pause"
    await driver.start()
    assert simulator.mode == "normal"


async def test_override_refused_in_solar(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """The firmware ignores an override in Solar mode: the driver refuses it up front."""
    await driver.set_mode(Mode.SOLAR)
    await driver.refresh()
    assert driver.capabilities.remote_current_limit is False
    with pytest.raises(SmartEvseRejectedError) as err:
        await driver.set_current_limit(10)
    assert err.value.reason == "override_mode"


async def test_firmware_refusal_is_typed(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """Whatever slips past the driver's checks, the firmware's "Value not allowed!" is typed."""
    simulator.model.current_max = 10  # changed on the charger after the last poll
    with pytest.raises(SmartEvseRejectedError) as err:
        await driver.set_override_current(12)
    assert err.value.reason == "refused"
    with pytest.raises(SmartEvseRejectedError) as err:
        await driver.set_solar_stop_time(61)
    assert err.value.reason == "out_of_range"


async def test_set_phases(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """1 phase = C2 Always Off; while charging, Off -> C2 -> back (the firmware's advice)."""
    simulator.plug_in()
    simulator.advance(3)
    await driver.refresh()
    await driver.set_phases(1)
    assert simulator.c2 == "Always Off"
    assert simulator.mode == "normal"
    modes = [p.get("mode") for m, path, p in simulator.http.requests if m == "POST"]
    assert modes[-3:] == ["0", None, "1"]
    simulator.advance(5)
    await driver.refresh()
    assert driver.status is not None
    assert driver.status.phases_in_use == 1
    assert driver.status.currents == (16.0, 0.0, 0.0)
    await driver.set_phases(3)
    assert simulator.c2 == "Always On"
    await driver.set_c2(C2Mode.NOT_PRESENT)
    await driver.refresh()
    with pytest.raises(ChargerNotSupportedError):
        await driver.set_phases(1)


async def test_push_mains_currents(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """Signed A become dA on POST /currents; a non-API mains meter is reported."""
    await driver.push_mains_currents((12.34, -5.0, 0.05))
    assert simulator.http.mains_posts[-1] == {"L1": "123", "L2": "-50", "L3": "0"}
    assert simulator.mains_currents == (12.3, -5.0, 0.0)
    with pytest.raises(SmartEvseRejectedError) as err:
        await driver.push_mains_currents((250.0, 0.0, 0.0))
    assert err.value.reason == "out_of_range"
    simulator.model.mains_meter = "Sensorbox"
    with pytest.raises(SmartEvseRejectedError) as err:
        await driver.push_mains_currents((1.0, 1.0, 1.0))
    assert err.value.reason == "mains_meter_not_api"


async def test_a_charger_switched_off_stays_off(
    simulator: SmartEvseSimulator, driver: SmartEvse
) -> None:
    """The user's Off is not turned into Pause by a zero limit, nor resumed by the next one."""
    await driver.set_mode(Mode.OFF)
    await driver.refresh()
    await driver.set_current_limit(0)
    await driver.stop()
    assert simulator.mode == "off"
    await driver.set_current_limit(10)
    assert simulator.mode == "off"
    assert simulator.override_current == 10  # in force once the user switches it on


async def test_resume_resends_the_limit(simulator: SmartEvseSimulator, driver: SmartEvse) -> None:
    """After a pause by limit, the same limit is sent again with the resume."""
    await driver.set_current_limit(8)
    await driver.refresh()
    await driver.set_current_limit(0)
    await driver.refresh()
    simulator.model.set_override(0)  # as upstream's MQTT Set/Mode "Smart" does
    await driver.set_current_limit(8)
    assert simulator.mode == "normal"
    assert simulator.override_current == 8
