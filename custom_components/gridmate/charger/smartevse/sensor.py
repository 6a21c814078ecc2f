"""Sensors of a SmartEVSE: state, error, currents, power, energy, and the mains feeding."""

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
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from ...devices.chargers.smartevse import EvseError, SmartEvseState
from ...devices.chargers.smartevse.protocol import STATES
from .const import FeedStatus
from .coordinator import SmartEvseConfigEntry
from .entity import SmartEvseEntity

PARALLEL_UPDATES = 0  # the coordinator does the I/O


@dataclass(frozen=True, kw_only=True)
class SmartEvseSensorEntityDescription(SensorEntityDescription):
    """A value of the charger's state."""

    value_fn: Callable[[SmartEvseState], StateType]


def _ev(value: Callable[[SmartEvseState], float | None]) -> Callable[[SmartEvseState], StateType]:
    """An EV-meter value: unknown when no EV meter is configured (the firmware sends zeros)."""
    return lambda state: value(state) if state.has_ev_meter else None


def _mains(
    value: Callable[[SmartEvseState], float | None],
) -> Callable[[SmartEvseState], StateType]:
    """A mains value: unknown when the charger has no mains meter."""
    return lambda state: value(state) if state.has_mains_meter else None


def _kwh(wh: float | None) -> float | None:
    return None if wh is None else round(wh / 1000.0, 3)


def _phase_sensors(
    prefix: str, attr: str, wrap: Callable[..., Callable[[SmartEvseState], StateType]]
) -> tuple[SmartEvseSensorEntityDescription, ...]:
    return tuple(
        SmartEvseSensorEntityDescription(
            key=f"{prefix}_l{n}",
            translation_key=f"smartevse_{prefix}_phase",
            translation_placeholders={"phase": f"L{n}"},
            device_class=SensorDeviceClass.CURRENT,
            native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            value_fn=wrap(lambda state, n=n: getattr(state, f"{attr}_l{n}")),
        )
        for n in (1, 2, 3)
    )


SENSORS: tuple[SmartEvseSensorEntityDescription, ...] = (
    SmartEvseSensorEntityDescription(
        key="state",
        translation_key="smartevse_state",
        device_class=SensorDeviceClass.ENUM,
        options=[spec.key for spec in STATES],
        value_fn=lambda state: spec.key if (spec := state.state) else None,
    ),
    SmartEvseSensorEntityDescription(
        key="error",
        translation_key="smartevse_error",
        device_class=SensorDeviceClass.ENUM,
        options=[error.value for error in EvseError],
        value_fn=lambda state: state.error.value if state.error else None,
    ),
    SmartEvseSensorEntityDescription(
        key="charge_current",
        translation_key="smartevse_charge_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda state: state.charge_current,
    ),
    SmartEvseSensorEntityDescription(
        key="ev_power",
        translation_key="smartevse_ev_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_ev(lambda state: state.ev_power),
    ),
    SmartEvseSensorEntityDescription(
        key="ev_total_energy",
        translation_key="smartevse_ev_total_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
        value_fn=_ev(lambda state: _kwh(state.ev_total_energy)),
    ),
    SmartEvseSensorEntityDescription(
        key="ev_session_energy",
        translation_key="smartevse_ev_session_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        # Starts again from 0 when a car connects: a new meter cycle for statistics.
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
        value_fn=_ev(lambda state: _kwh(state.ev_session_energy)),
    ),
    *_phase_sensors("ev_current", "ev_current", _ev),
    *_phase_sensors("mains_current", "mains_current", _mains),
    SmartEvseSensorEntityDescription(
        key="phases",
        translation_key="smartevse_phases",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: state.phases,
    ),
    SmartEvseSensorEntityDescription(
        key="solar_stop_timer",
        translation_key="smartevse_solar_stop_timer",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: state.solar_stop_timer,
    ),
    SmartEvseSensorEntityDescription(
        key="temperature",
        translation_key="smartevse_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state: state.temperature,
    ),
    SmartEvseSensorEntityDescription(
        key="home_battery_current",
        translation_key="smartevse_home_battery_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda state: state.home_battery_current,
    ),
)

MAINS_FEED_SENSOR = SensorEntityDescription(
    key="mains_feed",
    translation_key="smartevse_mains_feed",
    device_class=SensorDeviceClass.ENUM,
    options=[status.value for status in FeedStatus],
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartEvseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The charger's sensors, and the feeding status when Gridmate feeds its mains data."""
    entities: list[SensorEntity] = [SmartEvseSensor(entry, description) for description in SENSORS]
    if entry.runtime_data.feeder is not None:
        entities.append(SmartEvseMainsFeedSensor(entry, MAINS_FEED_SENSOR))
    async_add_entities(entities)


class SmartEvseSensor(SmartEvseEntity, SensorEntity):
    """A value the charger reports."""

    entity_description: SmartEvseSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The decoded value; None (unknown) when missing or implausible."""
        return self.entity_description.value_fn(self.state_data)


class SmartEvseMainsFeedSensor(SmartEvseEntity, SensorEntity):
    """Whether Gridmate is feeding the charger fresh mains data right now."""

    async def async_added_to_hass(self) -> None:
        """Follow the feeder's status."""
        await super().async_added_to_hass()
        feeder = self.coordinator.config_entry.runtime_data.feeder
        if feeder is not None:
            self.async_on_remove(feeder.add_listener(self._feeder_updated))

    @callback
    def _feeder_updated(self) -> None:
        self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Independent of the charger's poll: the feeding has its own status."""
        return self.coordinator.config_entry.runtime_data.feeder is not None

    @property
    def native_value(self) -> str | None:
        """The feeder's status."""
        feeder = self.coordinator.config_entry.runtime_data.feeder
        return feeder.status.value if feeder else None
