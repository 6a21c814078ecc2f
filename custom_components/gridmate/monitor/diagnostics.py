"""Diagnostics of a monitor entry: configuration, last realtime message, checks, counters."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from ..const import CONF_SERIAL
from ..devices.infinity.checks import CHECKS
from ..entry_diagnostics import entry_section
from .const import CONF_SERVICE_LOCATION
from .data import MonitorConfigEntry

# Identifiers of the home, the gateway and its modules.
TO_REDACT = {
    CONF_SERIAL,
    CONF_SERVICE_LOCATION,
    "unique_id",
    "title",
    "service_location_uuid",
    "service_location_id",
    "serial_number",
    "device_uuid",
    "module_serial",
    "timezone",
    "input_modules",
    "relays",
}


async def async_get_diagnostics(hass: HomeAssistant, entry: MonitorConfigEntry) -> dict[str, Any]:
    """Everything needed to understand what the gateway sent, without identifying it."""
    hub = entry.runtime_data.hub
    layout = hub.layout
    realtime = hub.realtime
    modules = hub.input_modules or {}
    return async_redact_data(
        {
            "entry": entry_section(entry),
            "gateway": asdict(hub.gateway) if hub.gateway else None,
            "layout_variant": layout.variant if layout else None,
            "layouts_received": sorted(hub.layouts),
            "layout": (
                {
                    "measuring_points": layout.measuring_points,
                    "phase_type": layout.phase_type,
                    "skipped": list(layout.skipped),
                    "loads": [
                        {
                            "key": load.key,
                            "name": load.name,
                            "kind": load.kind,
                            "channels": [asdict(channel) for channel in load.channels],
                        }
                        for load in layout.loads
                    ],
                }
                if layout
                else None
            ),
            "realtime": (
                {
                    "fresh": hub.fresh,
                    "variant": realtime.variant,
                    "monitor_status": realtime.monitor_status,
                    "skipped_channels": realtime.skipped,
                    "voltages": realtime.voltages,
                    "channels": [asdict(reading) for reading in realtime.channels.values()],
                }
                if realtime
                else None
            ),
            "totals": asdict(hub.totals) if hub.totals else None,
            "mains_currents": hub.mains,
            "always_on": {"value_w": hub.baseload.value(), "buckets": hub.baseload.buckets},
            "gateway_always_on_w": hub.aggregated.always_on_w if hub.aggregated else None,
            "presence": hub.presence,
            "relays": [asdict(relay) for relay in (hub.relays or {}).values()],
            "relay_states": {
                str(node): {"on": state.on, "connection": hub.relay_connection.get(node)}
                for node, state in hub.relay_states.items()
            },
            "input_modules": [asdict(module) for module in modules.values()],
            "input_values": [
                {str(n): asdict(value) for n, value in values.items()}
                for values in hub.input_values.values()
            ],
            "checks": {
                "thresholds": {
                    check: {
                        "threshold": spec.threshold,
                        "min_duration_s": spec.min_duration_s,
                        "clear_after_s": spec.clear_after_s,
                    }
                    for check, spec in CHECKS.items()
                },
                "raised": sorted(hub.repairs.raised),
            },
            "messages": dict(hub.stats.messages),
            "malformed": dict(hub.stats.malformed),
            "last_error": hub.stats.last_error,
        },
        TO_REDACT,
    )
