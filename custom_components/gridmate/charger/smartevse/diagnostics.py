"""Diagnostics of a SmartEVSE entry: configuration, the last /settings document, MQTT, feeding."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from ...const import CONF_SERIAL
from ...entry_diagnostics import entry_section
from .const import CONF_MAINS_ENTRY, CONF_MQTT_PREFIX
from .coordinator import SmartEvseConfigEntry

# Identity, network and credentials: the serial is also in the default MQTT prefix.
TO_REDACT = {
    CONF_HOST,
    CONF_SERIAL,
    CONF_MQTT_PREFIX,
    CONF_MAINS_ENTRY,
    "unique_id",
    "title",
    "serialnr",
    "serial",
    "ssid",
    "bssid",
    "ip",
    "mac",
    "topic_prefix",
    "username",
    "backend_url",
    "cb_id",
    "auth_key",
    "auto_auth_idtag",
    "rfid_lastread",
    "required_evccid",
    "evccid",
    "PairingPin",
    "pairing_pin",
}


async def async_get_diagnostics(hass: HomeAssistant, entry: SmartEvseConfigEntry) -> dict[str, Any]:
    """The entry, the charger's last answer and what Gridmate made of it, redacted."""
    runtime = entry.runtime_data
    driver = runtime.driver
    coordinator = runtime.coordinator
    raw = dict(driver.raw) if driver.raw else None  # mqtt.host goes with CONF_HOST
    state = driver.state
    return async_redact_data(
        {
            "entry": entry_section(entry),
            "settings": raw,
            "state": asdict(state) if state else None,
            "status": asdict(driver.status) if driver.status else None,
            "capabilities": asdict(driver.capabilities),
            "poll": {
                "interval_s": coordinator.update_interval.total_seconds()
                if coordinator.update_interval
                else None,
                "last_update_success": coordinator.last_update_success,
                "consecutive_busy": coordinator.consecutive_busy,
                "last_error": coordinator.last_error,
            },
            "mqtt": {
                "enabled": driver.mqtt_prefix is not None,
                "commands_over_mqtt": driver.uses_mqtt,
                "online": driver.mqtt_online,
                "messages": driver.mqtt_messages,
                "last_message_age_s": driver.mqtt_age(),
            },
            "mains_feeding": runtime.feeder.diagnostics() if runtime.feeder else None,
        },
        TO_REDACT,
    )
