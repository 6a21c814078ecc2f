"""The Gridmate integration: local energy metering and EV charge control."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .kinds import KINDS, kind_of

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions of every kind (they exist even before an entry loads)."""
    for kind in KINDS.values():
        if kind.async_register_services is not None:
            kind.async_register_services(hass)
    return True


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


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """A Gridmate entry was deleted: let its kind clean up after it."""
    kind = kind_of(entry)
    if kind.async_remove is not None:
        await kind.async_remove(hass, entry)
