"""Sensors of an OCPP charger: status, error, measurements, sessions and diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
import re

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from ...devices.chargers.ocpp.charge_point import ChargePointSnapshot
from ...devices.chargers.ocpp.infinergi import CONNECTOR_STATES, INFINERGI_ERRORS
from .coordinator import OcppConfigEntry
from .entity import OcppEntity

PARALLEL_UPDATES = 0  # pushed, nothing to poll

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """An OCPP enumeration value as a translation key: SuspendedEVSE -> suspended_evse."""
    return _CAMEL.sub("_", name).lower()


STATUS_OPTIONS = [snake(state.status) for state in CONNECTOR_STATES]
OCPP_ERROR_CODES = (
    "ConnectorLockFailure",
    "EVCommunicationError",
    "GroundFailure",
    "HighTemperature",
    "InternalError",
    "LocalListConflict",
    "OtherError",
    "OverCurrentFailure",
    "OverVoltage",
    "PowerMeterFailure",
    "PowerSwitchFailure",
    "ReaderFailure",
    "ResetFailure",
    "UnderVoltage",
    "WeakSignal",
)
ERROR_OPTIONS = [
    "no_error",
    *(error.code.lower() for error in INFINERGI_ERRORS),
    *(snake(code) for code in OCPP_ERROR_CODES),
]


def _status(snap: ChargePointSnapshot) -> StateType:
    value = snake(snap.status) if snap.status else None
    return value if value in STATUS_OPTIONS else None


def _error(snap: ChargePointSnapshot) -> StateType:
    if snap.infinergi_error is not None:
        return snap.infinergi_error.code.lower()
    if snap.error_code is None:
        return "no_error" if snap.status is not None else None
    value = snake(snap.error_code)
    return value if value in ERROR_OPTIONS else "other_error"


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else wh / 1000


def _phase(
    values: Callable[[ChargePointSnapshot], tuple[float | None, ...]], index: int
) -> Callable[[ChargePointSnapshot], StateType]:
    return lambda snap: values(snap)[index]


@dataclass(frozen=True, kw_only=True)
class OcppSensorEntityDescription(SensorEntityDescription):
    """A value of the charge point's snapshot."""

    value_fn: Callable[[ChargePointSnapshot], StateType | datetime]
    # Shown even without a connection (e.g. the last session's energy).
    offline_ok: bool = False


def _currents(snap: ChargePointSnapshot) -> tuple[float | None, ...]:
    return snap.measurements.currents


def _voltages(snap: ChargePointSnapshot) -> tuple[float | None, ...]:
    return snap.measurements.voltages


SENSORS: tuple[OcppSensorEntityDescription, ...] = (
    OcppSensorEntityDescription(
        key="status",
        translation_key="ocpp_status",
        device_class=SensorDeviceClass.ENUM,
        options=STATUS_OPTIONS,
        value_fn=_status,
    ),
    OcppSensorEntityDescription(
        key="error",
        translation_key="ocpp_error",
        device_class=SensorDeviceClass.ENUM,
        options=ERROR_OPTIONS,
        value_fn=_error,
    ),
    OcppSensorEntityDescription(
        key="power",
        translation_key="ocpp_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda snap: snap.measurements.power_w,
    ),
    OcppSensorEntityDescription(
        key="energy",
        translation_key="ocpp_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        value_fn=lambda snap: _kwh(snap.measurements.energy_wh),
        offline_ok=True,
    ),
    OcppSensorEntityDescription(
        key="session_energy",
        translation_key="ocpp_session_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
        value_fn=lambda snap: _kwh(snap.session_energy_wh),
        offline_ok=True,
    ),
    OcppSensorEntityDescription(
        key="session_duration",
        translation_key="ocpp_session_duration",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        value_fn=lambda snap: snap.session_duration_s(dt_util.utcnow()),
        offline_ok=True,
    ),
    *(
        OcppSensorEntityDescription(
            key=f"current_l{index + 1}",
            translation_key="ocpp_current_phase",
            translation_placeholders={"phase": f"L{index + 1}"},
            device_class=SensorDeviceClass.CURRENT,
            native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            value_fn=_phase(_currents, index),
        )
        for index in range(3)
    ),
    *(
        OcppSensorEntityDescription(
            key=f"voltage_l{index + 1}",
            translation_key="ocpp_voltage_phase",
            translation_placeholders={"phase": f"L{index + 1}"},
            device_class=SensorDeviceClass.VOLTAGE,
            native_unit_of_measurement=UnitOfElectricPotential.VOLT,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            entity_registry_enabled_default=False,
            value_fn=_phase(_voltages, index),
        )
        for index in range(3)
    ),
    OcppSensorEntityDescription(
        key="applied_limit",
        translation_key="ocpp_applied_limit",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda snap: snap.applied_limit,
    ),
    OcppSensorEntityDescription(
        key="current_offered",
        translation_key="ocpp_current_offered",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda snap: snap.measurements.current_offered,
    ),
    OcppSensorEntityDescription(
        key="soc",
        translation_key="ocpp_soc",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda snap: snap.measurements.soc_pct if snap.transaction else None,
    ),
    OcppSensorEntityDescription(
        key="temperature",
        translation_key="ocpp_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snap: snap.measurements.temperature_c,
    ),
    OcppSensorEntityDescription(
        key="last_heartbeat",
        translation_key="ocpp_last_heartbeat",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda snap: snap.last_heartbeat,
        offline_ok=True,
    ),
    OcppSensorEntityDescription(
        key="id_tag",
        translation_key="ocpp_id_tag",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snap: snap.transaction.id_tag if snap.transaction else None,
    ),
    OcppSensorEntityDescription(
        key="last_refused_tag",
        translation_key="ocpp_last_refused_tag",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda snap: snap.last_refused_tag,
        offline_ok=True,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every sensor of the charge point."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OcppSensor(entry, coordinator, description) for description in SENSORS)


class OcppSensor(OcppEntity, SensorEntity):
    """A value from the charge point's last snapshot."""

    entity_description: OcppSensorEntityDescription

    @property
    def native_value(self) -> StateType | datetime:
        """The value; None (unknown) when the charger has not sent it."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def available(self) -> bool:
        """Connected, or a value that stays true while away (energy, sessions)."""
        if self.entity_description.offline_ok:
            return self.coordinator.last_update_success
        return super().available
