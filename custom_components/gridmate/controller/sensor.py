"""Sensors: what the controller decides and why, per installation and per charger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfElectricCurrent, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from ..control import Reason
from .const import ControllerStatus
from .entity import ControllerConfigEntry, ControllerEntity
from .runtime import ChargerLink, ControllerRuntime

PHASES = ("L1", "L2", "L3")


class CommandStatus:
    """Values of the per-charger command status sensor (translation keys)."""

    OK = "ok"
    FAILING = "failing"
    UNAVAILABLE = "unavailable"
    OPTIONS = (OK, FAILING, UNAVAILABLE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerSensorDescription(SensorEntityDescription):
    """A controller-wide figure."""

    value_fn: Callable[[ControllerRuntime], StateType]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerSensorDescription(SensorEntityDescription):
    """A per-charger figure."""

    value_fn: Callable[[ControllerRuntime, ChargerLink], StateType]


def _available(phase: int) -> Callable[[ControllerRuntime], StateType]:
    def value(rt: ControllerRuntime) -> StateType:
        if rt.result is None or rt.result.stale:
            return None
        return rt.result.available[phase]

    return value


CONTROLLER_SENSORS: tuple[ControllerSensorDescription, ...] = (
    ControllerSensorDescription(
        key="status",
        translation_key="controller_status",
        device_class=SensorDeviceClass.ENUM,
        options=[status.value for status in ControllerStatus],
        value_fn=lambda rt: rt.status.value,
    ),
    *(
        ControllerSensorDescription(
            key=f"available_current_l{phase + 1}",
            translation_key="controller_available_current_phase",
            translation_placeholders={"phase": PHASES[phase]},
            device_class=SensorDeviceClass.CURRENT,
            native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=1,
            value_fn=_available(phase),
        )
        for phase in range(3)
    ),
    ControllerSensorDescription(
        key="surplus_power",
        translation_key="controller_surplus_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda rt: None if rt.result is None or rt.result.stale else rt.result.surplus_w,
    ),
)


def _target(rt: ControllerRuntime, link: ChargerLink) -> StateType:
    if link.command is None or link.driver is None:
        return None
    return link.driver.capabilities.allowed_limit(link.command.current)


def _actual(rt: ControllerRuntime, link: ChargerLink) -> StateType:
    status = link.status
    if status is None:
        return None
    measured = [c for c in status.currents if c is not None]
    return round(max(measured), 2) if measured else None


def _command_status(rt: ControllerRuntime, link: ChargerLink) -> StateType:
    if link.driver is None:
        return CommandStatus.UNAVAILABLE
    return CommandStatus.FAILING if link.last_error else CommandStatus.OK


CHARGER_SENSORS: tuple[ChargerSensorDescription, ...] = (
    ChargerSensorDescription(
        key="reason",
        translation_key="controller_charger_reason",
        device_class=SensorDeviceClass.ENUM,
        options=[reason.value for reason in Reason],
        value_fn=lambda rt, link: link.command.reason.value if link.command else None,
    ),
    ChargerSensorDescription(
        key="target_current",
        translation_key="controller_charger_target_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_target,
    ),
    ChargerSensorDescription(
        key="actual_current",
        translation_key="controller_charger_actual_current",
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_actual,
    ),
    ChargerSensorDescription(
        key="session_solar_share",
        translation_key="controller_charger_session_solar_share",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda rt, link: (
            None if link.session.solar_share_pct is None else round(link.session.solar_share_pct, 1)
        ),
    ),
    ChargerSensorDescription(
        key="starts_today",
        translation_key="controller_charger_starts_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda rt, link: rt.controls.charger(link.charger_id).starts_today,
    ),
    ChargerSensorDescription(
        key="command_status",
        translation_key="controller_charger_command_status",
        device_class=SensorDeviceClass.ENUM,
        options=list(CommandStatus.OPTIONS),
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_command_status,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ControllerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Controller-wide sensors, then each charger's."""
    runtime = entry.runtime_data
    entities: list[SensorEntity] = [
        ControllerSensor(entry, description) for description in CONTROLLER_SENSORS
    ]
    entities.extend(
        ChargerSensor(entry, description, link)
        for link in runtime.links.values()
        for description in CHARGER_SENSORS
    )
    async_add_entities(entities)


class ControllerSensor(ControllerEntity, SensorEntity):
    """A controller-wide figure."""

    entity_description: ControllerSensorDescription

    def __init__(
        self, entry: ControllerConfigEntry, description: ControllerSensorDescription
    ) -> None:
        """Placeholders (the phase) come from the description."""
        super().__init__(entry, description)
        if description.translation_placeholders:
            self._attr_translation_placeholders = dict(description.translation_placeholders)

    def _snapshot(self) -> Any:
        return (self.available, self.native_value)

    @property
    def native_value(self) -> StateType:
        """The figure of the last step."""
        return self.entity_description.value_fn(self.runtime)


class ChargerSensor(ControllerEntity, SensorEntity):
    """A figure of one charger."""

    entity_description: ChargerSensorDescription

    def __init__(
        self,
        entry: ControllerConfigEntry,
        description: ChargerSensorDescription,
        link: ChargerLink,
    ) -> None:
        """Bind to one charger."""
        super().__init__(entry, description, link)
        self._link = link

    def _snapshot(self) -> Any:
        return (self.available, self.native_value)

    @property
    def native_value(self) -> StateType:
        """The figure of the last step."""
        return self.entity_description.value_fn(self.runtime, self._link)
