"""The shared real-broker fixture: HA's MQTT integration really talks to mosquitto."""

from __future__ import annotations

import asyncio

from homeassistant.components import mqtt
from homeassistant.core import HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import mqtt_settled


async def test_round_trip_through_mosquitto(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry
) -> None:
    """A message HA publishes comes back through the broker to HA's subscription."""
    received: asyncio.Queue[str] = asyncio.Queue()

    @callback
    def on_message(msg: mqtt.ReceiveMessage) -> None:
        received.put_nowait(str(msg.payload))

    unsubscribe = await mqtt.async_subscribe(hass, "gridmate/test/#", on_message)
    await mqtt_settled(hass)
    await mqtt.async_publish(hass, "gridmate/test/a", "hello")
    assert await asyncio.wait_for(received.get(), timeout=5) == "hello"
    unsubscribe()
