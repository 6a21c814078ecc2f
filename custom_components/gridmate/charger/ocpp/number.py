"""The current limit of an OCPP charger (a charging profile), for use without the controller."""

from __future__ import annotations

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import UnitOfElectricCurrent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OcppConfigEntry
from .entity import OcppEntity, run_command

PARALLEL_UPDATES = 1  # one command at a time per charge point

CURRENT_LIMIT = NumberEntityDescription(
    key="current_limit",
    translation_key="ocpp_current_limit",
    device_class=NumberDeviceClass.CURRENT,
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    native_min_value=0,
    native_step=1,
    mode=NumberMode.SLIDER,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The current limit."""
    async_add_entities([OcppCurrentLimit(entry, entry.runtime_data.coordinator, CURRENT_LIMIT)])


class OcppCurrentLimit(OcppEntity, NumberEntity):
    """Amperes per phase the charger may give; below its minimum it pauses (0 A profile)."""

    @property
    def native_max_value(self) -> float:
        """The wiring limit configured for the charger."""
        return self._entry.runtime_data.charge_point.capabilities.max_current

    @property
    def native_value(self) -> float | None:
        """The limit Gridmate asked for last (None until one was set)."""
        return self.coordinator.data.wanted_limit

    async def async_set_native_value(self, value: float) -> None:
        """Send the limit as the charger's default charging profile."""
        await run_command(
            self._entry, self._entry.runtime_data.charge_point.set_current_limit(value)
        )
