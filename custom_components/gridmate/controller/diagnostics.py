"""Diagnostics of a controller: its configuration, controls, chargers and recent decisions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from ..entry_diagnostics import entry_section
from .entity import ControllerConfigEntry

# A controller holds no secrets of its own; the titles of the Gridmate entries it uses (the
# source's, and a charger's name, taken from its entry) carry device serials.
TO_REDACT = {"unique_id", "title", "source_title", "name"}


async def async_get_diagnostics(
    hass: HomeAssistant, entry: ControllerConfigEntry
) -> dict[str, Any]:
    """The entry, the user's controls, each charger's link and the decision history."""
    runtime = entry.runtime_data
    chargers = []
    for link in runtime.links.values():
        status = link.status
        driver = link.driver
        chargers.append(
            {
                "id": link.charger_id,
                "name": link.config.name,
                "source": link.config.source.value,
                "available": driver is not None,
                "capabilities": asdict(driver.capabilities) if driver is not None else None,
                "status": asdict(status) if status is not None else None,
                "gate": {
                    "sent_current": link.gate.sent_current,
                    "sent_phases": link.gate.sent_phases,
                    "failures": link.gate.failures,
                    "commands_sent": link.gate.commands_sent,
                },
                "last_error": link.last_error,
                "session": {
                    "energy_wh": round(link.session.energy_wh, 1),
                    "solar_wh": round(link.session.solar_wh, 1),
                },
            }
        )
    settings = runtime.core.settings
    return async_redact_data(
        {
            "entry": entry_section(entry),
            "mains_source": {"source_title": runtime.mains_name},
            "status": runtime.status.value,
            "controls": runtime.controls.to_json(),
            "settings": {
                "mode": settings.mode.value,
                "max_mains": settings.max_mains,
                "max_circuit": settings.max_circuit,
                "max_sum_mains": settings.max_sum_mains,
                "capacity_cap_w": settings.capacity_cap_w,
                "stale_timeout_s": settings.stale_timeout_s,
                "safe_current": settings.safe_current,
                "chargers": [asdict(c) for c in settings.chargers],
            },
            "steps": runtime.steps,
            "step_cpu_ms_mean": (
                round(1000 * runtime.step_cpu_s / runtime.steps, 3) if runtime.steps else None
            ),
            "chargers": chargers,
            "decisions": list(runtime.history),
            "commands": list(runtime.sent),
        },
        TO_REDACT,
    )
