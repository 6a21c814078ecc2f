"""Diagnostics: a redacted dump of a Gridmate entry for bug reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from ..const import CONF_SERIAL
from ..devices.smart_connect.errors import SmartConnectError
from .coordinator import SmartConnectConfigEntry

# Everything that identifies the device, the home network or grants access.
TO_REDACT = {
    CONF_HOST,
    CONF_PASSWORD,
    CONF_SERIAL,
    "unique_id",
    "title",
    "Serial",
    "SerialNumber",
    "SerialNo",
    "serial",
    "serial_number",
    # /api/v1/status and /api/v1/config: addresses, Wi-Fi and MQTT credentials
    "IpAddress",
    "Netmask",
    "Gateway",
    "DNS",
    "MacAddress",
    "MAC",
    "WiFiSSID",
    "WiFiPassword",
    "SSID",
    "Broker",
    "Site",
    "Username",
    "Password",
}


async def async_get_diagnostics(
    hass: HomeAssistant, entry: SmartConnectConfigEntry
) -> dict[str, Any]:
    """Return the entry, the device's status and the last poll, redacted."""
    runtime = entry.runtime_data
    meter = runtime.meter
    try:
        status: Any = await runtime.api.status()
    except SmartConnectError as err:
        status = {"error": type(err).__name__}
    data = meter.data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "status": status,
            "firmware": runtime.info.data.raw if runtime.info.data else None,
            "energy_unit_wh": meter.energy_wh,
            "read_plan": {
                "ranges": [
                    {"start": f"{rng.start:#06x}", "count": rng.count}
                    for rng in (meter.plan.ranges if meter.plan else ())
                ],
                "supported_registers": sorted(meter.plan.keys) if meter.plan else [],
            },
            "consecutive_failures": meter.consecutive_failures,
            "last_error": meter.last_error,
            "last_poll": (
                {
                    "received_at": data.received_at.isoformat(),
                    "stats": asdict(data.reading.stats),
                    "values": data.reading.values,
                }
                if data
                else None
            ),
        },
        TO_REDACT,
    )
