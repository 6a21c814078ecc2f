"""The firmware update entity (``GET``/``POST /api/v1/firmware``).

Installed and offered versions come from the firmware poll; an install starts only when the
user presses Install, and the firmware state is then polled every few seconds until the device
reports it finished.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.update import (
    UpdateDeviceClass,
    UpdateEntity,
    UpdateEntityDescription,
    UpdateEntityFeature,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..devices.smart_connect.http_api import FirmwareInfo
from ..entity import GridmateEntity
from .coordinator import SmartConnectConfigEntry, SmartConnectInfoCoordinator
from .entity import smart_connect_device_info
from .errors import device_errors

FIRMWARE = UpdateEntityDescription(
    key="firmware",
    device_class=UpdateDeviceClass.FIRMWARE,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartConnectConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The firmware update entity of a Smart Connect."""
    async_add_entities(
        [
            SmartConnectFirmwareUpdate(
                entry=entry,
                coordinator=entry.runtime_data.info,
                description=FIRMWARE,
                device_info=smart_connect_device_info(entry),
            )
        ]
    )


class SmartConnectFirmwareUpdate(GridmateEntity[SmartConnectInfoCoordinator], UpdateEntity):
    """Installed and available firmware; install on request."""

    _attr_supported_features = UpdateEntityFeature.INSTALL
    _attr_title = "Smart Connect firmware"

    @property
    def _info(self) -> FirmwareInfo | None:
        return self.coordinator.data

    @property
    def installed_version(self) -> str | None:
        """The running firmware."""
        return self._info.version if self._info else None

    @property
    def latest_version(self) -> str | None:
        """The firmware the device offers; the installed one when it offers none."""
        if self._info is None:
            return None
        return self._info.available_version or self._info.version

    @property
    def in_progress(self) -> bool:
        """Whether an update is running (as the device reports, or just requested)."""
        return bool(self._info and self._info.updating) or self.coordinator.install_requested

    async def async_install(self, version: str | None, backup: bool, **kwargs: Any) -> None:
        """Start the update the device offers, then watch it until it is done."""
        entry: SmartConnectConfigEntry = self.coordinator.config_entry
        async with device_errors(self.hass, entry):
            await entry.runtime_data.api.install_firmware()
        self.coordinator.watch_install()
        self.async_write_ha_state()
        await self.coordinator.async_request_refresh()
