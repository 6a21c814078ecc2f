"""End to end on real sockets: Smart Connect simulator (Modbus) -> controller -> SmartEVSE (REST).

The site: the Smart Connect serves house + the SmartEVSE's EV draw - solar on each phase; the
SmartEVSE simulator's firmware model applies the override current the controller sets over
REST and the simulated car draws it. Each simulated second: the charger's firmware ticks, the
meter publishes, Home Assistant's time is fired so both coordinators poll over their sockets.
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

from custom_components.gridmate.charger.const import CONF_CHARGER_TYPE
from custom_components.gridmate.charger.smartevse.const import CONF_MQTT_PREFIX
from custom_components.gridmate.const import (
    CONF_INTERFACE,
    CONF_KIND,
    CONF_SERIAL,
    DOMAIN,
    EntryKind,
)
from simulator.smart_connect import SmartConnectSimulator
from simulator.smartevse import SmartEvseSimulator

from .conftest import controller_options

CONTROLLER_ID = "ctl_evse_1"


@dataclass
class Site:
    """Meter = house + SmartEVSE draw - solar; one `second()` = firmware tick + both polls."""

    hass: HomeAssistant
    meter: SmartConnectSimulator
    evse: SmartEvseSimulator
    house: tuple[float, float, float] = (5.0, 5.0, 5.0)
    solar: float = 0.0

    def publish(self) -> None:
        ev = self.evse.model.ev_currents_a
        values: dict[str, float] = {}
        for phase in range(3):
            current = self.house[phase] + ev[phase] - self.solar
            values[f"current_l{phase + 1}"] = current
            values[f"active_power_l{phase + 1}"] = current * 230.0
            values[f"voltage_l{phase + 1}"] = 230.0
        self.meter.set_values(values)

    async def second(self, times: int = 1) -> None:
        for _ in range(times):
            self.evse.advance(1)
            self.publish()
            async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=2.1))
            await self.hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def meter(socket_enabled: None) -> AsyncGenerator[SmartConnectSimulator]:
    """The mains meter: a Smart Connect simulator (Modbus TCP + HTTP)."""
    sim = SmartConnectSimulator("full")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def evse(socket_enabled: None) -> AsyncGenerator[SmartEvseSimulator]:
    """The charger: a SmartEVSE simulator (REST), a car plugged in."""
    sim = SmartEvseSimulator(max_gets_per_s=None)
    await sim.start()
    sim.plug_in(max_current=32, phases=3)
    yield sim
    await sim.stop()


async def _setup(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
    *,
    mode: str,
    solar: float = 0.0,
    **options: float,
) -> tuple[Site, MockConfigEntry]:
    site = Site(hass, meter, evse, solar=solar)
    site.publish()
    meter_entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Smart Connect {meter.serial}",
        unique_id=meter.serial,
        data={
            CONF_KIND: EntryKind.SMART_CONNECT.value,
            CONF_HOST: f"127.0.0.1:{meter.http_port}",
            CONF_PASSWORD: "demo-pass",
            CONF_PORT: meter.modbus_port,
            CONF_INTERFACE: "p1",
            CONF_SERIAL: meter.serial,
        },
        options={CONF_SCAN_INTERVAL: 1},
    )
    charger_entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"SmartEVSE {evse.serial}",
        unique_id=f"smartevse_{evse.serial}",
        data={
            CONF_KIND: "charger",
            CONF_CHARGER_TYPE: "smartevse",
            CONF_HOST: f"127.0.0.1:{evse.port}",
            CONF_MQTT_PREFIX: "",
            CONF_SERIAL: str(evse.serial),
        },
        options={CONF_SCAN_INTERVAL: 2},
    )
    for entry in (meter_entry, charger_entry):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    hass_storage[f"{DOMAIN}.controller.{CONTROLLER_ID}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.controller.{CONTROLLER_ID}",
        "data": {"mode": mode},
    }
    controller = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl_evse",
        entry_id=CONTROLLER_ID,
        data={
            CONF_KIND: EntryKind.CONTROLLER.value,
            "name": "Home",
            "mains": {"source": "entry", "entry_id": meter_entry.entry_id},
            "circuit": {},
            "battery": {},
            "chargers": [
                {
                    "charger_id": "evse",
                    "charger_source": "entry",
                    "name": "SmartEVSE",
                    "entry_id": charger_entry.entry_id,
                    "priority": 0,
                    "first_phase": 0,
                    "phases": 3,
                }
            ],
        },
        options=controller_options(**options),
    )
    controller.add_to_hass(hass)
    assert await hass.config_entries.async_setup(controller.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return site, controller


async def test_solar_charging_on_a_smartevse(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """The SmartEVSE's current follows the surplus measured by the Smart Connect."""
    site, controller = await _setup(
        hass,
        meter,
        evse,
        hass_storage,
        mode="solar",
        solar=14.0,
        start_delay=0,
        min_switch_time=0,
        raise_interval=1,
    )
    await site.second(4)
    assert evse.override_current == 9.0
    assert evse.model.ev_currents_a == (9.0, 9.0, 9.0)
    assert evse.state == "Charging"
    assert hass.states.get("sensor.home_smartevse_state").state == "charging_solar"
    # measured by the SmartEVSE's EV meter and reported over REST
    assert hass.states.get("sensor.home_smartevse_actual_current").state == "9.0"
    site.solar = 11.0  # a cloud: 18 A exported -> 6 A per phase
    await site.second(2)
    assert evse.override_current == 6.0
    await asyncio.sleep(1.05)
    site.solar = 16.0
    await site.second(3)
    assert evse.override_current == 11.0
    assert controller.runtime_data.links["evse"].last_error is None


async def test_overload_cuts_the_smartevse_at_once(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """Smart mode: a 14 A load on L1 cuts the SmartEVSE to what the fuse leaves."""
    site, _ = await _setup(hass, meter, evse, hass_storage, mode="smart")
    await site.second(3)
    assert evse.model.ev_currents_a == (16.0, 16.0, 16.0)
    site.house = (19.0, 5.0, 5.0)  # 19 + 16 = 35 A on a 25 A fuse
    site.publish()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1.1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert evse.override_current == 6.0  # one meter poll later, already on the charger
    await site.second(2)
    assert evse.model.ev_currents_a == (6.0, 6.0, 6.0)
    assert hass.states.get("sensor.home_smartevse_state").state == "limited_by_main_fuse"


async def test_meter_loss_pauses_the_smartevse_and_recovers(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """Meter gone: the SmartEVSE is paused within the stale timeout; back when data is."""
    site, controller = await _setup(
        hass, meter, evse, hass_storage, mode="fast", stale_timeout=3, min_switch_time=0
    )
    await site.second(3)
    assert evse.model.ev_currents_a == (16.0, 16.0, 16.0)
    last_good = time.monotonic()
    await meter.stop_modbus()
    while evse.mode != "pause" and time.monotonic() - last_good < 8:
        evse.advance(1)
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1.1))
        await hass.async_block_till_done(wait_background_tasks=True)
        await asyncio.sleep(0.1)
    assert evse.mode == "pause"
    assert time.monotonic() - last_good <= 4.0
    evse.advance(2)
    assert evse.model.ev_currents_a == (0.0, 0.0, 0.0)
    issue_id = f"mains_stale_{controller.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None

    await meter.start_modbus()
    deadline = time.monotonic() + 30
    while evse.model.ev_currents_a != (16.0, 16.0, 16.0) and time.monotonic() < deadline:
        await site.second()
        await asyncio.sleep(0.1)
    assert evse.mode == "normal"
    assert evse.model.ev_currents_a == (16.0, 16.0, 16.0)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_unreachable_smartevse_is_reported(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """The charger's web server goes away: the controller says so; when back, it recovers."""
    site, controller = await _setup(
        hass, meter, evse, hass_storage, mode="smart", min_switch_time=0
    )
    await site.second(3)
    await evse.http_offline()
    registry = ir.async_get(hass)
    issue_id = f"charger_{controller.entry_id}_evse"
    deadline = time.monotonic() + 30
    house = 5.0
    while registry.async_get_issue(DOMAIN, issue_id) is None and time.monotonic() < deadline:
        house = 15.0 if house == 5.0 else 5.0  # keep the wanted current moving
        site.house = (house, 5.0, 5.0)
        await site.second()
        await asyncio.sleep(0.3)
    assert registry.async_get_issue(DOMAIN, issue_id) is not None
    await evse.http_online()
    site.house = (5.0, 5.0, 5.0)
    deadline = time.monotonic() + 40
    while registry.async_get_issue(DOMAIN, issue_id) is not None and time.monotonic() < deadline:
        site.house = (8.0 if site.house[0] == 5.0 else 5.0, 5.0, 5.0)
        await site.second()
        await asyncio.sleep(0.3)
    assert registry.async_get_issue(DOMAIN, issue_id) is None


async def test_phase_mode_select_switches_the_smartevse(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """One phase chosen: the controller pauses, switches C2 while no current flows, resumes."""
    site, _ = await _setup(hass, meter, evse, hass_storage, mode="fast", min_switch_time=0)
    await site.second(3)
    assert evse.model.ev_currents_a == (16.0, 16.0, 16.0)
    state = hass.states.get("select.home_smartevse_phases")
    assert state.state == "auto"
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_smartevse_phases", "option": "single"},
        blocking=True,
    )
    deadline = time.monotonic() + 30
    while evse.model.ev_currents_a != (16.0, 0.0, 0.0) and time.monotonic() < deadline:
        await site.second()
        await asyncio.sleep(0.2)  # the core's pause around a switch runs on the real clock
    assert evse.c2 == "Always Off"
    assert evse.model.ev_currents_a == (16.0, 0.0, 0.0)


async def test_add_a_controller_for_smart_connect_and_smartevse_in_the_ui(
    hass: HomeAssistant,
    meter: SmartConnectSimulator,
    evse: SmartEvseSimulator,
    hass_storage: dict[str, Any],
) -> None:
    """The flow offers the Gridmate meter and charger entries; the result steers the charger."""
    from homeassistant import config_entries
    from homeassistant.data_entry_flow import FlowResultType

    site, existing = await _setup(hass, meter, evse, hass_storage, mode="fast")
    assert await hass.config_entries.async_remove(existing.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    flow = hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "controller"})
    result = await flow.async_configure(
        result["flow_id"],
        {
            "name": "Garage",
            "phases": "3",
            "voltage": 230,
            "main_fuse": 25,
            "stale_timeout": 10,
            "safe_current": 0,
            "raise_interval": 5,
        },
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"][0] == "controller_mains_entry"
    result = await flow.async_configure(
        result["flow_id"], {"next_step_id": "controller_mains_entry"}
    )
    options = result["data_schema"].schema["entry_id"].config["options"]
    assert [o["label"] for o in options] == [f"Smart Connect {meter.serial}"]
    result = await flow.async_configure(result["flow_id"], {"entry_id": options[0]["value"]})
    result = await flow.async_configure(result["flow_id"], {})
    assert "controller_charger_entry" in result["menu_options"]
    result = await flow.async_configure(
        result["flow_id"], {"next_step_id": "controller_charger_entry"}
    )
    options = result["data_schema"].schema["entry_id"].config["options"]
    assert [o["label"] for o in options] == [f"SmartEVSE {evse.serial}"]
    result = await flow.async_configure(
        result["flow_id"], {"entry_id": options[0]["value"], "first_phase": "0", "priority": 0}
    )
    assert "controller_charger_entry" not in result["menu_options"]  # the only one is used
    result = await flow.async_configure(result["flow_id"], {"next_step_id": "controller_finish"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["chargers"][0]["charger_source"] == "entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    await site.second(3)
    assert hass.states.get("sensor.garage_status").state == "active"
    assert hass.states.get("select.garage_charge_mode").state == "smart"
    assert evse.model.ev_currents_a == (16.0, 16.0, 16.0)
