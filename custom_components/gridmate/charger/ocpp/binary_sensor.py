"""Binary sensors of an OCPP charger: connection, vehicle plugged in, charging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...devices.chargers.ocpp.charge_point import ChargePointSnapshot
from ...devices.chargers.ocpp.infinergi import STATES_BY_STATUS
from .coordinator import OcppConfigEntry
from .entity import OcppEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class OcppBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A yes/no of the charge point's snapshot."""

    is_on_fn: Callable[[ChargePointSnapshot], bool | None]
    always_available: bool = False


def _plugged(snap: ChargePointSnapshot) -> bool | None:
    state = STATES_BY_STATUS.get(snap.status or "")
    return state.vehicle_connected if state else None


BINARY_SENSORS: tuple[OcppBinarySensorEntityDescription, ...] = (
    OcppBinarySensorEntityDescription(
        key="connected",
        translation_key="ocpp_connected",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda snap: snap.online,
        always_available=True,
    ),
    OcppBinarySensorEntityDescription(
        key="plugged",
        translation_key="ocpp_plugged",
        device_class=BinarySensorDeviceClass.PLUG,
        is_on_fn=_plugged,
    ),
    OcppBinarySensorEntityDescription(
        key="charging",
        translation_key="ocpp_charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        is_on_fn=lambda snap: None if snap.status is None else snap.status == "Charging",
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every binary sensor of the charge point."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        OcppBinarySensor(entry, coordinator, description) for description in BINARY_SENSORS
    )


class OcppBinarySensor(OcppEntity, BinarySensorEntity):
    """A state of the charge point."""

    entity_description: OcppBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """On, off, or unknown."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    @property
    def available(self) -> bool:
        """The connection sensor is always there; the others need the connection."""
        if self.entity_description.always_available:
            return self.coordinator.last_update_success
        return super().available
