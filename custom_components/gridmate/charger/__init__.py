"""The charger entry kind: EV chargers of several types behind one contract.

Each charger type (SmartEVSE, OCPP charge point, ...) lives in its own sub-package and exports
a `Kind` like any entry kind; this package dispatches every hook on the entry's
`charger_type`, so the types never touch each other. Add a type to `CHARGER_TYPES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..devices.chargers.contract import Charger
from ..kinds import Kind, PlatformSetup
from .const import CONF_CHARGER_TYPE, ChargerType


def _types() -> dict[ChargerType, Kind]:
    from .ocpp import KIND as OCPP  # noqa: PLC0415 - types import this package
    from .smartevse import KIND as SMARTEVSE  # noqa: PLC0415 - types import this package

    return {
        ChargerType.SMARTEVSE: SMARTEVSE,
        ChargerType.OCPP: OCPP,
    }


CHARGER_TYPES: Mapping[ChargerType, Kind] = _types()


def type_of(entry: ConfigEntry[Any]) -> Kind:
    """The hooks of a charger entry's type."""
    return CHARGER_TYPES[ChargerType(entry.data[CONF_CHARGER_TYPE])]


async def _async_setup(hass: HomeAssistant, entry: ConfigEntry[Any]) -> Any:
    return await type_of(entry).async_setup(hass, entry)


async def _async_unload(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    unload = type_of(entry).async_unload
    if unload is not None:
        await unload(hass, entry)


async def _async_diagnostics(hass: HomeAssistant, entry: ConfigEntry[Any]) -> dict[str, Any]:
    return await type_of(entry).async_diagnostics(hass, entry)


def _platform(platform: Platform) -> PlatformSetup:
    async def async_setup_entry(
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        setup = type_of(entry).platforms.get(platform)
        if setup is not None:
            await setup(hass, entry, async_add_entities)

    return async_setup_entry


def _charger(entry: ConfigEntry[Any]) -> Charger | None:
    hook = type_of(entry).charger
    return hook(entry) if hook else None


def _options_flow(entry: ConfigEntry[Any]) -> OptionsFlow | None:
    hook = type_of(entry).options_flow
    return hook(entry) if hook else None


async def _async_remove(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    remove = type_of(entry).async_remove
    if remove is not None:
        await remove(hass, entry)


def _register_services(hass: HomeAssistant) -> None:
    for kind in CHARGER_TYPES.values():
        if kind.async_register_services is not None:
            kind.async_register_services(hass)


KIND = Kind(
    async_setup=_async_setup,
    platforms={
        platform: _platform(platform)
        for platform in sorted(
            {p for kind in CHARGER_TYPES.values() for p in kind.platforms}, key=str
        )
    },
    async_diagnostics=_async_diagnostics,
    async_unload=_async_unload,
    async_remove=_async_remove,
    charger=_charger,
    options_flow=_options_flow,
    async_register_services=_register_services,
)
