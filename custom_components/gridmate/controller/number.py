"""Numbers: the user's limits and thresholds (one table), kept across restarts by the store.

Fuse, circuit and capacity-cap numbers can only lower what the installation allows (its
options are their maximum); charger minimum/maximum stay within what the charger can do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
from typing import Any

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..const import DOMAIN
from ..devices.chargers.contract import ChargerCapabilities
from .const import IEC_MIN_CURRENT
from .entity import ControllerConfigEntry, ControllerEntity
from .runtime import ChargerLink, ControllerRuntime
from .store import Controls


def _rating_or_none(value: float, rating: float) -> float | None:
    """Store None when the user's value equals the installation's (it then follows it)."""
    return None if math.isclose(value, rating) else value


def _set_main_fuse(rt: ControllerRuntime, value: float) -> None:
    rt.controls.main_fuse = _rating_or_none(value, rt.config.installation.main_fuse)


def _set_circuit(rt: ControllerRuntime, value: float) -> None:
    rating = rt.config.installation.circuit_limit
    rt.controls.circuit_limit = None if rating is None else _rating_or_none(value, rating)


def _set_cap(rt: ControllerRuntime, value: float) -> None:
    rating = rt.config.installation.capacity_cap_kw
    rt.controls.capacity_cap_kw = None if rating is None else _rating_or_none(value, rating)


def _setter(name: str) -> Callable[[ControllerRuntime, float], None]:
    def set_value(rt: ControllerRuntime, value: float) -> None:
        setattr(rt.controls, name, value)

    return set_value


def _getter(name: str) -> Callable[[ControllerRuntime], float | None]:
    def get_value(rt: ControllerRuntime) -> float | None:
        value: float | None = getattr(rt.controls, name)
        return value

    return get_value


def _sum_of_fuses(rt: ControllerRuntime) -> float:
    inst = rt.config.installation
    return inst.main_fuse * inst.phases


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerNumberDescription(NumberEntityDescription):
    """A controller number: where its value lives and its range."""

    value_fn: Callable[[ControllerRuntime], float | None]
    set_fn: Callable[[ControllerRuntime, float], None]
    min_fn: Callable[[ControllerRuntime], float]
    max_fn: Callable[[ControllerRuntime], float]
    exists_fn: Callable[[ControllerRuntime], bool] = lambda rt: True


CONTROLLER_NUMBERS: tuple[ControllerNumberDescription, ...] = (
    ControllerNumberDescription(
        key="main_fuse",
        translation_key="controller_main_fuse",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=lambda rt: rt.main_fuse,
        set_fn=_set_main_fuse,
        min_fn=lambda rt: IEC_MIN_CURRENT,
        max_fn=lambda rt: rt.config.installation.main_fuse,
    ),
    ControllerNumberDescription(
        key="circuit_limit",
        translation_key="controller_circuit_limit",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=lambda rt: rt.circuit_limit,
        set_fn=_set_circuit,
        min_fn=lambda rt: IEC_MIN_CURRENT,
        max_fn=lambda rt: rt.config.installation.circuit_limit or IEC_MIN_CURRENT,
        exists_fn=lambda rt: rt.config.installation.circuit_limit is not None,
    ),
    ControllerNumberDescription(
        key="capacity_cap",
        translation_key="controller_capacity_cap",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        entity_category=EntityCategory.CONFIG,
        mode=NumberMode.BOX,
        native_step=0.1,
        value_fn=lambda rt: rt.capacity_cap_kw,
        set_fn=_set_cap,
        min_fn=lambda rt: math.ceil(IEC_MIN_CURRENT * rt.config.installation.voltage / 100) / 10,
        max_fn=lambda rt: rt.config.installation.capacity_cap_kw or 0.0,
        exists_fn=lambda rt: rt.config.installation.capacity_cap_kw is not None,
    ),
    ControllerNumberDescription(
        key="solar_start_current",
        translation_key="controller_solar_start_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=_getter("start_current"),
        set_fn=_setter("start_current"),
        min_fn=lambda rt: 0.0,
        max_fn=_sum_of_fuses,
    ),
    ControllerNumberDescription(
        key="stop_time",
        translation_key="controller_stop_time",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=_getter("stop_time_min"),
        set_fn=_setter("stop_time_min"),
        min_fn=lambda rt: 0.0,
        max_fn=lambda rt: 60.0,
    ),
    ControllerNumberDescription(
        key="allowed_import",
        translation_key="controller_allowed_import",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        mode=NumberMode.BOX,
        native_step=1,
        value_fn=_getter("allowed_import"),
        set_fn=_setter("allowed_import"),
        min_fn=lambda rt: 0.0,
        max_fn=_sum_of_fuses,
    ),
    ControllerNumberDescription(
        key="green_min_level",
        translation_key="controller_green_min_level",
        native_unit_of_measurement=PERCENTAGE,
        mode=NumberMode.SLIDER,
        native_step=5,
        value_fn=_getter("green_min_level"),
        set_fn=_setter("green_min_level"),
        min_fn=lambda rt: 0.0,
        max_fn=lambda rt: 100.0,
    ),
    ControllerNumberDescription(
        key="min_export_power",
        translation_key="controller_min_export_power",
        device_class=NumberDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        mode=NumberMode.BOX,
        native_step=50,
        value_fn=_getter("min_export_w"),
        set_fn=_setter("min_export_w"),
        min_fn=lambda rt: 0.0,
        max_fn=lambda rt: 10000.0,
    ),
    ControllerNumberDescription(
        key="boost_energy",
        translation_key="controller_boost_energy",
        device_class=NumberDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        mode=NumberMode.BOX,
        native_step=0.5,
        value_fn=_getter("boost_energy_kwh"),
        set_fn=_setter("boost_energy_kwh"),
        min_fn=lambda rt: 0.0,
        max_fn=lambda rt: 100.0,
    ),
)

# Controls of one charger: (key, translation key, field of ChargerControls)
CHARGER_NUMBERS: tuple[NumberEntityDescription, ...] = (
    NumberEntityDescription(
        key="min_current",
        translation_key="controller_charger_min_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        mode=NumberMode.BOX,
        native_step=1,
    ),
    NumberEntityDescription(
        key="max_current",
        translation_key="controller_charger_max_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        mode=NumberMode.BOX,
        native_step=1,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ControllerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The controller's numbers and each charger's minimum and maximum current."""
    runtime = entry.runtime_data
    entities: list[NumberEntity] = [
        ControllerNumber(entry, description)
        for description in CONTROLLER_NUMBERS
        if description.exists_fn(runtime)
    ]
    entities.extend(
        ChargerCurrentNumber(entry, description, link)
        for link in runtime.links.values()
        for description in CHARGER_NUMBERS
    )
    async_add_entities(entities)


class ControllerNumber(ControllerEntity, NumberEntity):
    """One of the controller's limits or thresholds."""

    entity_description: ControllerNumberDescription

    def _snapshot(self) -> Any:
        return (self.available, self.native_value, self.native_max_value)

    @property
    def native_value(self) -> float | None:
        """The value in force."""
        return self.entity_description.value_fn(self.runtime)

    @property
    def native_min_value(self) -> float:
        """The lowest value that makes sense."""
        return self.entity_description.min_fn(self.runtime)

    @property
    def native_max_value(self) -> float:
        """The highest value the installation allows."""
        return self.entity_description.max_fn(self.runtime)

    async def async_set_native_value(self, value: float) -> None:
        """Apply at once and keep it."""
        self.entity_description.set_fn(self.runtime, value)
        self.runtime.controls_changed()


def _caps(link: ChargerLink) -> ChargerCapabilities | None:
    return link.driver.capabilities if link.driver is not None else None


class ChargerCurrentNumber(ControllerEntity, NumberEntity):
    """A charger's minimum or maximum current for the controller (within its capabilities)."""

    def __init__(
        self,
        entry: ControllerConfigEntry,
        description: NumberEntityDescription,
        link: ChargerLink,
    ) -> None:
        """Bind to one charger."""
        super().__init__(entry, description, link)
        self._link = link
        self._is_min = description.key == "min_current"

    @property
    def available(self) -> bool:
        """Only while the charger's driver is there."""
        return self._link.driver is not None

    def _snapshot(self) -> Any:
        return (self.available, self.native_value, self.native_min_value, self.native_max_value)

    @property
    def native_min_value(self) -> float:
        """The charger's own minimum."""
        caps = _caps(self._link)
        return caps.min_current if caps else IEC_MIN_CURRENT

    @property
    def native_max_value(self) -> float:
        """The charger's own maximum."""
        caps = _caps(self._link)
        return caps.max_current if caps else IEC_MIN_CURRENT

    @property
    def native_step(self) -> float:
        """The charger's current step."""
        caps = _caps(self._link)
        return caps.current_step if caps else 1.0

    def _bounds(self, controls: Controls) -> tuple[float, float] | None:
        caps = _caps(self._link)
        if caps is None:
            return None
        own = controls.charger(self._link.charger_id)
        low = min(max(caps.min_current, own.min_current or caps.min_current), caps.max_current)
        high = max(min(caps.max_current, own.max_current or caps.max_current), low)
        return low, high

    @property
    def native_value(self) -> float | None:
        """The minimum or maximum in force."""
        bounds = self._bounds(self.runtime.controls)
        if bounds is None:
            return None
        return bounds[0] if self._is_min else bounds[1]

    async def async_set_native_value(self, value: float) -> None:
        """Keep minimum <= maximum; a value equal to the charger's own follows the charger."""
        bounds = self._bounds(self.runtime.controls)
        caps = _caps(self._link)
        if bounds is None or caps is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="charger_not_available",
                translation_placeholders={"charger": self._link.config.name},
            )
        own = self.runtime.controls.charger(self._link.charger_id)
        if self._is_min:
            if value > bounds[1]:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="min_above_max",
                    translation_placeholders={"minimum": f"{value:g}", "maximum": f"{bounds[1]:g}"},
                )
            own.min_current = None if math.isclose(value, caps.min_current) else value
        else:
            if value < bounds[0]:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="min_above_max",
                    translation_placeholders={"minimum": f"{bounds[0]:g}", "maximum": f"{value:g}"},
                )
            own.max_current = None if math.isclose(value, caps.max_current) else value
        self.runtime.controls_changed()
