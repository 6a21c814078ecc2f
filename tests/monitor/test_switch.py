"""Output module relays: the command goes out, the state only follows the gateway's report."""

from __future__ import annotations

import json
from unittest.mock import patch

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from simulator.infinity import DEFAULT_UUID

from .conftest import Clock, Feeder, setup_monitor

BOILER = "switch.output_module_0222_boiler"
SETSTATE = f"servicelocation/{DEFAULT_UUID}/plug/11/setstate"


async def test_command_then_reported_state(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Turn on publishes `setstate`; the switch stays off until `state` says ON."""
    await setup_monitor(hass, feeder)
    assert hass.states.get(BOILER).state == "off"
    mqtt_mock.async_publish.reset_mock()
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: BOILER}, blocking=True
    )
    mqtt_mock.async_publish.assert_called_once()
    topic, payload, qos, retain = mqtt_mock.async_publish.call_args.args[:4]
    assert topic == SETSTATE
    assert json.loads(payload) == {"value": "ON", "since": int(clock.wall() * 1000), "nodeId": 11}
    assert (qos, retain) == (0, False)
    await hass.async_block_till_done()
    assert hass.states.get(BOILER).state == "off"  # never assumed
    feeder.relay(11, True)
    await hass.async_block_till_done()
    assert hass.states.get(BOILER).state == "on"
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: BOILER}, blocking=True
    )
    assert json.loads(mqtt_mock.async_publish.call_args.args[1])["value"] == "OFF"
    assert hass.states.get(BOILER).state == "on"
    # The relay switched from the Smappee app: followed as well.
    feeder.relay(11, False)
    await hass.async_block_till_done()
    assert hass.states.get(BOILER).state == "off"


async def test_unreachable_relay_is_unavailable(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """A relay the gateway cannot reach cannot be switched."""
    await setup_monitor(hass, feeder)
    feeder.send("plug/11/connectionState", {"value": "UNREACHABLE"})
    await hass.async_block_till_done()
    assert hass.states.get(BOILER).state == STATE_UNAVAILABLE
    feeder.send("plug/11/connectionState", {"value": "CONNECTED"})
    await hass.async_block_till_done()
    assert hass.states.get(BOILER).state == "off"


async def test_relay_without_state_is_unavailable(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """A configured relay whose state was never reported is not shown as off."""
    await setup_monitor(hass, feeder)
    feeder.model.installation.relays[13] = "Heater"
    feeder.send("homeControlConfig", feeder.model.home_control_payload(), retain=True)
    await hass.async_block_till_done()
    assert hass.states.get("switch.output_module_0222_heater").state == STATE_UNAVAILABLE
    feeder.relay(13, True)
    await hass.async_block_till_done()
    assert hass.states.get("switch.output_module_0222_heater").state == "on"
    # Removed from the configuration: the switch goes.
    del feeder.model.installation.relays[13]
    feeder.send("homeControlConfig", feeder.model.home_control_payload(), retain=True)
    await hass.async_block_till_done()
    assert hass.states.get("switch.output_module_0222_heater") is None


async def test_publish_failure_is_a_translated_error(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """When HA's MQTT cannot publish, the service call fails with a clear message."""
    await setup_monitor(hass, feeder)
    with (
        patch(
            "homeassistant.components.mqtt.async_publish",
            side_effect=HomeAssistantError("not connected"),
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: BOILER}, blocking=True
        )
    assert err.value.translation_key == "monitor_relay_command_failed"
    assert hass.states.get(BOILER).state == "off"
