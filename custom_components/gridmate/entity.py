"""Base entity shared by every Gridmate platform and entry kind."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator


class GridmateEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """A coordinator entity of a Gridmate device; unique id from the entry and description."""

    _attr_has_entity_name = True

    def __init__(
        self,
        *,
        entry: ConfigEntry[Any],
        coordinator: CoordinatorT,
        description: EntityDescription,
        device_info: DeviceInfo,
    ) -> None:
        """Bind the entity to its device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = device_info
