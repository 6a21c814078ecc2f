"""Sensors: the Smart Connect's measurements, telegram values, device counters and firmware.

- measurements: one per register key (`registers.py`), fed by Modbus or MQTT alike, plus the
  line-to-line voltages only MQTT carries;
- telegram values (`telegram.TELEGRAM_FIELDS`): created only for what the user's telegram
  contains, when it first contains it; the gas meter is a device of its own, linked to the
  Smart Connect with `via_device`;
- device counters (`mqtt.COUNTER_FIELDS`): diagnostics that only the MQTT transport delivers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
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
    UnitOfInformation,
    UnitOfPower,
    UnitOfReactiveEnergy,
    UnitOfReactivePower,
    UnitOfTime,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from ..devices.smart_connect.http_api import FirmwareInfo
from ..devices.smart_connect.mqtt import COUNTER_FIELDS, LINE_VOLTAGE_FIELDS, CounterField
from ..devices.smart_connect.registers import REGISTERS, Quantity, Register
from ..devices.smart_connect.telegram import (
    TELEGRAM_FIELDS,
    P1Telegram,
    Specification,
    TelegramField,
    TelegramValue,
)
from ..entity import GridmateEntity
from .coordinator import SmartConnectConfigEntry, SmartConnectData, TelegramData
from .entity import gas_meter_device_info, smart_connect_device_info

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


def _line_voltage(field_key: str, label: str) -> SmartConnectSensorEntityDescription:
    register = Register(
        key=field_key, address=-1, quantity=Quantity.VOLTAGE, description=f"Voltage {label}"
    )
    return SmartConnectSensorEntityDescription(
        key=field_key,
        translation_key="smart_connect_line_voltage",
        translation_placeholders={"phases": label},
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=_value_fn(register),
        register=register,
    )


# Only MQTT carries them: "voltage_l1_l2" is shown as "Voltage L1-L2".
LINE_VOLTAGE_SENSORS: tuple[SmartConnectSensorEntityDescription, ...] = tuple(
    _line_voltage(field.key, "-".join(field.key.removeprefix("voltage_").upper().split("_")))
    for field in LINE_VOLTAGE_FIELDS
)


@dataclass(frozen=True, kw_only=True)
class SmartConnectCounterSensorEntityDescription(SensorEntityDescription):
    """A value of the device_counters message."""


_COUNTERS_ENABLED = frozenset(
    {"uptime", "telegrams_pass", "telegrams_fail", "telegrams_frame_fail", "mqtt_send_fail"}
)


def _describe_counter(field: CounterField) -> SmartConnectCounterSensorEntityDescription:
    if field.unit == "s":
        return SmartConnectCounterSensorEntityDescription(
            key=field.key,
            translation_key=f"smart_connect_{field.key}",
            device_class=SensorDeviceClass.DURATION,
            native_unit_of_measurement=UnitOfTime.SECONDS,
            suggested_unit_of_measurement=UnitOfTime.HOURS,
            suggested_display_precision=1,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=field.key in _COUNTERS_ENABLED,
        )
    if field.unit == "B":
        return SmartConnectCounterSensorEntityDescription(
            key=field.key,
            translation_key=f"smart_connect_{field.key}",
            device_class=SensorDeviceClass.DATA_SIZE,
            native_unit_of_measurement=UnitOfInformation.BYTES,
            state_class=SensorStateClass.MEASUREMENT,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=field.key in _COUNTERS_ENABLED,
        )
    return SmartConnectCounterSensorEntityDescription(
        key=field.key,
        translation_key=f"smart_connect_{field.key}",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=field.key in _COUNTERS_ENABLED,
    )


COUNTER_SENSORS: tuple[SmartConnectCounterSensorEntityDescription, ...] = tuple(
    _describe_counter(field) for field in COUNTER_FIELDS
)

# Keys whose entities exist only with the MQTT transport (removed when an entry switches to
# Modbus, so no orphan stays behind).
MQTT_ONLY_ENTITY_KEYS = frozenset(
    [d.key for d in LINE_VOLTAGE_SENSORS] + [d.key for d in COUNTER_SENSORS]
)

type TelegramState = StateType | datetime


@dataclass(frozen=True, kw_only=True)
class SmartConnectTelegramSensorEntityDescription(SensorEntityDescription):
    """A value of the raw P1 telegram."""

    value_fn: Callable[[P1Telegram], TelegramState]
    exists_fn: Callable[[P1Telegram], bool]
    gas_meter: bool = False


ACTIVE_TARIFFS = ["1", "2", "3", "4"]


def _tariff(value: Any) -> str | None:
    return str(value) if isinstance(value, int) and str(value) in ACTIVE_TARIFFS else None


def _field_value(key: str) -> Callable[[P1Telegram], TelegramState]:
    def value(telegram: P1Telegram) -> TelegramState:
        return telegram.values.get(key)

    return value


def _describe_telegram_field(field: TelegramField) -> SmartConnectTelegramSensorEntityDescription:
    """The entity of one telegram field, from its kind of value."""
    key = field.key
    common: dict[str, Any] = {
        "key": key,
        "translation_key": f"smart_connect_{key}",
        "exists_fn": lambda telegram: key in telegram.values,
        "value_fn": _field_value(key),
    }
    if field.value is TelegramValue.ENERGY:
        direction, tariff = key.removeprefix("energy_").split("_tariff_")
        common["translation_key"] = f"smart_connect_energy_{direction}_tariff"
        common["translation_placeholders"] = {"tariff": tariff}
        return SmartConnectTelegramSensorEntityDescription(
            **common,
            device_class=SensorDeviceClass.ENERGY,
            native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
            state_class=SensorStateClass.TOTAL_INCREASING,
            suggested_display_precision=3,
        )
    if field.value is TelegramValue.POWER:
        return SmartConnectTelegramSensorEntityDescription(
            **common,
            device_class=SensorDeviceClass.POWER,
            native_unit_of_measurement=UnitOfPower.KILO_WATT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=3,
        )
    if field.value is TelegramValue.TARIFF:
        common["value_fn"] = lambda telegram: _tariff(telegram.values.get(key))
        return SmartConnectTelegramSensorEntityDescription(
            **common, device_class=SensorDeviceClass.ENUM, options=ACTIVE_TARIFFS
        )
    diagnostic = key not in ("peak_demand_month_time",)
    category = EntityCategory.DIAGNOSTIC if diagnostic else None
    if field.value is TelegramValue.TIMESTAMP:
        return SmartConnectTelegramSensorEntityDescription(
            **common, device_class=SensorDeviceClass.TIMESTAMP, entity_category=category
        )
    if field.value is TelegramValue.DURATION:
        return SmartConnectTelegramSensorEntityDescription(
            **common,
            device_class=SensorDeviceClass.DURATION,
            native_unit_of_measurement=UnitOfTime.SECONDS,
            entity_category=category,
        )
    return SmartConnectTelegramSensorEntityDescription(**common, entity_category=category)


TELEGRAM_SENSORS: tuple[SmartConnectTelegramSensorEntityDescription, ...] = (
    *(_describe_telegram_field(field) for field in TELEGRAM_FIELDS),
    SmartConnectTelegramSensorEntityDescription(
        key="telegram_specification",
        translation_key="smart_connect_telegram_specification",
        device_class=SensorDeviceClass.ENUM,
        options=[spec.value for spec in Specification],
        entity_category=EntityCategory.DIAGNOSTIC,
        exists_fn=lambda telegram: True,
        value_fn=lambda telegram: telegram.specification.value,
    ),
    SmartConnectTelegramSensorEntityDescription(
        key="gas_consumption",
        translation_key="smart_connect_gas_consumption",
        device_class=SensorDeviceClass.GAS,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        gas_meter=True,
        exists_fn=lambda telegram: telegram.gas is not None,
        value_fn=lambda telegram: telegram.gas.value_m3 if telegram.gas else None,
    ),
    SmartConnectTelegramSensorEntityDescription(
        key="gas_measured_at",
        translation_key="smart_connect_gas_measured_at",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        gas_meter=True,
        exists_fn=lambda telegram: telegram.gas is not None,
        value_fn=lambda telegram: telegram.gas.measured_at if telegram.gas else None,
    ),
)


def _remove_other_transport_entities(hass: HomeAssistant, entry: SmartConnectConfigEntry) -> None:
    """Drop MQTT-only entities of an entry that now reads over Modbus."""
    registry = er.async_get(hass)
    stale = {f"{entry.unique_id}_{key}" for key in MQTT_ONLY_ENTITY_KEYS}
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain == "sensor" and entity.unique_id in stale:
            registry.async_remove(entity.entity_id)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartConnectConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create sensors for the values this device delivers."""
    runtime = entry.runtime_data
    device = smart_connect_device_info(entry)
    supported = runtime.meter.supported_keys
    entities: list[SensorEntity] = [
        SmartConnectSensor(
            entry=entry, coordinator=runtime.meter, description=description, device_info=device
        )
        for description in (*SMART_CONNECT_SENSORS, *LINE_VOLTAGE_SENSORS)
        if description.key in supported
    ]
    entities.extend(
        SmartConnectInfoSensor(
            entry=entry, coordinator=runtime.info, description=description, device_info=device
        )
        for description in SMART_CONNECT_INFO_SENSORS
    )
    if runtime.counters is not None:
        entities.extend(
            SmartConnectCounterSensor(
                entry=entry,
                coordinator=runtime.counters,
                description=description,
                device_info=device,
            )
            for description in COUNTER_SENSORS
        )
    else:
        _remove_other_transport_entities(hass, entry)
    async_add_entities(entities)

    telegram = runtime.telegram
    if telegram is None:
        return
    # Gas meters hang below the Smart Connect: its device must exist before theirs.
    parent = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device)
    gas_device: DeviceInfo | None = None

    def device_of(description: SmartConnectTelegramSensorEntityDescription) -> DeviceInfo:
        nonlocal gas_device
        gas = telegram.data.telegram.gas if telegram.data and telegram.data.telegram else None
        if not description.gas_meter or gas is None:
            return device
        if gas_device is None:
            gas_device = gas_meter_device_info(entry, gas, parent.id)
        return gas_device

    added: set[str] = set()

    @callback
    def add_telegram_entities() -> None:
        """Add the entities of values the telegram contains now and did not before."""
        data: TelegramData | None = telegram.data
        if data is None or data.telegram is None:
            return
        new: list[SensorEntity] = []
        for description in TELEGRAM_SENSORS:
            if description.key in added or not description.exists_fn(data.telegram):
                continue
            added.add(description.key)
            new.append(
                SmartConnectTelegramSensor(
                    entry=entry,
                    coordinator=telegram,
                    description=description,
                    device_info=device_of(description),
                )
            )
        if new:
            async_add_entities(new)

    add_telegram_entities()
    entry.async_on_unload(telegram.async_add_listener(add_telegram_entities))


class SmartConnectSensor(GridmateEntity[Any], SensorEntity):
    """A Smart Connect measurement (from Modbus or MQTT)."""

    entity_description: SmartConnectSensorEntityDescription

    @property
    def available(self) -> bool:
        """Unavailable until the first reading and while the transport reports failure."""
        return super().available and self.coordinator.data is not None

    @property
    def native_value(self) -> StateType:
        """The decoded value; None (unknown) when missing or implausible."""
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


class SmartConnectCounterSensor(GridmateEntity[Any], SensorEntity):
    """A device_counters value (MQTT only)."""

    entity_description: SmartConnectCounterSensorEntityDescription

    @property
    def available(self) -> bool:
        """Available once a counters message arrived."""
        return super().available and self.coordinator.data is not None

    @property
    def native_value(self) -> StateType:
        """The counter from the last device_counters message."""
        counters: dict[str, int | None] = self.coordinator.data
        return counters.get(self.entity_description.key)


class SmartConnectTelegramSensor(GridmateEntity[Any], SensorEntity):
    """A value of the raw P1 telegram."""

    entity_description: SmartConnectTelegramSensorEntityDescription

    @property
    def available(self) -> bool:
        """Available while there is a good telegram."""
        data: TelegramData | None = self.coordinator.data
        return super().available and data is not None and data.telegram is not None

    @property
    def native_value(self) -> StateType | datetime:
        """The value in the newest good telegram."""
        data: TelegramData = self.coordinator.data
        assert data.telegram is not None
        return self.entity_description.value_fn(data.telegram)
