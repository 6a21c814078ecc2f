"""Base entity shared by every Gridmate platform."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_HOST
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .const import CONF_INTERFACE, CONF_SERIAL, DOMAIN, MeterInterface
from .coordinator import GridmateConfigEntry
from .devices.smart_connect.http_api import split_host

SMART_CONNECT_MODELS = {
    MeterInterface.P1: "P1/A1 Smart Connect",
    MeterInterface.TIC: "TIC Smart Connect",
}


class GridmateEntity[CoordinatorT: DataUpdateCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of a Gridmate device; unique id and name come from its description."""

    _attr_has_entity_name = True

    def __init__(
        self,
        *,
        entry: GridmateConfigEntry,
        coordinator: CoordinatorT,
        description: EntityDescription,
    ) -> None:
        """Bind the entity to its entry's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.unique_id}_{description.key}"
        self._attr_device_info = smart_connect_device_info(entry)


def smart_connect_device_info(entry: GridmateConfigEntry) -> DeviceInfo:
    """The one device of a Smart Connect entry."""
    host, port = split_host(entry.data[CONF_HOST])
    firmware = entry.runtime_data.info.data
    interface = MeterInterface(entry.data.get(CONF_INTERFACE, MeterInterface.P1))
    return DeviceInfo(
        identifiers={(DOMAIN, entry.data[CONF_SERIAL])},
        manufacturer="Xemex",
        model=SMART_CONNECT_MODELS[interface],
        name=f"Smart Connect {entry.data[CONF_SERIAL]}",
        serial_number=entry.data[CONF_SERIAL],
        sw_version=firmware.version if firmware else None,
        configuration_url=f"http://{host}:{port}" if port else f"http://{host}",
    )
