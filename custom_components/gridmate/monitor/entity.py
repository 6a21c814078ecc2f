"""Base entity of the monitor kind: push updates, written only when they change."""

from __future__ import annotations

from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ..entity import GridmateEntity
from .hub import MonitorCoordinator, MonitorHub


class MonitorEntity(GridmateEntity[MonitorCoordinator]):
    """An entity fed by the hub; its state is written only when what it shows changed.

    Subclasses implement `_compute()` which sets the `_attr_*` values and returns what is
    shown (compared with what was last written).
    """

    def __init__(
        self, hub: MonitorHub, description: EntityDescription, device_info: DeviceInfo
    ) -> None:
        """Bind to the hub and compute the first state."""
        super().__init__(
            entry=hub.entry,
            coordinator=hub.coordinator,
            description=description,
            device_info=device_info,
        )
        self.hub = hub
        self._attr_unique_id = f"{hub.identity}_{description.key}"
        self._written: Any = None
        self._shown = self._compute()

    def _compute(self) -> Any:
        raise NotImplementedError

    @property
    def available(self) -> bool:
        """Set by `_compute`."""
        return self._attr_available

    async def async_added_to_hass(self) -> None:
        """Start listening; the state written now is the first one."""
        await super().async_added_to_hass()
        self._shown = self._compute()
        self._written = self._shown

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = self._compute()
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()
