"""Entities of a controller entry: one device, entities that follow the runtime."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from ..const import DOMAIN
from .runtime import ChargerLink, ControllerRuntime

type ControllerConfigEntry = ConfigEntry[ControllerRuntime]


def controller_device_info(entry: ControllerConfigEntry) -> DeviceInfo:
    """The controller's own (service) device."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"controller_{entry.unique_id}")},
        manufacturer="Gridmate",
        model="Solar / load-balancing controller",
        name=entry.title,
        entry_type=DeviceEntryType.SERVICE,
    )


class ControllerEntity(Entity):
    """An entity of the controller: written when its shown value changes, not every step."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self,
        entry: ControllerConfigEntry,
        description: EntityDescription,
        link: ChargerLink | None = None,
    ) -> None:
        """Bind to the controller (and to one of its chargers for per-charger entities)."""
        self.entity_description = description
        self.runtime = entry.runtime_data
        self.link = link
        if link is None:
            self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        else:
            self._attr_unique_id = f"{entry.unique_id}_{link.charger_id}_{description.key}"
            self._attr_translation_placeholders = {"charger": link.config.name}
        self._attr_device_info = controller_device_info(entry)
        self._shown: Any = object()

    def _snapshot(self) -> Any:
        """What the entity shows; a change triggers a state write."""
        return (self.available,)

    async def async_added_to_hass(self) -> None:
        """Follow the runtime."""
        await super().async_added_to_hass()
        self._shown = self._snapshot()
        self.async_on_remove(self.runtime.async_add_listener(self._runtime_updated))

    @callback
    def _runtime_updated(self) -> None:
        shown = self._snapshot()
        if shown != self._shown:
            self._shown = shown
            self.async_write_ha_state()
