"""End to end over a real mosquitto broker: the simulated Smart Connect publishes with its own
MQTT client, Home Assistant's MQTT integration receives, Gridmate shows the values.

No mocks: the simulator (Modbus TCP, HTTP API, paho-mqtt publisher), mosquitto and Home
Assistant's MQTT client all talk over sockets on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import time
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import CONF_INTERFACE, DOMAIN
from custom_components.gridmate.devices.smart_connect.registers import REGISTERS, Quantity
from custom_components.gridmate.smart_connect.const import CONF_MQTT_SERIAL, CONF_TRANSPORT
from simulator.smart_connect import SmartConnectSimulator
from tests.conftest import Broker, mqtt_settled
from tests.helpers import async_open_form, entity_ids_by_key

from .conftest import START_EPOCH, connection_form

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Let real sockets work until `condition` holds."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Extra simulator arguments."""
    return {}


@pytest.fixture
async def device(
    socket_enabled: None, mosquitto: Broker, sim_options: dict[str, Any]
) -> AsyncGenerator[SmartConnectSimulator]:
    """A simulated Smart Connect publishing to the test broker (like one set up for HA)."""
    options = {
        "mqtt_broker": f"mqtt://{mosquitto.host}:{mosquitto.port}",
        "start_epoch": START_EPOCH,
        **sim_options,
    }
    sim = SmartConnectSimulator("full", **options)
    await sim.start()
    yield sim
    await sim.stop()


async def _add(hass: HomeAssistant, sim: SmartConnectSimulator, transport: str) -> Any:
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(
        flow_id, connection_form(sim, **{CONF_TRANSPORT: transport})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return result["result"]


def _register_states(hass: HomeAssistant, ids: dict[str, str]) -> dict[str, str]:
    return {reg.key: hass.states.get(ids[reg.key]).state for reg in REGISTERS}  # type: ignore[union-attr]


async def test_live_values_without_polling(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry, device: SmartConnectSimulator
) -> None:
    """Added in the UI with MQTT, the device's telegrams appear as they are published."""
    entry = await _add(hass, device, "mqtt")
    assert entry.state is ConfigEntryState.LOADED
    await mqtt_settled(hass)
    ids = entity_ids_by_key(hass, entry)
    device.reset_counters()
    meter = entry.runtime_data.meter
    for n in range(1, 4):
        device.step(1)  # one telegram: published by the device's own client
        await wait_until(lambda: meter.accepted == n)  # noqa: B023
        served = device.snapshot()
    for reg in REGISTERS:
        state = hass.states.get(ids[reg.key])
        assert state is not None
        value = (
            served[reg.key] / 1000 if reg.quantity is Quantity.ACTIVE_ENERGY else served[reg.key]
        )
        if reg.quantity is Quantity.COUNT:
            assert state.state == str(round(value)), reg.key
        else:
            assert float(state.state) == pytest.approx(value, rel=1e-6), reg.key
    assert device.transactions == 0  # not one Modbus request: the values were pushed
    device.publish_device_counters()
    await wait_until(lambda: hass.states.get(ids["telegrams_pass"]).state == str(device.telegrams))  # type: ignore[union-attr]


@pytest.mark.parametrize("sim_options", [{"telegram_resolution": True}])
async def test_both_transports_same_states(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry, device: SmartConnectSimulator
) -> None:
    """The same telegram read over Modbus and then pushed over MQTT: identical states, the
    same entities (unique ids and entity ids survive switching the transport)."""
    entry = await _add(hass, device, "modbus_tcp")
    ids_modbus = entity_ids_by_key(hass, entry)
    over_modbus = _register_states(hass, ids_modbus)

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: f"127.0.0.1:{device.http_port}",
            CONF_PASSWORD: "demo-pass",
            CONF_TRANSPORT: "mqtt",
            CONF_PORT: device.modbus_port,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.runtime_data.transport == "mqtt"
    await mqtt_settled(hass)
    ids_mqtt = entity_ids_by_key(hass, entry)
    assert {k: ids_mqtt[k] for k in ids_modbus} == ids_modbus
    assert device.publish_power_instant()  # the same telegram again, now over MQTT
    await wait_until(
        lambda: hass.states.get(ids_mqtt["voltage_l1"]).state != "unavailable"  # type: ignore[union-attr]
    )
    assert _register_states(hass, ids_mqtt) == over_modbus


async def test_configure_mqtt_action_moves_the_device(
    hass: HomeAssistant,
    mqtt_broker_entry: MockConfigEntry,
    mosquitto: Broker,
    socket_enabled: None,
) -> None:
    """A device publishing nowhere is pointed at HA's broker by the action, then shows data."""
    async with SmartConnectSimulator("full", start_epoch=START_EPOCH) as sim:
        assert sim.mqtt is None  # factory settings: the Xemex cloud, not reachable here
        entry = await _add(hass, sim, "mqtt")
        ids = entity_ids_by_key(hass, entry)
        assert hass.states.get(ids["active_power"]).state == "unavailable"  # type: ignore[union-attr]
        response = await hass.services.async_call(
            DOMAIN,
            "smart_connect_configure_mqtt",
            {"config_entry_id": entry.entry_id, "site": "house"},
            blocking=True,
            return_response=True,
        )
        # HA's broker is 127.0.0.1 here, which the (equally local) device can reach.
        assert response == {
            "broker": f"mqtt://127.0.0.1:{mosquitto.port}",
            "site": "house",
            "username": "",
            "restarted": True,
        }
        assert sim.http.config["MQTT"]["Broker"] == f"mqtt://127.0.0.1:{mosquitto.port}"
        assert sim.http.resets == 1
        await sim.wait_mqtt()
        await mqtt_settled(hass)
        sim.step(1)
        await wait_until(
            lambda: hass.states.get(ids["active_power"]).state != "unavailable"  # type: ignore[union-attr]
        )
        assert entry.runtime_data.meter.last_topic == sim.mqtt_topic("power_instant")


async def test_discovered_on_the_broker(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry, device: SmartConnectSimulator
) -> None:
    """A Smart Connect publishing on HA's broker is offered in the UI and added with MQTT."""
    await mqtt_settled(hass)
    assert device.publish_device_counters()

    def discovered() -> list[Any]:
        return [
            flow
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "mqtt"
        ]

    await wait_until(lambda: bool(discovered()))
    flow = discovered()[0]
    assert flow["step_id"] == "smart_connect_mqtt_confirm"
    assert flow["context"]["unique_id"] == device.serial
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {CONF_HOST: f"127.0.0.1:{device.http_port}", CONF_PASSWORD: "wrong", CONF_INTERFACE: "p1"},
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {
            CONF_HOST: f"127.0.0.1:{device.http_port}",
            CONF_PASSWORD: "demo-pass",
            CONF_INTERFACE: "p1",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data[CONF_TRANSPORT] == "mqtt"
    assert entry.data[CONF_MQTT_SERIAL] == device.serial
    await hass.async_block_till_done()
    await mqtt_settled(hass)
    ids = entity_ids_by_key(hass, entry)
    device.step(1)
    await wait_until(
        lambda: hass.states.get(ids["active_power"]).state != "unavailable"  # type: ignore[union-attr]
    )
    # Seen again later: the device is known, no new offer.
    device.publish_device_counters()
    await asyncio.sleep(0.3)
    await hass.async_block_till_done()
    assert not discovered()
