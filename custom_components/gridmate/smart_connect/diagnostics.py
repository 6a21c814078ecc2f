"""Diagnostics: a redacted dump of a Gridmate entry for bug reports."""

from __future__ import annotations

from dataclasses import asdict
import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from ..const import CONF_SERIAL
from ..devices.smart_connect.errors import SmartConnectError
from ..entry_diagnostics import entry_section
from .const import CONF_MQTT_SERIAL
from .coordinator import SmartConnectConfigEntry, SmartConnectMeterCoordinator
from .push import SmartConnectPushCoordinator

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
    # MQTT topic (carries site and serial), telegram identifiers
    CONF_MQTT_SERIAL,
    "last_topic",
    "meter_id",
    "equipment_id",
}

# Identifier lines of a P1 telegram: electricity meter (96.1.1, Luxembourg 42.0.0), M-Bus
# devices (96.1.0 / 96.1.1 on channel 1-4).
_TELEGRAM_IDS = re.compile(r"^(\d-\d:(?:96\.1\.[01]|42\.0\.0)\()[^)]*", re.MULTILINE)


def redact_telegram(text: str) -> str:
    """A telegram for a bug report: every equipment identifier replaced."""
    return _TELEGRAM_IDS.sub(r"\1**REDACTED**", text)


def _modbus(meter: SmartConnectMeterCoordinator) -> dict[str, Any]:
    return {
        "read_plan": {
            "ranges": [
                {"start": f"{rng.start:#06x}", "count": rng.count}
                for rng in (meter.plan.ranges if meter.plan else ())
            ],
            "supported_registers": sorted(meter.plan.keys) if meter.plan else [],
        },
        "consecutive_failures": meter.consecutive_failures,
        "last_error": meter.last_error,
    }


def _mqtt(meter: SmartConnectPushCoordinator) -> dict[str, Any]:
    return {
        "mqtt": {
            "expected_interval_s": meter.expected_interval,
            "stale_after_s": meter.stale_after,
            "received": meter.received,
            "accepted": meter.accepted,
            "out_of_order": meter.out_of_order,
            "malformed": meter.malformed,
            "retained_skipped": meter.retained_skipped,
            "last_error": meter.last_error,
            "last_topic": meter.last_topic,
            "stream_ok": meter.last_update_success,
        }
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
    transport = _mqtt(meter) if isinstance(meter, SmartConnectPushCoordinator) else _modbus(meter)
    telegram: dict[str, Any] | None = None
    if runtime.telegram is not None:
        tdata = runtime.telegram.data
        last = tdata.telegram if tdata else None
        telegram = {
            "supported": tdata.supported if tdata else None,
            "stats": asdict(runtime.telegram.stats),
            "received_at": tdata.received_at.isoformat() if tdata and tdata.received_at else None,
            "specification": last.specification if last else None,
            "values": {key: str(value) for key, value in last.values.items()} if last else None,
            "gas": (
                {key: str(value) for key, value in asdict(last.gas).items()}
                if last and last.gas
                else None
            ),
            "raw": redact_telegram(last.raw) if last else None,
        }
    return async_redact_data(
        {
            "entry": entry_section(entry),
            "transport": runtime.transport,
            "status": status,
            "firmware": runtime.info.data.raw if runtime.info.data else None,
            "energy_unit_wh": meter.energy_wh,
            **transport,
            "last_poll": (
                {
                    "received_at": data.received_at.isoformat(),
                    "device_time": data.device_time,
                    "stats": asdict(data.reading.stats),
                    "values": data.reading.values,
                }
                if data
                else None
            ),
            "device_counters": runtime.counters.data if runtime.counters else None,
            "telegram": telegram,
        },
        TO_REDACT,
    )
