"""The SmartEVSE's MQTT transport, through Home Assistant's own MQTT integration."""

from __future__ import annotations

from homeassistant.components import mqtt
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady

from ...const import DOMAIN
from ...devices.chargers.smartevse import SmartEvse

COMMAND_QOS = 1  # the firmware subscribes to <prefix>/Set/# with QoS 1


async def async_setup_mqtt(hass: HomeAssistant, driver: SmartEvse) -> CALLBACK_TYPE:
    """Subscribe to the charger's topics and send its Set commands; returns the undo."""
    topic = driver.mqtt_subscription
    if topic is None:  # pragma: no cover - only called with a prefix
        raise ValueError("no MQTT prefix")
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="smartevse_mqtt_unavailable"
        )

    async def publish(topic: str, payload: str) -> None:
        await mqtt.async_publish(hass, topic, payload, qos=COMMAND_QOS, retain=False)

    @callback
    def message_received(message: mqtt.ReceiveMessage) -> None:
        payload = message.payload
        if isinstance(payload, bytes):
            payload = payload.decode(errors="replace")
        driver.handle_mqtt(message.topic, str(payload))

    unsubscribe = await mqtt.async_subscribe(hass, topic, message_received, qos=0)
    driver.attach_mqtt(publish)

    @callback
    def undo() -> None:
        driver.detach_mqtt()
        unsubscribe()

    return undo
