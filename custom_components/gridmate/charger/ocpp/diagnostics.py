"""Diagnostics of an OCPP charger entry: settings, the charger's state and traffic, redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from ...entry_diagnostics import entry_section
from .const import CONF_CHARGE_POINT_ID, CONF_ID_TAGS, CONF_REMOTE_ID_TAG
from .coordinator import OcppConfigEntry

# Ids, serials, id tags (RFID card numbers) and keys identify the owner or grant charging.
TO_REDACT = {
    CONF_PASSWORD,
    CONF_CHARGE_POINT_ID,
    CONF_ID_TAGS,
    CONF_REMOTE_ID_TAG,
    "unique_id",
    "title",
    "serial",
    "meter_serial",
    "id_tag",
    "last_refused_tag",
    "AuthorizationKey",
    "pending",
    "refused",
}


async def async_get_diagnostics(hass: HomeAssistant, entry: OcppConfigEntry) -> dict[str, Any]:
    """The entry, the charge point's snapshot, its configuration keys and traffic counters."""
    runtime = entry.runtime_data
    cp = runtime.charge_point
    snap = cp.snapshot
    central = runtime.hub.central
    return async_redact_data(
        {
            "entry": entry_section(entry),
            "server": {
                "port": central.port,
                "charge_points": len(central.charge_points),
                "pending": sorted(central.pending),
                "refused": dict(central.refused),
            },
            "online": snap.online,
            "boot": asdict(snap.boot) if snap.boot else None,
            "status": snap.status,
            "charge_point_status": snap.charge_point_status,
            "error": {
                "error_code": snap.error_code,
                "vendor_error_code": snap.vendor_error_code,
                "info": snap.error_info,
                "infinergi": snap.infinergi_error.code if snap.infinergi_error else None,
            },
            "measurements": asdict(snap.measurements),
            "transaction": asdict(snap.transaction) if snap.transaction else None,
            "last_session": asdict(snap.last_session) if snap.last_session else None,
            "limit": {
                "wanted": snap.wanted_limit,
                "applied": snap.applied_limit,
                "paused": snap.paused,
                "capabilities": asdict(cp.capabilities),
            },
            "last_heartbeat": snap.last_heartbeat,
            "last_seen": snap.last_seen,
            "configuration": dict(snap.configuration),
            "counters": asdict(cp.counters),
        },
        TO_REDACT,
    )
