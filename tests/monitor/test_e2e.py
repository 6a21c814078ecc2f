"""End to end through a real mosquitto broker: the simulated gateway publishes at 1 Hz, the
user adds it in the config flow, Home Assistant's own MQTT integration delivers everything."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from unittest.mock import patch

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.kinds import mains_feed_of
from custom_components.gridmate.monitor import const as monitor_const, hub as monitor_hub
from custom_components.gridmate.monitor.const import CONF_SERVICE_LOCATION
from simulator.infinity import DEFAULT_SERIAL, DEFAULT_UUID, InfinitySimulator
from tests.helpers import async_open_form

from .conftest import wait_for_state

GATEWAY = f"smappee_genius_{DEFAULT_SERIAL}"


@pytest.fixture(autouse=True)
def quick() -> Generator[None]:
    """Short flow waits and a 2.5 s stale limit, so silence shows within seconds."""
    with (
        patch.object(monitor_const, "DISCOVERY_WAIT_S", 0.7),
        patch.object(monitor_const, "CONFIRM_WAIT_S", 2.0),
        patch.object(monitor_hub, "STALE_AFTER_S", 2.5),
    ):
        yield


@pytest.mark.parametrize("variant", ["ct_input", "publish_index"])
async def test_gateway_end_to_end(
    hass: HomeAssistant,
    broker: MockConfigEntry,
    live_simulator: InfinitySimulator,
    variant: str,
) -> None:
    """Added in the UI; every load, phase voltage, input and relay; commands; stale."""
    sim = live_simulator
    flow_id = await async_open_form(hass, "monitor")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_SERVICE_LOCATION: DEFAULT_UUID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    # Loads, phases, totals: the values of the simulated installation at 12:15.
    expected = {
        "sensor.kitchen_power": "1800",
        "sensor.ev_charger_power": "11001",
        "sensor.heat_pump_power": "2400",
        "sensor.washing_machine_power": "5",
        "sensor.solar_power": "5886",
        f"sensor.{GATEWAY}_home_consumption": "15656",
    }
    for entity_id, value in expected.items():
        await wait_for_state(hass, entity_id, lambda s, v=value: s.state == v)
    for phase in (1, 2, 3):
        state = await wait_for_state(hass, f"sensor.{GATEWAY}_voltage_l{phase}")
        assert 225 <= float(state.state) <= 235
        state = await wait_for_state(hass, f"sensor.grid_current_l{phase}")
        assert float(state.state) > 0
    energy = await wait_for_state(hass, "sensor.kitchen_energy_consumed")
    assert energy.attributes["unit_of_measurement"] == "kWh"
    assert energy.attributes["state_class"] == "total_increasing"
    assert float(energy.state) == pytest.approx(1120.0, abs=0.01)  # 1120 kWh in joules
    gas = await wait_for_state(hass, "sensor.input_module_gas_meter")
    assert gas.attributes["unit_of_measurement"] == "m³"
    assert float(gas.state) == pytest.approx(1234.56, abs=0.05)

    # The mains feed follows the 1 Hz stream.
    feed = mains_feed_of(entry)
    assert feed is not None
    samples: list[object] = []
    two = asyncio.Event()

    def on_sample() -> None:
        samples.append(feed.latest())
        if len(samples) >= 2:
            two.set()

    unsubscribe = feed.subscribe(on_sample)
    async with asyncio.timeout(5):
        await two.wait()
    unsubscribe()
    assert all(sample is not None for sample in samples)

    # A relay: the command reaches the gateway, the state comes back from it.
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: "switch.output_module_0222_garden_pump"},
        blocking=True,
    )
    await wait_for_state(hass, "switch.output_module_0222_garden_pump", lambda s: s.state == "on")
    assert sim.commands[-1]["value"] == "ON"
    assert sim.commands[-1]["node_id"] == 12

    # A status input.
    sim.set_door(False)
    await wait_for_state(
        hass, "binary_sensor.input_module_door_contact", lambda s: s.state == "off"
    )

    # The gateway goes silent: realtime values unavailable, then back.
    sim.bus_error = True
    await wait_for_state(hass, "sensor.kitchen_power", lambda s: s.state == STATE_UNAVAILABLE)
    assert feed.latest() is None
    assert hass.states.get("switch.output_module_0222_garden_pump").state == "on"
    sim.bus_error = False
    await wait_for_state(hass, "sensor.kitchen_power", lambda s: s.state == "1800")
