"""MQTT through a real mosquitto: the simulator publishes, Home Assistant's MQTT delivers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
from typing import Any

from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.smartevse.const import CONF_MQTT_PREFIX
from custom_components.gridmate.const import DOMAIN
from simulator.smartevse import SmartEvseSimulator, Variant
from tests.conftest import Broker, mqtt_settled
from tests.helpers import async_add_and_set_up, async_open_form

from .conftest import entity, entry_data, poll

PREFIX = "SmartEVSE-51446"


async def wait_for(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait (real time) until the broker delivered what `condition` looks for."""
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "MQTT did not deliver in time"
        await asyncio.sleep(0.02)


@pytest.fixture
def variant() -> Variant:
    """Firmware variant of the simulator."""
    return Variant.UPSTREAM


@pytest.fixture
async def mqtt_simulator(mosquitto: Broker, variant: Variant) -> AsyncGenerator[SmartEvseSimulator]:
    """A simulator publishing to the broker."""
    sim = SmartEvseSimulator(variant, broker=(mosquitto.host, mosquitto.port))
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def mqtt_entry(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry, mqtt_simulator: SmartEvseSimulator
) -> AsyncGenerator[MockConfigEntry]:
    """A SmartEVSE entry using the prefix, set up and subscribed (unloaded before the broker)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SmartEVSE 51446",
        unique_id="smartevse_51446",
        data=entry_data(mqtt_simulator, **{CONF_MQTT_PREFIX: PREFIX}),
    )
    assert await async_add_and_set_up(hass, entry)
    await mqtt_settled(hass)
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.config_entries.async_unload(mqtt_broker_entry.entry_id)
    await hass.async_block_till_done()


def _states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    registry = er.async_get(hass)
    out: dict[str, str] = {}
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        state = hass.states.get(ent.entity_id)
        if state is not None:
            out[ent.entity_id] = state.state
    return out


def _get(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    return state.state if state else ""


async def test_rest_and_mqtt_give_the_same_states(
    hass: HomeAssistant, mqtt_simulator: SmartEvseSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """A session seen only through MQTT equals what the next REST poll shows, entity by entity."""
    sim = mqtt_simulator
    gets = len([r for r in sim.http.requests if r[0] == "GET"])
    sim.model.set_mode(1)
    sim.plug_in()
    for _ in range(28):  # energy moves; everything is also published every 10 s
        sim.model.feed_mains(80, 60, 70)
        sim.advance(1)
    sim.mqtt.publish_all()  # type: ignore[union-attr]
    await wait_for(lambda: _get(hass, entity("sensor", "state")) == "charging")
    await wait_for(lambda: _get(hass, entity("sensor", "mains_current_l2")) == "6.0")
    await asyncio.sleep(0.3)
    assert len([r for r in sim.http.requests if r[0] == "GET"]) == gets  # MQTT only so far
    via_mqtt = _states(hass, mqtt_entry)
    assert via_mqtt[entity("select", "mode")] == "smart"
    assert via_mqtt[entity("binary_sensor", "charging")] == "on"
    await poll(hass, 30)
    assert len([r for r in sim.http.requests if r[0] == "GET"]) == gets + 1
    assert _states(hass, mqtt_entry) == via_mqtt


async def test_commands_go_over_mqtt_and_echo_back(
    hass: HomeAssistant, mqtt_simulator: SmartEvseSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """Mode, override, C2 and capacity go to <prefix>/Set/...; the echo updates HA, no REST."""
    sim = mqtt_simulator
    assert sim.mqtt is not None
    gets = len([r for r in sim.http.requests if r[0] == "GET"])
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity("select", "mode"), ATTR_OPTION: "smart"},
        blocking=True,
    )
    await wait_for(lambda: sim.mode == "smart")
    await wait_for(lambda: _get(hass, entity("select", "mode")) == "smart")
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity("number", "override_current"), ATTR_VALUE: 8.3},
        blocking=True,
    )
    await wait_for(lambda: _get(hass, entity("number", "override_current")) == "8.3")
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity("select", "phase_switching_c2"), ATTR_OPTION: "solar_off"},
        blocking=True,
    )
    await wait_for(lambda: _get(hass, entity("select", "phase_switching_c2")) == "solar_off")
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity("number", "capacity_limit_sum_of_phases"), ATTR_VALUE: 40},
        blocking=True,
    )
    await wait_for(lambda: sim.model.max_sum_mains == 40)
    assert sim.mqtt.received == [
        ("Set/Mode", "Smart"),
        ("Set/CurrentOverride", "83"),
        ("Set/EnableC2", "2"),
        ("Set/CurrentMaxSumMains", "40"),
    ]
    assert sim.override_current == 8.3
    assert len([r for r in sim.http.requests if r[0] == "GET"]) == gets
    assert not [r for r in sim.http.requests if r[0] == "POST"]


async def test_settings_without_a_topic_use_rest(
    hass: HomeAssistant, mqtt_simulator: SmartEvseSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """The solar settings have no Set topic: REST, then a REST poll shows them."""
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity("number", "solar_start_current"), ATTR_VALUE: 9},
        blocking=True,
    )
    assert ("POST", "/settings", {"solar_start_current": "9"}) in mqtt_simulator.http.requests
    assert _get(hass, entity("number", "solar_start_current")) == "9.0"


async def test_malformed_mqtt_payloads_give_unknown(
    hass: HomeAssistant, mqtt_simulator: SmartEvseSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """Garbage on a topic makes that value unknown; the next good message restores it."""
    sim = mqtt_simulator
    assert sim.mqtt is not None
    sim.mqtt.publish_raw("ChargeCurrent", "sixteen")
    sim.mqtt.publish_raw("Mode", "")
    sim.mqtt.publish_raw("MainsCurrentL1", "1e999")
    await wait_for(lambda: _get(hass, entity("sensor", "charge_current")) == STATE_UNKNOWN)
    await wait_for(lambda: _get(hass, entity("select", "mode")) == STATE_UNKNOWN)
    await wait_for(lambda: _get(hass, entity("sensor", "mains_current_l1")) == STATE_UNKNOWN)
    sim.mqtt.publish_all()
    await wait_for(lambda: _get(hass, entity("select", "mode")) == "normal")
    assert _get(hass, entity("sensor", "charge_current")) == "0.0"


@pytest.mark.parametrize("variant", [Variant.FORK])
async def test_fork_topics(
    hass: HomeAssistant, mqtt_simulator: SmartEvseSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """The fork's extra topics (StateID, MaxSumMains) decode to the same state."""
    sim = mqtt_simulator
    sim.plug_in()
    sim.model.max_sum_mains = 35
    sim.advance(1)
    sim.mqtt.publish_all()  # type: ignore[union-attr]
    await wait_for(lambda: _get(hass, entity("sensor", "state")) == "connected")
    await wait_for(lambda: _get(hass, entity("number", "capacity_limit_sum_of_phases")) == "35.0")


async def test_rest_poll_slows_while_mqtt_delivers(
    hass: HomeAssistant, mqtt_simulator: SmartEvseSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """REST every 30 s while MQTT is alive; back to the normal rate when it goes silent."""
    coordinator = mqtt_entry.runtime_data.coordinator
    mqtt_simulator.mqtt.publish_all()  # type: ignore[union-attr]
    await wait_for(lambda: mqtt_entry.runtime_data.driver.mqtt_messages > 0)
    await poll(hass, 5)
    assert coordinator.update_interval == timedelta(seconds=30)
    await mqtt_simulator.mqtt.stop()  # type: ignore[union-attr]
    await wait_for(lambda: mqtt_entry.runtime_data.driver.mqtt_online is False)
    await poll(hass, 30)
    assert coordinator.update_interval == timedelta(seconds=5)
    mqtt_simulator.mqtt = None


async def test_setup_waits_for_the_mqtt_integration(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """A prefix but no MQTT integration: not ready (retried), with a translated reason."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="smartevse_51446",
        data=entry_data(simulator, **{CONF_MQTT_PREFIX: PREFIX}),
    )
    await async_add_and_set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "MQTT integration is not available" in entry.reason


async def test_config_flow_with_mqtt_prefix(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry, mqtt_simulator: SmartEvseSimulator
) -> None:
    """With MQTT set up, the prefix is checked against the charger's own."""
    from homeassistant.const import CONF_HOST
    from homeassistant.data_entry_flow import FlowResultType

    flow_id = await async_open_form(hass, "charger", "smartevse")
    form: dict[str, Any] = {CONF_HOST: f"127.0.0.1:{mqtt_simulator.port}"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**form, CONF_MQTT_PREFIX: "SmartEVSE-999"}
    )
    assert result["errors"] == {CONF_MQTT_PREFIX: "smartevse_prefix_mismatch"}
    assert result["description_placeholders"] == {"charger_prefix": PREFIX}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_MQTT_PREFIX: PREFIX}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_MQTT_PREFIX] == PREFIX
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
