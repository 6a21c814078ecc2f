"""Binary sensors of a SmartEVSE: vehicle connected, charging."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...devices.chargers.smartevse import SmartEvseState
from .coordinator import SmartEvseConfigEntry
from .entity import SmartEvseEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartEvseBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A yes/no fact of the charger's state."""

    value_fn: Callable[[SmartEvseState], bool | None]


BINARY_SENSORS: tuple[SmartEvseBinarySensorEntityDescription, ...] = (
    SmartEvseBinarySensorEntityDescription(
        key="car_connected",
        translation_key="smartevse_car_connected",
        device_class=BinarySensorDeviceClass.PLUG,
        value_fn=lambda state: state.car_connected,
    ),
    SmartEvseBinarySensorEntityDescription(
        key="charging",
        translation_key="smartevse_charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=lambda state: state.charging,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartEvseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The charger's binary sensors."""
    async_add_entities(SmartEvseBinarySensor(entry, d) for d in BINARY_SENSORS)


class SmartEvseBinarySensor(SmartEvseEntity, BinarySensorEntity):
    """A yes/no fact of the charger."""

    entity_description: SmartEvseBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The fact; None (unknown) when not reported."""
        return self.entity_description.value_fn(self.state_data)
