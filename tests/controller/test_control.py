"""The controller in Home Assistant: event-driven steps, commands, failsafe and repairs.

The meter is three sensors written the way a meter integration writes them (every update,
changed or not); the charger is another integration's limit number, enable switch, plug
sensor and current sensors (helper entities). `Site` closes the loop: the car draws what the
charger allows, and the meter sees house + car - solar.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.controller.runtime import ControllerRuntime

from .conftest import (
    ENABLE,
    LIMIT,
    PLUGGED,
    controller_data,
    controller_options,
    entity_charger,
    set_ev,
    set_mains,
    setup_helpers,
)


@dataclass
class Site:
    """House load and solar per phase (A); the car draws what the charger allows."""

    hass: HomeAssistant
    house: tuple[float, float, float] = (5.0, 5.0, 5.0)
    solar: float = 0.0  # A per phase
    car_max: float = 16.0

    def ev(self) -> float:
        states = self.hass.states
        if states.get(ENABLE).state != "on" or states.get(PLUGGED).state != "on":
            return 0.0
        limit = float(states.get(LIMIT).state)
        return min(limit, self.car_max) if limit >= 6 else 0.0

    async def report(self, times: int = 1) -> None:
        """One meter update (or several): EV sensors first, then the grid."""
        for _ in range(times):
            ev = self.ev()
            set_ev(self.hass, ev)
            set_mains(self.hass, *(h + ev - self.solar for h in self.house))
            await self.hass.async_block_till_done(wait_background_tasks=True)


ENTRY_ID = "ctl_entry_1"


def stored_controls(hass_storage: dict[str, Any], **controls: Any) -> None:
    """What the controller's store holds when Home Assistant starts."""
    hass_storage[f"{DOMAIN}.controller.{ENTRY_ID}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.controller.{ENTRY_ID}",
        "data": controls,
    }


async def _setup(
    hass: HomeAssistant,
    *,
    mode: str | None = None,
    limit_min: float = 0,
    solar: float = 0.0,
    **options: float,
) -> tuple[MockConfigEntry, ControllerRuntime, Site]:
    await setup_helpers(hass, limit_min=limit_min)
    site = Site(hass, solar=solar)
    await site.report()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        entry_id=ENTRY_ID,
        data=controller_data(),
        options=controller_options(**options),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    if mode is not None:
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": "select.home_charge_mode", "option": mode},
            blocking=True,
        )
        await hass.async_block_till_done(wait_background_tasks=True)
    return entry, entry.runtime_data, site


def _limit(hass: HomeAssistant) -> float:
    """What the charger is allowed now (0 while its switch is off)."""
    if hass.states.get(ENABLE).state != "on":
        return 0.0
    return float(hass.states.get(LIMIT).state)


async def test_fast_mode_charges_at_full_current(hass: HomeAssistant) -> None:
    """Room on every phase: the charger gets its maximum, and the switch goes on."""
    _, runtime, site = await _setup(hass, mode="fast")
    await site.report()
    assert _limit(hass) == 16.0
    assert hass.states.get("sensor.home_wallbox_target_current").state == "16.0"
    assert hass.states.get("sensor.home_wallbox_state").state == "charging"
    assert hass.states.get("sensor.home_status").state == "active"
    assert hass.states.get("sensor.home_available_current_l1").state == "20.0"
    assert runtime.links["wallbox"].gate.commands_sent == 1


async def test_overload_is_cut_on_the_next_reading(hass: HomeAssistant) -> None:
    """Smart mode: a load jump on L2 lowers the charger at the very next meter update."""
    _, _, site = await _setup(hass, mode="smart")
    await site.report(3)
    assert _limit(hass) == 16.0
    site.house = (5.0, 15.0, 5.0)  # kettle + oven on L2: 15 + 16 = 31 A on a 25 A fuse
    await site.report()
    assert _limit(hass) == 10.0
    assert hass.states.get("sensor.home_wallbox_state").state == "limited_by_main_fuse"
    await site.report()
    assert _limit(hass) == 10.0  # and stays there: 15 + 10 = 25 A


async def test_overload_beyond_the_minimum_pauses(hass: HomeAssistant) -> None:
    """Less than 6 A of room: pause (switch off), never a current below the minimum."""
    _, _, site = await _setup(hass, mode="fast")
    await site.report()
    site.house = (5.0, 21.0, 5.0)
    await site.report()
    assert hass.states.get(ENABLE).state == "off"
    assert _limit(hass) == 0.0


async def test_smart_raises_gradually_fast_at_once(hass: HomeAssistant) -> None:
    """After a cut, smart climbs back a quarter of the room per step, within the raise gate."""
    _, runtime, site = await _setup(hass, mode="smart", raise_interval=1)
    await site.report()
    site.house = (5.0, 17.0, 5.0)
    await site.report()
    assert _limit(hass) == 8.0
    site.house = (5.0, 5.0, 5.0)
    seen = []
    for _ in range(8):
        await asyncio.sleep(1.05)  # the raise gate is on the real clock
        await site.report()
        seen.append(_limit(hass))
    assert seen == sorted(seen)
    assert seen[0] < 16.0
    assert seen[-1] == 16.0
    assert runtime.links["wallbox"].gate.commands_sent <= 2 + len(seen)


async def test_solar_waits_for_enough_surplus(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Solar mode with less export than a three-phase minimum: the car waits."""
    stored_controls(hass_storage, mode="solar")
    # 10 A per phase from the panels, 5 A of house: 15 A exported = 5 A per phase < 6 A
    await _setup(hass, solar=10.0, start_delay=0, min_switch_time=0)
    assert _limit(hass) == 0.0
    assert hass.states.get("select.home_charge_mode").state == "solar"
    assert hass.states.get("sensor.home_wallbox_state").state == "waiting_for_surplus"
    assert float(hass.states.get("sensor.home_surplus_power").state) == pytest.approx(3450, abs=1)


async def test_solar_follows_the_surplus(hass: HomeAssistant, hass_storage: dict[str, Any]) -> None:
    """Solar mode: the charger takes the export (sum over phases), and follows it down and up."""
    stored_controls(hass_storage, mode="solar")
    # 14 A per phase from the panels, 5 A of house: 27 A exported = 9 A per phase
    _, runtime, site = await _setup(
        hass, solar=14.0, start_delay=0, min_switch_time=0, raise_interval=1
    )
    await site.report(2)
    assert _limit(hass) == 9.0
    assert hass.states.get("sensor.home_wallbox_state").state == "charging_solar"
    site.solar = 12.0  # a cloud: 7 A per phase left; the charger follows down at once
    await site.report()
    assert _limit(hass) == 7.0
    await site.report()  # the car follows: no import any more
    await asyncio.sleep(1.05)  # the raise gate is on the real clock
    site.solar = 15.0
    await site.report(2)
    assert _limit(hass) == 10.0
    # nearly all of it came from the sun: the grid imported only in the instant between
    # the cloud and the car following it down
    assert runtime.links["wallbox"].session.energy_wh > 0
    assert float(hass.states.get("sensor.home_wallbox_session_solar_share").state) >= 99


async def test_steady_meter_keeps_control_and_silence_is_failsafe(hass: HomeAssistant) -> None:
    """Same-value reports keep the data fresh; silence means the safe current, then recovery."""
    entry, runtime, site = await _setup(hass, mode="fast", stale_timeout=2, min_switch_time=0)
    await site.report()
    assert _limit(hass) == 16.0
    steps = runtime.steps
    start = time.monotonic()
    while time.monotonic() - start < 3:  # unchanged values, every 0.5 s, for longer than 2 s
        await site.report()
        last_report = time.monotonic()
        await asyncio.sleep(0.5)
    assert runtime.steps > steps + 5
    assert hass.states.get("sensor.home_status").state == "active"
    assert _limit(hass) == 16.0

    # the meter goes quiet: within the timeout (+ the margin) the charger is paused
    while _limit(hass) != 0.0 and time.monotonic() - last_report < 5:
        await asyncio.sleep(0.05)
        await hass.async_block_till_done(wait_background_tasks=True)
    waited = time.monotonic() - last_report
    assert _limit(hass) == 0.0
    assert 2.0 <= waited < 2.5
    assert hass.states.get("sensor.home_status").state == "failsafe"
    assert hass.states.get("sensor.home_wallbox_state").state == "stale_meter_data"
    registry = ir.async_get(hass)
    issue = registry.async_get_issue(DOMAIN, f"mains_stale_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "mains_stale"
    assert issue.translation_placeholders == {
        "controller": "Home",
        "source": "sensor.grid_l1, sensor.grid_l2, sensor.grid_l3",
        "timeout": "2",
        "safe_current": "0",
    }

    # data comes back: control resumes and the issue goes away by itself
    await site.report()
    assert hass.states.get("sensor.home_status").state == "active"
    assert registry.async_get_issue(DOMAIN, f"mains_stale_{entry.entry_id}") is None
    assert _limit(hass) == 16.0


async def test_safe_current_caps_a_running_charger(hass: HomeAssistant) -> None:
    """With a safe current of 8 A a charging car is limited to 8 A, not stopped."""
    _, _, site = await _setup(hass, mode="fast", stale_timeout=2, safe_current=8)
    await site.report()
    assert _limit(hass) == 16.0
    deadline = time.monotonic() + 4
    while _limit(hass) != 8.0 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert _limit(hass) == 8.0


async def test_unavailable_phase_is_no_news(hass: HomeAssistant) -> None:
    """One phase unavailable: the last complete reading ages; no instant pause, then failsafe."""
    _, _, site = await _setup(hass, mode="fast", stale_timeout=2)
    await site.report()
    hass.states.async_set("sensor.grid_l2", "unavailable")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _limit(hass) == 16.0
    assert hass.states.get("sensor.home_status").state == "active"
    deadline = time.monotonic() + 4
    while _limit(hass) != 0.0 and time.monotonic() < deadline:
        hass.states.async_set("sensor.grid_l1", "5.0", {"unit_of_measurement": "A"})
        await asyncio.sleep(0.2)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert _limit(hass) == 0.0
    assert hass.states.get("sensor.home_status").state == "failsafe"


async def test_start_without_meter_data_waits_then_failsafe(hass: HomeAssistant) -> None:
    """After a restart nothing is sent while waiting for data, at most the stale timeout."""
    await setup_helpers(hass)
    await hass.services.async_call(
        "input_number", "set_value", {"entity_id": LIMIT, "value": 13}, blocking=True
    )
    await hass.services.async_call("input_boolean", "turn_on", {"entity_id": ENABLE}, blocking=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        data=controller_data(),
        options=controller_options(stale_timeout=2),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.home_status").state == "starting"
    assert _limit(hass) == 13.0  # the limit it had while Home Assistant was down
    deadline = time.monotonic() + 5
    while _limit(hass) != 0.0 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert _limit(hass) == 0.0
    assert hass.states.get("sensor.home_status").state == "failsafe"


async def test_start_with_meter_data_controls_at_once(hass: HomeAssistant) -> None:
    """With fresh data at start there is no waiting and no pause."""
    _, runtime, _ = await _setup(hass)
    assert runtime.status.value == "active"
    assert _limit(hass) == 16.0  # smart, the default mode


async def test_rate_limit_on_a_flapping_surplus(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Solar on a flapping surplus: far fewer commands than steps."""
    stored_controls(hass_storage, mode="solar")
    _, runtime, site = await _setup(
        hass, solar=15.0, start_delay=0, min_switch_time=0, raise_interval=5
    )
    await site.report(2)
    assert _limit(hass) == 10.0
    for index in range(40):
        site.solar = 15.0 if index % 2 else 15.5
        await site.report()
    gate = runtime.links["wallbox"].gate
    assert runtime.steps > 40
    assert gate.commands_sent <= 4


async def test_failing_charger_is_reported_others_keep_control(hass: HomeAssistant) -> None:
    """One charger's number goes away: repair issue after 3 failures; the other is steered."""
    await setup_helpers(
        hass,
        more_numbers={
            "garage_limit": {
                "min": 0,
                "max": 32,
                "step": 1,
                "initial": 0,
                "unit_of_measurement": "A",
            }
        },
    )
    set_mains(hass, 5, 5, 5)
    set_ev(hass, 0)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        data=controller_data(
            chargers=[
                entity_charger(),
                entity_charger(
                    charger_id="garage",
                    name="Garage",
                    number="input_number.garage_limit",
                    switch=None,
                    connected=None,
                    currents=[],
                    priority=1,
                ),
            ]
        ),
        options=controller_options(main_fuse=40),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    runtime: ControllerRuntime = entry.runtime_data
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charge_mode", "option": "fast"},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("input_number.garage_limit").state == "16.0"
    assert _limit(hass) == 16.0

    hass.states.async_set("input_number.garage_limit", "unavailable")
    registry = ir.async_get(hass)
    issue_id = f"charger_{entry.entry_id}_garage"
    garage = runtime.links["garage"]
    deadline = time.monotonic() + 20
    house_l1 = 5.0
    while registry.async_get_issue(DOMAIN, issue_id) is None and time.monotonic() < deadline:
        # the load keeps moving, so the controller keeps wanting to send new limits
        house_l1 = 30.0 if house_l1 == 5.0 else 5.0
        set_mains(hass, house_l1 + 32, 37, 37)
        await hass.async_block_till_done(wait_background_tasks=True)
        await asyncio.sleep(0.5)
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "charger_unreachable"
    assert garage.gate.failures >= 3
    assert hass.states.get("sensor.home_garage_command_status").state == "failing"
    # the wallbox was steered all along: a 30 A load on L1 left it nothing
    set_mains(hass, 30 + 16 + 16, 37, 37)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _limit(hass) == 0.0
    assert hass.states.get("sensor.home_wallbox_command_status").state == "ok"

    # the garage number is back: the next command succeeds and the issue is gone
    hass.states.async_set(
        "input_number.garage_limit",
        "16.0",
        {"min": 0, "max": 32, "step": 1, "unit_of_measurement": "A"},
    )
    deadline = time.monotonic() + 35
    while registry.async_get_issue(DOMAIN, issue_id) is not None and time.monotonic() < deadline:
        set_mains(hass, 5 + 16, 21, 21)
        await hass.async_block_till_done(wait_background_tasks=True)
        await asyncio.sleep(0.5)
    assert registry.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get("sensor.home_garage_command_status").state == "ok"
