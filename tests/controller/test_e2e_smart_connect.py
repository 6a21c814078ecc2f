"""End to end on real sockets: the Smart Connect simulator (Modbus TCP) as the mains meter.

The charger is another integration's entities (a limit number and an enable switch); the
site closes the loop: the simulated meter serves house + car - solar per phase, where the
car draws what the charger allows. Polls are driven the Home Assistant way (time fired),
the data travels over Modbus TCP on 127.0.0.1, the controller steps on each poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import timedelta
import time
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gridmate.const import (
    CONF_INTERFACE,
    CONF_KIND,
    CONF_SERIAL,
    DOMAIN,
    EntryKind,
)
from simulator.smart_connect import SmartConnectSimulator

from .conftest import ENABLE, LIMIT, PLUGGED, controller_options, entity_charger, setup_helpers

CONTROLLER_ID = "ctl_sc_1"


@dataclass
class MeterSite:
    """The simulated Smart Connect sees house + car - solar on each phase (W, A)."""

    hass: HomeAssistant
    sim: SmartConnectSimulator
    house: tuple[float, float, float] = (5.0, 5.0, 5.0)
    solar: float = 0.0
    voltage: float = 230.0

    def ev(self) -> float:
        states = self.hass.states
        if states.get(ENABLE).state != "on" or states.get(PLUGGED).state != "on":
            return 0.0
        limit = float(states.get(LIMIT).state)
        return min(limit, 16.0) if limit >= 6 else 0.0

    def publish(self) -> None:
        """Serve what the meter would measure now (the car follows its limit at once)."""
        values: dict[str, float] = {}
        for phase, house in enumerate(self.house, start=1):
            current = house + self.ev() - self.solar
            values[f"current_l{phase}"] = current
            values[f"active_power_l{phase}"] = current * self.voltage
            values[f"voltage_l{phase}"] = self.voltage
        self.sim.set_values(values)

    async def poll(self, times: int = 1) -> None:
        """Publish, then let the meter coordinator poll over Modbus (and commands settle)."""
        for _ in range(times):
            self.publish()
            async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=1.1))
            await self.hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[SmartConnectSimulator]:
    """A Smart Connect simulator on 127.0.0.1 (Modbus TCP + HTTP)."""
    sim = SmartConnectSimulator("full")
    await sim.start()
    yield sim
    await sim.stop()


async def _setup(
    hass: HomeAssistant,
    sim: SmartConnectSimulator,
    hass_storage: dict[str, Any],
    *,
    controls: dict[str, Any],
    solar: float = 0.0,
    **options: float,
) -> tuple[MeterSite, MockConfigEntry, MockConfigEntry]:
    await setup_helpers(hass)
    site = MeterSite(hass, sim, solar=solar)
    site.publish()
    meter = MockConfigEntry(
        domain=DOMAIN,
        title=f"Smart Connect {sim.serial}",
        unique_id=sim.serial,
        data={
            CONF_KIND: EntryKind.SMART_CONNECT.value,
            CONF_HOST: f"127.0.0.1:{sim.http_port}",
            CONF_PASSWORD: "demo-pass",
            CONF_PORT: sim.modbus_port,
            CONF_INTERFACE: "p1",
            CONF_SERIAL: sim.serial,
        },
        options={CONF_SCAN_INTERVAL: 1},
    )
    meter.add_to_hass(hass)
    assert await hass.config_entries.async_setup(meter.entry_id)
    hass_storage[f"{DOMAIN}.controller.{CONTROLLER_ID}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.controller.{CONTROLLER_ID}",
        "data": controls,
    }
    controller = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl_sc",
        entry_id=CONTROLLER_ID,
        data={
            CONF_KIND: EntryKind.CONTROLLER.value,
            "name": "Home",
            "mains": {"source": "entry", "entry_id": meter.entry_id},
            "circuit": {},
            "battery": {},
            "chargers": [entity_charger()],
        },
        options=controller_options(**options),
    )
    controller.add_to_hass(hass)
    assert await hass.config_entries.async_setup(controller.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return site, meter, controller


def _limit(hass: HomeAssistant) -> float:
    if hass.states.get(ENABLE).state != "on":
        return 0.0
    return float(hass.states.get(LIMIT).state)


async def test_solar_charging_follows_the_surplus(
    hass: HomeAssistant, simulator: SmartConnectSimulator, hass_storage: dict[str, Any]
) -> None:
    """Solar mode: the current follows the export measured over Modbus, down and up."""
    site, _, controller = await _setup(
        hass,
        simulator,
        hass_storage,
        controls={"mode": "solar"},
        solar=14.0,
        start_delay=0,
        min_switch_time=0,
        raise_interval=1,
    )
    await site.poll(2)
    assert hass.states.get("sensor.home_status").state == "active"
    assert _limit(hass) == 9.0  # 27 A exported over three phases
    site.solar = 12.0
    await site.poll()
    assert _limit(hass) == 7.0  # down at the first poll that shows the cloud
    await site.poll()
    await asyncio.sleep(1.05)  # the raise gate runs on the real clock
    site.solar = 16.0
    await site.poll(2)
    assert _limit(hass) == 11.0
    assert controller.runtime_data.status.value == "active"
    # the meter's own entities are there too, from the same polls
    assert hass.states.get(f"sensor.smart_connect_{simulator.serial.lower()}_current_l1")


async def test_overload_drops_at_once(
    hass: HomeAssistant, simulator: SmartConnectSimulator, hass_storage: dict[str, Any]
) -> None:
    """Smart mode: a load jump on one phase lowers the charger at the very next poll."""
    site, _, _ = await _setup(hass, simulator, hass_storage, controls={"mode": "smart"})
    await site.poll(2)
    assert _limit(hass) == 16.0
    site.house = (5.0, 5.0, 18.0)  # 18 + 16 = 34 A on L3
    await site.poll()
    assert _limit(hass) == 7.0
    assert hass.states.get("sensor.home_wallbox_state").state == "limited_by_main_fuse"


async def test_meter_killed_gives_safe_current_then_recovers(
    hass: HomeAssistant, simulator: SmartConnectSimulator, hass_storage: dict[str, Any]
) -> None:
    """Modbus goes away: the safe current within the stale timeout, a repair issue; then back."""
    site, _, controller = await _setup(
        hass,
        simulator,
        hass_storage,
        controls={"mode": "fast"},
        stale_timeout=3,
        safe_current=6,
        min_switch_time=0,
    )
    await site.poll(2)
    assert _limit(hass) == 16.0
    last_good = time.monotonic()
    await simulator.stop_modbus()
    while _limit(hass) == 16.0 and time.monotonic() - last_good < 8:
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1.1))
        await hass.async_block_till_done(wait_background_tasks=True)
        await asyncio.sleep(0.1)
    waited = time.monotonic() - last_good
    assert _limit(hass) == 6.0
    assert waited <= 3.0 + 1.0  # the timeout, plus at most one poll interval
    assert hass.states.get("sensor.home_status").state == "failsafe"
    issue_id = f"mains_stale_{controller.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["source"] == f"Smart Connect {simulator.serial}"

    await simulator.start_modbus()
    deadline = time.monotonic() + 30
    while _limit(hass) != 16.0 and time.monotonic() < deadline:
        await site.poll()  # the coordinator backs off: keep firing time until it polls
        await asyncio.sleep(0.1)
    assert _limit(hass) == 16.0
    assert hass.states.get("sensor.home_status").state == "active"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_meter_entry_reload_is_followed(
    hass: HomeAssistant, simulator: SmartConnectSimulator, hass_storage: dict[str, Any]
) -> None:
    """The meter entry reloads (new coordinator): the controller follows it."""
    site, meter, _ = await _setup(hass, simulator, hass_storage, controls={"mode": "fast"})
    await site.poll()
    assert _limit(hass) == 16.0
    assert await hass.config_entries.async_reload(meter.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    site.house = (5.0, 20.0, 5.0)
    await site.poll(2)
    assert _limit(hass) == 0.0  # only 5 A of room: paused, seen through the new coordinator
