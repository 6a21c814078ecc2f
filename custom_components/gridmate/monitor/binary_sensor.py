"""Binary sensors of a monitor: realtime stream, presence, Input module status inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import MonitorConfigEntry
from .device_info import gateway_device, input_module_device
from .entity import MonitorEntity
from .hub import EntityFactories, MonitorHub


@dataclass(frozen=True, kw_only=True)
class MonitorBinarySensorEntityDescription(BinarySensorEntityDescription):
    """An on/off fact of the gateway; None = unknown (unavailable)."""

    value_fn: Callable[[MonitorHub], bool | None]
    always_available: bool = False


def _input_fn(serial: str, number: int) -> Callable[[MonitorHub], bool | None]:
    def value(hub: MonitorHub) -> bool | None:
        current = hub.input_values.get(serial, {}).get(number)
        return current.on if current else None

    return value


def build_binary_sensors(hub: MonitorHub) -> EntityFactories:
    """The realtime-stream sensor, presence once reported, and every status input."""
    gateway = gateway_device(hub)
    wanted: list[tuple[MonitorBinarySensorEntityDescription, DeviceInfo]] = [
        (
            MonitorBinarySensorEntityDescription(
                key="realtime",
                translation_key="monitor_realtime",
                device_class=BinarySensorDeviceClass.CONNECTIVITY,
                entity_category=EntityCategory.DIAGNOSTIC,
                value_fn=lambda hub: hub.fresh,
                always_available=True,
            ),
            gateway,
        )
    ]
    if hub.presence is not None:
        wanted.append(
            (
                MonitorBinarySensorEntityDescription(
                    key="presence",
                    translation_key="monitor_presence",
                    device_class=BinarySensorDeviceClass.OCCUPANCY,
                    value_fn=lambda hub: hub.presence,
                ),
                gateway,
            )
        )
    for module in (hub.input_modules or {}).values():
        device = input_module_device(hub, module)
        for channel in module.inputs:
            if channel.pulse:
                continue
            wanted.append(
                (
                    MonitorBinarySensorEntityDescription(
                        key=f"input_{module.serial_number}_{channel.input}",
                        name=channel.name,
                        value_fn=_input_fn(module.serial_number, channel.input),
                    ),
                    device,
                )
            )
    return {description.key: _factory(hub, description, device) for description, device in wanted}


def _factory(
    hub: MonitorHub, description: MonitorBinarySensorEntityDescription, device: DeviceInfo
) -> Callable[[], Entity]:
    return lambda: MonitorBinarySensor(hub, description, device)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MonitorConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the binary sensors, now and whenever the configuration changes."""
    entry.runtime_data.hub.async_register_platform(
        Platform.BINARY_SENSOR, async_add_entities, build_binary_sensors
    )


class MonitorBinarySensor(MonitorEntity, BinarySensorEntity):
    """An on/off fact."""

    entity_description: MonitorBinarySensorEntityDescription

    def _compute(self) -> Any:
        value = self.entity_description.value_fn(self.hub)
        self._attr_available = self.entity_description.always_available or value is not None
        self._attr_is_on = value
        return self._attr_available, value
