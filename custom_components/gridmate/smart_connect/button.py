"""Buttons: restart the Smart Connect (``POST /api/v1/reset``)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import GridmateEntity
from .coordinator import SmartConnectConfigEntry
from .entity import smart_connect_device_info
from .errors import device_errors

RESTART = ButtonEntityDescription(
    key="restart",
    device_class=ButtonDeviceClass.RESTART,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartConnectConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The restart button of a Smart Connect."""
    async_add_entities(
        [
            SmartConnectRestartButton(
                entry=entry,
                coordinator=entry.runtime_data.info,
                description=RESTART,
                device_info=smart_connect_device_info(entry),
            )
        ]
    )


class SmartConnectRestartButton(GridmateEntity[Any], ButtonEntity):
    """Soft reset: the device restarts and reconnects to the network (and its MQTT broker)."""

    async def async_press(self) -> None:
        """Ask the device to restart."""
        entry: SmartConnectConfigEntry = self.coordinator.config_entry
        async with device_errors(self.hass, entry):
            await entry.runtime_data.api.reset()
