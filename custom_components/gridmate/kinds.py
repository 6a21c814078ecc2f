"""How each entry kind plugs into the integration.

An entry kind (Smart Connect, charger, meter, monitor, controller) lives in its own package
with its setup, entities, config-flow steps and diagnostics, and exports one `Kind`. The
top-level modules (`__init__`, the platform files, `diagnostics`, `config_flow`) only
dispatch on the entry's kind through `KINDS`, so kinds never import each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_KIND, EntryKind
from .devices.chargers.contract import Charger
from .feeds import MainsFeed

type PlatformSetup = Callable[
    [HomeAssistant, ConfigEntry[Any], AddConfigEntryEntitiesCallback], Awaitable[None]
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """The hooks of one entry kind."""

    # Build the entry's runtime data (raise ConfigEntryNotReady/AuthFailed like any setup).
    async_setup: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[Any]]
    platforms: Mapping[Platform, PlatformSetup]
    async_diagnostics: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[dict[str, Any]]]
    # The entry's options flow; None (or a hook answering None) = no Configure button.
    options_flow: Callable[[ConfigEntry[Any]], OptionsFlow | None] | None = None
    # Called after the platforms unloaded: release what async_setup did not tie to the entry.
    async_unload: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[None]] | None = None
    # Called when the entry is deleted: remove what outlives it (stores, repair issues).
    async_remove: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[None]] | None = None
    # For kinds that measure the grid: the entry's mains feed (None if this entry is not one).
    mains_feed: Callable[[ConfigEntry[Any]], MainsFeed | None] | None = None
    # For kinds that are chargers: the driver the controller steers.
    charger: Callable[[ConfigEntry[Any]], Charger | None] | None = None
    # Register the kind's service actions (called once from the integration's async_setup).
    async_register_services: Callable[[HomeAssistant], None] | None = None
    # For kinds found by MQTT discovery (manifest "mqtt" topics): whether a discovered topic
    # is theirs; the flow then continues in `async_step_<kind>_mqtt`.
    mqtt_discovery: Callable[[str], bool] | None = None


def entry_kind(entry: ConfigEntry[Any]) -> EntryKind:
    """The kind an entry was created as."""
    return EntryKind(entry.data[CONF_KIND])


def _registry() -> dict[EntryKind, Kind]:
    # Imported here, not at module level, so a kind package may import `kinds` for the types.
    from .charger import KIND as CHARGER
    from .controller import KIND as CONTROLLER
    from .meter import KIND as METER
    from .monitor import KIND as MONITOR
    from .smart_connect import KIND as SMART_CONNECT

    return {
        EntryKind.SMART_CONNECT: SMART_CONNECT,
        EntryKind.CHARGER: CHARGER,
        EntryKind.CONTROLLER: CONTROLLER,
        EntryKind.METER: METER,
        EntryKind.MONITOR: MONITOR,
    }


KINDS: Mapping[EntryKind, Kind] = _registry()


def kind_of(entry: ConfigEntry[Any]) -> Kind:
    """The hooks of an entry's kind."""
    return KINDS[entry_kind(entry)]


def platform_setup(platform: Platform) -> PlatformSetup:
    """The `async_setup_entry` of a top-level platform module: dispatch on the entry's kind."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        setup = kind_of(entry).platforms.get(platform)
        if setup is not None:
            await setup(hass, entry, async_add_entities)

    return async_setup_entry


def mains_feed_of(entry: ConfigEntry[Any]) -> MainsFeed | None:
    """The mains feed of a loaded entry, if its kind measures the grid."""
    kind = kind_of(entry)
    return kind.mains_feed(entry) if kind.mains_feed and entry.runtime_data else None


def charger_of(entry: ConfigEntry[Any]) -> Charger | None:
    """The charger driver of a loaded charger entry."""
    kind = kind_of(entry)
    return kind.charger(entry) if kind.charger and entry.runtime_data else None
