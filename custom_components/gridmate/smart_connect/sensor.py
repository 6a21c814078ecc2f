"""Sensors: the Smart Connect's measurements and firmware version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import re
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfReactiveEnergy,
    UnitOfReactivePower,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from ..devices.smart_connect.http_api import FirmwareInfo
from ..devices.smart_connect.registers import REGISTERS, Quantity, Register
from ..entity import GridmateEntity
from .coordinator import SmartConnectConfigEntry, SmartConnectData
from .entity import smart_connect_device_info

# Coordinators do the I/O; entities only read their data.


@dataclass(frozen=True, slots=True, kw_only=True)
class QuantityPresentation:
    """How Home Assistant shows one kind of register."""

    device_class: SensorDeviceClass | None
    unit: str | None
    state_class: SensorStateClass
    precision: int | None


PRESENTATION: dict[Quantity, QuantityPresentation] = {
    Quantity.VOLTAGE: QuantityPresentation(
        device_class=SensorDeviceClass.VOLTAGE,
        unit=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        precision=1,
    ),
    Quantity.CURRENT: QuantityPresentation(
        device_class=SensorDeviceClass.CURRENT,
        unit=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        precision=2,
    ),
    Quantity.ACTIVE_POWER: QuantityPresentation(
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        precision=0,
    ),
    Quantity.REACTIVE_POWER: QuantityPresentation(
        device_class=SensorDeviceClass.REACTIVE_POWER,
        unit=UnitOfReactivePower.VOLT_AMPERE_REACTIVE,
        state_class=SensorStateClass.MEASUREMENT,
        precision=0,
    ),
    Quantity.APPARENT_POWER: QuantityPresentation(
        device_class=SensorDeviceClass.APPARENT_POWER,
        unit=UnitOfApparentPower.VOLT_AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        precision=0,
    ),
    Quantity.POWER_FACTOR: QuantityPresentation(
        device_class=SensorDeviceClass.POWER_FACTOR,
        unit=None,
        state_class=SensorStateClass.MEASUREMENT,
        precision=2,
    ),
    Quantity.ACTIVE_ENERGY: QuantityPresentation(
        device_class=SensorDeviceClass.ENERGY,
        unit=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        precision=3,
    ),
    Quantity.REACTIVE_ENERGY: QuantityPresentation(
        device_class=SensorDeviceClass.REACTIVE_ENERGY,
        unit=UnitOfReactiveEnergy.VOLT_AMPERE_REACTIVE_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        precision=0,
    ),
    Quantity.COUNT: QuantityPresentation(
        device_class=None, unit=None, state_class=SensorStateClass.TOTAL_INCREASING, precision=0
    ),
}

# What a Smart Connect owner wants on a dashboard by default; the rest is one click away.
ENABLED_BY_DEFAULT = frozenset(
    {
        "voltage_l1",
        "voltage_l2",
        "voltage_l3",
        "current_l1",
        "current_l2",
        "current_l3",
        "active_power",
        "active_power_l1",
        "active_power_l2",
        "active_power_l3",
        "energy_import",
        "energy_export",
        "voltage_interruptions",
        "long_voltage_interruptions",
    }
)
DIAGNOSTIC_QUANTITIES = frozenset({Quantity.COUNT})

_PHASE_SUFFIX = re.compile(r"_l([123])$")
_QUADRANT_SUFFIX = re.compile(r"_q([1234])$")


@dataclass(frozen=True, kw_only=True)
class SmartConnectSensorEntityDescription(SensorEntityDescription):
    """A measurement read from one register."""

    value_fn: Callable[[SmartConnectData], StateType]
    register: Register


@dataclass(frozen=True, kw_only=True)
class SmartConnectInfoSensorEntityDescription(SensorEntityDescription):
    """A value from the HTTP API's firmware information."""

    value_fn: Callable[[FirmwareInfo], StateType]


def _value_fn(register: Register) -> Callable[[SmartConnectData], StateType]:
    key = register.key
    if register.quantity is Quantity.COUNT:

        def count(data: SmartConnectData) -> StateType:
            value = data.reading.values.get(key)
            return None if value is None else round(value)

        return count
    return lambda data: data.reading.values.get(key)


def _describe(register: Register) -> SmartConnectSensorEntityDescription:
    """Build the entity description of a register from its quantity and key."""
    style = PRESENTATION[register.quantity]
    translation_key = register.key
    placeholders: dict[str, str] = {}
    if match := _PHASE_SUFFIX.search(register.key):
        translation_key = register.key[: match.start()] + "_phase"
        placeholders["phase"] = f"L{match.group(1)}"
    elif match := _QUADRANT_SUFFIX.search(register.key):
        translation_key = register.key[: match.start()] + "_quadrant"
        placeholders["quadrant"] = f"Q{match.group(1)}"
    return SmartConnectSensorEntityDescription(
        key=register.key,
        translation_key=translation_key,
        translation_placeholders=placeholders or None,
        device_class=style.device_class,
        native_unit_of_measurement=style.unit,
        state_class=style.state_class,
        suggested_display_precision=style.precision,
        entity_category=(
            EntityCategory.DIAGNOSTIC if register.quantity in DIAGNOSTIC_QUANTITIES else None
        ),
        entity_registry_enabled_default=register.key in ENABLED_BY_DEFAULT,
        value_fn=_value_fn(register),
        register=register,
    )


SMART_CONNECT_SENSORS: tuple[SmartConnectSensorEntityDescription, ...] = tuple(
    _describe(register) for register in REGISTERS
)

SMART_CONNECT_INFO_SENSORS: tuple[SmartConnectInfoSensorEntityDescription, ...] = (
    SmartConnectInfoSensorEntityDescription(
        key="firmware_version",
        translation_key="firmware_version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda info: info.version,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartConnectConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create sensors for the registers this device answers."""
    runtime = entry.runtime_data
    device = smart_connect_device_info(entry)
    plan = runtime.meter.plan
    supported = plan.keys if plan else frozenset()
    entities: list[SensorEntity] = [
        SmartConnectSensor(
            entry=entry, coordinator=runtime.meter, description=description, device_info=device
        )
        for description in SMART_CONNECT_SENSORS
        if description.key in supported
    ]
    entities.extend(
        SmartConnectInfoSensor(
            entry=entry, coordinator=runtime.info, description=description, device_info=device
        )
        for description in SMART_CONNECT_INFO_SENSORS
    )
    async_add_entities(entities)


class SmartConnectSensor(GridmateEntity[Any], SensorEntity):
    """A Smart Connect measurement."""

    entity_description: SmartConnectSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The decoded register value; None (unknown) when missing or implausible."""
        data: SmartConnectData = self.coordinator.data
        return self.entity_description.value_fn(data)


class SmartConnectInfoSensor(GridmateEntity[Any], SensorEntity):
    """A Smart Connect firmware fact."""

    entity_description: SmartConnectInfoSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The value from the last firmware poll."""
        info: FirmwareInfo = self.coordinator.data
        return self.entity_description.value_fn(info)
