"""Config flow of the monitor: every path through a real mosquitto broker, every error path
recovering to a created entry, MQTT discovery, reconfigure and options."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
import json
import time
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_MQTT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.gridmate.const import CONF_KIND, CONF_SERIAL, DOMAIN
from custom_components.gridmate.monitor import const as monitor_const
from custom_components.gridmate.monitor.const import (
    CONF_ALWAYS_ON_HOURS,
    CONF_INPUT,
    CONF_PULSE_FACTORS,
    CONF_PULSES_PER_UNIT,
    CONF_SERVICE_LOCATION,
    CONF_TOPIC_PREFIX,
    CONF_UNIT,
)
from simulator.infinity import DEFAULT_SERIAL, DEFAULT_UUID, InfinitySimulator
from tests.conftest import Broker
from tests.helpers import async_add_and_set_up, async_open_user_flow

from .conftest import Clock, Feeder, make_entry, setup_monitor, wait_for_state

OTHER_UUID = "0badf00d-0000-4000-8000-000000000001"
TITLE = f"Smappee Genius {DEFAULT_SERIAL}"


@pytest.fixture(autouse=True)
def short_waits() -> Generator[None]:
    """Listen for retained topics briefly: the local broker answers in milliseconds."""
    with (
        patch.object(monitor_const, "DISCOVERY_WAIT_S", 0.7),
        patch.object(monitor_const, "CONFIRM_WAIT_S", 1.0),
    ):
        yield


@pytest.fixture
def gateway(mosquitto: Broker) -> Generator[InfinitySimulator]:
    """A simulated gateway on the real broker (realtime every 0.5 s)."""
    sim = InfinitySimulator(mosquitto.host, mosquitto.port, interval=0.5)
    sim.start()
    yield sim
    sim.stop()


def _location_options(result: dict[str, Any]) -> list[str]:
    selector = result["data_schema"].schema[CONF_SERVICE_LOCATION]
    config = getattr(selector, "config", {})
    return [option["value"] for option in config.get("options", [])]


async def test_user_picks_discovered_gateway(
    hass: HomeAssistant, broker: MockConfigEntry, gateway: InfinitySimulator
) -> None:
    """The gateway's retained config is found on the broker and offered; picking it adds it."""
    result = await async_open_user_flow(hass, "monitor")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "monitor"
    assert _location_options(result) == [DEFAULT_UUID]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_SERVICE_LOCATION: DEFAULT_UUID, CONF_TOPIC_PREFIX: "servicelocation"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["result"].unique_id == DEFAULT_SERIAL
    assert result["data"] == {
        CONF_KIND: "monitor",
        CONF_SERVICE_LOCATION: DEFAULT_UUID,
        CONF_TOPIC_PREFIX: "servicelocation",
        CONF_SERIAL: DEFAULT_SERIAL,
    }
    await hass.async_block_till_done()
    # The entry loads and its entities appear from the retained configuration.
    await wait_for_state(hass, "sensor.kitchen_power", lambda s: s.state == "1800")
    # Adding the same gateway again is refused.
    result = await async_open_user_flow(hass, "monitor")
    assert _location_options(result) == []  # already configured gateways are not offered
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVICE_LOCATION: DEFAULT_UUID.upper()}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_user_errors_recover_to_an_entry(
    hass: HomeAssistant, broker: MockConfigEntry, mosquitto: Broker
) -> None:
    """Bad uuid, bad prefix, nothing on the broker: each a translated error; then it works."""
    result = await async_open_user_flow(hass, "monitor")
    flow_id = result["flow_id"]
    for form, field, error in (
        ({CONF_SERVICE_LOCATION: "not-a-uuid"}, CONF_SERVICE_LOCATION,
         "monitor_invalid_service_location"),
        ({CONF_SERVICE_LOCATION: DEFAULT_UUID, CONF_TOPIC_PREFIX: "a/#"}, CONF_TOPIC_PREFIX,
         "monitor_invalid_prefix"),
        ({CONF_SERVICE_LOCATION: DEFAULT_UUID}, "base", "monitor_no_gateway"),
    ):  # fmt: skip
        result = await hass.config_entries.flow.async_configure(flow_id, form)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {field: error}
    sim = InfinitySimulator(mosquitto.host, mosquitto.port, interval=0.5)
    sim.start()
    try:
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_SERVICE_LOCATION: DEFAULT_UUID, CONF_TOPIC_PREFIX: "/servicelocation/"}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_TOPIC_PREFIX] == "servicelocation"
        await hass.async_block_till_done()
    finally:
        sim.stop()


async def test_bridged_prefix(
    hass: HomeAssistant, broker: MockConfigEntry, mosquitto: Broker
) -> None:
    """Topics bridged under another prefix work once the prefix is given."""
    sim = InfinitySimulator(mosquitto.host, mosquitto.port, prefix="home/smappee", interval=0.5)
    sim.start()
    try:
        result = await async_open_user_flow(hass, "monitor")
        assert _location_options(result) == []  # not under the default prefix
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_SERVICE_LOCATION: DEFAULT_UUID, CONF_TOPIC_PREFIX: "home/smappee"},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        await wait_for_state(hass, "sensor.kitchen_power", lambda s: s.state == "1800")
    finally:
        sim.stop()


async def test_without_mqtt_aborts_then_works(
    hass: HomeAssistant, mock_hass_config: None, mosquitto: Broker
) -> None:
    """Without HA's MQTT integration: a clear abort; with it set up, the gateway is added."""
    result = await async_open_user_flow(hass, "monitor")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "monitor_mqtt_not_configured"
    from homeassistant.components import mqtt
    from homeassistant.components.mqtt.const import CONFIG_ENTRY_MINOR_VERSION, CONFIG_ENTRY_VERSION
    from homeassistant.const import CONF_PORT

    mqtt_entry = MockConfigEntry(
        domain=mqtt.DOMAIN,
        data={mqtt.CONF_BROKER: mosquitto.host, CONF_PORT: mosquitto.port},
        version=CONFIG_ENTRY_VERSION,
        minor_version=CONFIG_ENTRY_MINOR_VERSION,
    )
    assert await async_add_and_set_up(hass, mqtt_entry)
    sim = InfinitySimulator(mosquitto.host, mosquitto.port, interval=0.5)
    sim.start()
    try:
        deadline = time.monotonic() + 10
        while not mqtt.is_connected(hass):
            assert time.monotonic() < deadline, "HA's MQTT did not connect"
            await asyncio.sleep(0.05)
        result = await async_open_user_flow(hass, "monitor")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SERVICE_LOCATION: DEFAULT_UUID}
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
    finally:
        sim.stop()


async def test_broker_disconnected_error_recovers(
    hass: HomeAssistant, broker: MockConfigEntry, gateway: InfinitySimulator
) -> None:
    """HA's MQTT client momentarily disconnected: an error, then the entry on retry."""
    result = await async_open_user_flow(hass, "monitor")
    with patch("homeassistant.components.mqtt.is_connected", return_value=False):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SERVICE_LOCATION: DEFAULT_UUID}
        )
    assert result["errors"] == {"base": "monitor_mqtt_not_connected"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SERVICE_LOCATION: DEFAULT_UUID}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_mqtt_discovery_through_the_broker(
    hass: HomeAssistant, broker: MockConfigEntry, gateway: InfinitySimulator
) -> None:
    """The manifest's `servicelocation/+/config` starts a flow; confirming adds the gateway."""
    deadline = time.monotonic() + 10
    while not (flows := hass.config_entries.flow.async_progress_by_handler(DOMAIN)):
        assert time.monotonic() < deadline, "no discovery flow"
        await asyncio.sleep(0.05)
    assert len(flows) == 1
    flow = flows[0]
    assert flow["context"]["source"] == SOURCE_MQTT
    assert flow["context"]["title_placeholders"] == {"name": TITLE}
    assert flow["step_id"] == "monitor_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == DEFAULT_SERIAL
    await hass.async_block_till_done()


def _discovery(payload: Any, topic: str = f"servicelocation/{DEFAULT_UUID}/config") -> Any:
    return MqttServiceInfo(
        topic=topic,
        payload=payload if isinstance(payload, str) else json.dumps(payload),
        qos=0,
        retain=True,
        subscribed_topic="servicelocation/+/config",
        timestamp=0,
    )


@pytest.mark.parametrize(
    ("payload", "topic"),
    [
        ("", f"servicelocation/{DEFAULT_UUID}/config"),
        ("{oops", f"servicelocation/{DEFAULT_UUID}/config"),
        ({"serialNumber": "1"}, f"servicelocation/{DEFAULT_UUID}/config"),
        ({"serviceLocationUuid": OTHER_UUID}, f"servicelocation/{DEFAULT_UUID}/config"),
        ({"serviceLocationUuid": DEFAULT_UUID}, "servicelocation/config"),
    ],
)
async def test_mqtt_discovery_rejects_what_is_not_a_gateway(
    hass: HomeAssistant, payload: Any, topic: str
) -> None:
    """Empty, broken, foreign or misplaced config messages abort quietly."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_discovery(payload, topic)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] in ("monitor_invalid_discovery_info", "not_supported")


async def test_mqtt_discovery_follows_a_reinstalled_gateway(hass: HomeAssistant) -> None:
    """A known gateway under a new service location uuid: the entry moves to it."""
    entry = make_entry()
    entry.add_to_hass(hass)
    config = InfinitySimulator("127.0.0.1", 1, uuid=OTHER_UUID).config_payload()
    with patch("custom_components.gridmate.monitor.async_setup", return_value=None):
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": SOURCE_MQTT},
            data=_discovery(config, f"servicelocation/{OTHER_UUID}/config"),
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_SERVICE_LOCATION] == OTHER_UUID


async def test_reconfigure_same_gateway_only(
    hass: HomeAssistant, broker: MockConfigEntry, mosquitto: Broker
) -> None:
    """Moving the entry to the re-installed gateway's new uuid works; another gateway does not."""
    entry = make_entry()
    entry.add_to_hass(hass)
    moved = InfinitySimulator(mosquitto.host, mosquitto.port, uuid=OTHER_UUID, interval=0.5)
    stranger = InfinitySimulator(
        mosquitto.host,
        mosquitto.port,
        uuid="0badf00d-0000-4000-8000-000000000002",
        serial="5010000999",
        interval=0.5,
    )
    moved.start()
    stranger.start()
    try:
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "monitor_reconfigure"
        assert set(_location_options(result)) == {OTHER_UUID, stranger.uuid}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SERVICE_LOCATION: stranger.uuid}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "monitor_wrong_gateway"
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_SERVICE_LOCATION: OTHER_UUID}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert entry.data[CONF_SERVICE_LOCATION] == OTHER_UUID
        await hass.async_block_till_done()
    finally:
        moved.stop()
        stranger.stop()


async def test_options_always_on_and_pulse_input(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Window in hours; a pulse input's unit and pulses per unit, with its error path."""
    entry = await setup_monitor(hass, feeder)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "monitor"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ALWAYS_ON_HOURS: 48, CONF_INPUT: "5400000111:0"}
    )
    assert result["step_id"] == "monitor_input"
    assert result["description_placeholders"] == {"input": "Input module: Gas meter"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_UNIT: "gas_m3"}
    )
    assert result["errors"] == {CONF_PULSES_PER_UNIT: "monitor_invalid_pulses_per_unit"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_UNIT: "gas_m3", CONF_PULSES_PER_UNIT: 1000}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_ALWAYS_ON_HOURS: 48,
        CONF_PULSE_FACTORS: {"5400000111:0": {CONF_UNIT: "gas_m3", CONF_PULSES_PER_UNIT: 1000.0}},
    }
    await hass.async_block_till_done()  # the entry reloads with the new options
    feeder.configuration()
    await hass.async_block_till_done()
    assert hass.states.get("sensor.input_module_gas_meter").state == "123.456"
    # Only the window this time: the pulse factors stay.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ALWAYS_ON_HOURS: 12}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_ALWAYS_ON_HOURS] == 12
    assert entry.options[CONF_PULSE_FACTORS]["5400000111:0"][CONF_PULSES_PER_UNIT] == 1000.0
    await hass.async_block_till_done()
