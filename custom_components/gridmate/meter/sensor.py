"""Sensors of a Modbus meter: one per quantity its profile provides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from ..const import DOMAIN
from ..devices.meters.decode import MeterReading
from ..devices.meters.profiles import CUSTOM_PROFILE_ID, Kind, Measurand
from ..entity import GridmateEntity
from .coordinator import MeterConfigEntry, MeterCoordinator

PARALLEL_UPDATES = 0  # coordinator-driven


@dataclass(frozen=True, slots=True, kw_only=True)
class KindPresentation:
    """How Home Assistant shows one physical kind of quantity."""

    device_class: SensorDeviceClass
    unit: str | None
    state_class: SensorStateClass
    precision: int
    factor: float = 1.0  # decoder SI unit -> shown unit (Wh -> kWh)


PRESENTATION: dict[Kind, KindPresentation] = {
    Kind.VOLTAGE: KindPresentation(
        device_class=SensorDeviceClass.VOLTAGE,
        unit=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        precision=1,
    ),
    Kind.CURRENT: KindPresentation(
        device_class=SensorDeviceClass.CURRENT,
        unit=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        precision=2,
    ),
    Kind.POWER: KindPresentation(
        device_class=SensorDeviceClass.POWER,
        unit=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        precision=0,
    ),
    Kind.ENERGY: KindPresentation(
        device_class=SensorDeviceClass.ENERGY,
        unit=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        precision=3,
        factor=0.001,
    ),
    Kind.FREQUENCY: KindPresentation(
        device_class=SensorDeviceClass.FREQUENCY,
        unit=UnitOfFrequency.HERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        precision=2,
    ),
    Kind.POWER_FACTOR: KindPresentation(
        device_class=SensorDeviceClass.POWER_FACTOR,
        unit=None,
        state_class=SensorStateClass.MEASUREMENT,
        precision=2,
    ),
}


@dataclass(frozen=True, kw_only=True)
class MeterSensorEntityDescription(SensorEntityDescription):
    """One quantity of a meter."""

    measurand: Measurand
    value_fn: Callable[[MeterReading], StateType]


def _value_fn(measurand: Measurand, factor: float) -> Callable[[MeterReading], StateType]:
    def value(reading: MeterReading) -> StateType:
        raw = reading.get(measurand)
        return None if raw is None else raw * factor

    return value


def _describe(measurand: Measurand) -> MeterSensorEntityDescription:
    style = PRESENTATION[measurand.kind]
    if measurand.phase is not None:
        translation_key = f"meter_{measurand.value[:-3]}_phase"
        placeholders: dict[str, str] | None = {"phase": f"L{measurand.phase}"}
    else:
        translation_key = f"meter_{measurand.value}"
        placeholders = None
    return MeterSensorEntityDescription(
        key=measurand.value,
        translation_key=translation_key,
        translation_placeholders=placeholders,
        device_class=style.device_class,
        native_unit_of_measurement=style.unit,
        state_class=style.state_class,
        suggested_display_precision=style.precision,
        measurand=measurand,
        value_fn=_value_fn(measurand, style.factor),
    )


# Every quantity a profile can provide, in the table's order; a meter gets those it has.
METER_SENSORS: tuple[MeterSensorEntityDescription, ...] = tuple(_describe(m) for m in Measurand)


def meter_device_info(entry: MeterConfigEntry) -> DeviceInfo:
    """The one device of a meter entry: its model, named like the entry (model and role)."""
    profile = entry.runtime_data.profile
    custom = profile.id == CUSTOM_PROFILE_ID
    return DeviceInfo(
        identifiers={(DOMAIN, str(entry.unique_id))},
        manufacturer=None if custom else profile.vendor,
        model=None if custom else profile.model,
        model_id=profile.id,
        name=entry.title,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One sensor per quantity the meter's profile provides."""
    runtime = entry.runtime_data
    provided = set(runtime.profile.measurands)
    device = meter_device_info(entry)
    async_add_entities(
        MeterSensor(
            entry=entry,
            coordinator=runtime.coordinator,
            description=description,
            device_info=device,
        )
        for description in METER_SENSORS
        if description.measurand in provided
    )


class MeterSensor(GridmateEntity[MeterCoordinator], SensorEntity):
    """A measured quantity; unknown when the meter sent NaN, a not-available marker or nonsense."""

    entity_description: MeterSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The value of the last successful poll."""
        data = self.coordinator.data
        return self.entity_description.value_fn(data.reading) if data else None
