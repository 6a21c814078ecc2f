"""The Gridmate integration: local energy metering and EV charge control."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .kinds import kind_of


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Set up one Gridmate entry according to its kind."""
    kind = kind_of(entry)
    entry.runtime_data = await kind.async_setup(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, list(kind.platforms))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Unload a Gridmate entry."""
    kind = kind_of(entry)
    unloaded = await hass.config_entries.async_unload_platforms(entry, list(kind.platforms))
    if unloaded and kind.async_unload is not None:
        await kind.async_unload(hass, entry)
    return unloaded
