"""Diagnostics: a redacted dump of a Gridmate entry for bug reports, as its kind defines it."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .kinds import kind_of


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConfigEntry[Any]
) -> dict[str, Any]:
    """Return the entry's diagnostics, redacted by its kind."""
    return await kind_of(entry).async_diagnostics(hass, entry)
