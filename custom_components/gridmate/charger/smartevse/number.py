"""Number entities of a SmartEVSE: override current, solar settings, capacity limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...const import DOMAIN
from ...devices.chargers.smartevse import SmartEvse, SmartEvseState
from ...devices.chargers.smartevse.protocol import (
    MAX_SUM_MAINS_RANGE,
    SOLAR_CURRENT_RANGE,
    SOLAR_STOP_TIME_RANGE,
)
from .coordinator import SmartEvseConfigEntry
from .entity import SmartEvseEntity, smartevse_command

PARALLEL_UPDATES = 1  # one command at a time: the charger's web server is small


@dataclass(frozen=True, kw_only=True)
class SmartEvseNumberEntityDescription(NumberEntityDescription):
    """A setting of the charger as a number."""

    value_fn: Callable[[SmartEvseState], float | None]
    set_fn: Callable[[SmartEvse, float], Awaitable[None]]
    # The highest value the charger takes now (its MAX setting); None = the static maximum.
    max_fn: Callable[[SmartEvseState], float | None] | None = None
    # The translated reason the charger would refuse `value`, checked before sending.
    check_fn: Callable[[SmartEvseState, float], str | None] | None = None


def _check_override(state: SmartEvseState, value: float) -> str | None:
    if value == 0:
        return None
    low = state.current_min if state.current_min is not None else 6.0
    if value < low:
        return "smartevse_override_below_min"
    return None


def _check_max_sum_mains(_state: SmartEvseState, value: float) -> str | None:
    return "smartevse_max_sum_mains_range" if 0 < value < MAX_SUM_MAINS_RANGE[0] else None


NUMBERS: tuple[SmartEvseNumberEntityDescription, ...] = (
    SmartEvseNumberEntityDescription(
        key="override_current",
        translation_key="smartevse_override_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=0,
        native_max_value=80,
        native_step=0.1,
        mode=NumberMode.BOX,
        value_fn=lambda state: state.override_current,
        set_fn=lambda driver, value: driver.set_override_current(value),
        max_fn=lambda state: state.current_max,
        check_fn=_check_override,
    ),
    SmartEvseNumberEntityDescription(
        key="solar_start_current",
        translation_key="smartevse_solar_start_current",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=SOLAR_CURRENT_RANGE[0],
        native_max_value=SOLAR_CURRENT_RANGE[1],
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda state: state.solar_start_current,
        set_fn=lambda driver, value: driver.set_solar_start_current(round(value)),
    ),
    SmartEvseNumberEntityDescription(
        key="solar_max_import",
        translation_key="smartevse_solar_max_import",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=SOLAR_CURRENT_RANGE[0],
        native_max_value=SOLAR_CURRENT_RANGE[1],
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda state: state.solar_max_import,
        set_fn=lambda driver, value: driver.set_solar_max_import(round(value)),
    ),
    SmartEvseNumberEntityDescription(
        key="solar_stop_time",
        translation_key="smartevse_solar_stop_time",
        device_class=NumberDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        native_min_value=SOLAR_STOP_TIME_RANGE[0],
        native_max_value=SOLAR_STOP_TIME_RANGE[1],
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda state: state.solar_stop_time,
        set_fn=lambda driver, value: driver.set_solar_stop_time(round(value)),
    ),
    SmartEvseNumberEntityDescription(
        key="max_sum_mains",
        translation_key="smartevse_max_sum_mains",
        device_class=NumberDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        native_min_value=0,
        native_max_value=MAX_SUM_MAINS_RANGE[1],
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda state: state.current_max_sum_mains,
        set_fn=lambda driver, value: driver.set_max_sum_mains(round(value)),
        check_fn=_check_max_sum_mains,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartEvseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The charger's settings as numbers."""
    async_add_entities(SmartEvseNumber(entry, d) for d in NUMBERS)


class SmartEvseNumber(SmartEvseEntity, NumberEntity):
    """A charger setting."""

    entity_description: SmartEvseNumberEntityDescription

    @property
    def native_value(self) -> float | None:
        """The value in force on the charger."""
        return self.entity_description.value_fn(self.state_data)

    @property
    def native_max_value(self) -> float:
        """The charger's own maximum where it has one (MAX for the override current)."""
        if self.entity_description.max_fn is not None and self.coordinator.data is not None:
            value = self.entity_description.max_fn(self.state_data)
            if value is not None:
                return value
        return super().native_max_value

    @smartevse_command
    async def async_set_native_value(self, value: float) -> None:
        """Send the setting (checked first: the firmware refuses silently over MQTT)."""
        check = self.entity_description.check_fn
        reason = check(self.state_data, value) if check else None
        if reason is not None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key=reason,
                translation_placeholders={"value": f"{value:g}"},
            )
        await self.entity_description.set_fn(self.coordinator.driver, value)
