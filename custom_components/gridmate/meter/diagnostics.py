"""Diagnostics of a meter entry: settings, read plan, last poll and bus, redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant

from ..entry_diagnostics import entry_section
from .const import CONF_SERIAL_PORT
from .coordinator import MeterConfigEntry
from .settings import role_of

# The gateway's address and the adapter's by-id path (it carries the adapter's serial number).
TO_REDACT = {CONF_HOST, CONF_SERIAL_PORT, "unique_id", "title", "bus"}


async def async_get_diagnostics(hass: HomeAssistant, entry: MeterConfigEntry) -> dict[str, Any]:
    """Return what a bug report needs about one meter."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    profile = runtime.profile
    data = coordinator.data
    return async_redact_data(
        {
            "entry": entry_section(entry),
            "role": role_of(entry).value,
            "profile": {
                "id": profile.id,
                "vendor": profile.vendor,
                "model": profile.model,
                "status": profile.status.value,
                "phases": profile.phases,
                "measurands": [m.value for m in profile.measurands],
            },
            "bus": runtime.bus.key,
            "unit": runtime.meter.unit,
            "inverted": runtime.meter.inverted,
            "read_plan": [
                {"function_code": int(b.function_code), "start": b.start, "count": b.count}
                for b in runtime.meter.plan
            ],
            "bus_transactions": runtime.bus.transactions,
            "update_interval_s": (
                coordinator.update_interval.total_seconds() if coordinator.update_interval else None
            ),
            "consecutive_failures": coordinator.consecutive_failures,
            "last_error": (
                coordinator.last_error.replace(runtime.bus.key, "**REDACTED**")
                if coordinator.last_error
                else None
            ),
            "last_poll": (
                {
                    "received_at": data.received_at.isoformat(),
                    "stats": asdict(data.stats) if data.stats else None,
                    "values": {m.value: v for m, v in data.reading.values.items()},
                }
                if data
                else None
            ),
        },
        TO_REDACT,
    )
