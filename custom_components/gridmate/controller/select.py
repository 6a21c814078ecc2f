"""Selects: the charge mode, and the phase mode of chargers that can switch 1/3 phases."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..const import DOMAIN
from ..control import ChargeMode, PhaseMode
from .const import ChargerSource
from .entity import ControllerConfigEntry, ControllerEntity
from .runtime import ChargerLink

CHARGE_MODE = SelectEntityDescription(
    key="charge_mode",
    translation_key="controller_charge_mode",
    options=[mode.value for mode in ChargeMode],
)
PHASE_MODE = SelectEntityDescription(
    key="phase_mode",
    translation_key="controller_phase_mode",
    options=[mode.value for mode in PhaseMode],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ControllerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The mode select, and a phase-mode select per charger that may switch phases."""
    runtime = entry.runtime_data
    entities: list[SelectEntity] = [ChargeModeSelect(entry, CHARGE_MODE)]
    entities.extend(
        PhaseModeSelect(entry, PHASE_MODE, link)
        for link in runtime.links.values()
        # entity chargers never switch; a Gridmate charger may (its driver tells at runtime)
        if link.config.source is ChargerSource.ENTRY and link.config.phases == 3
    )
    async_add_entities(entities)


class ChargeModeSelect(ControllerEntity, SelectEntity):
    """What the user wants: off, fast, smart, solar, ... (applied at once)."""

    def _snapshot(self) -> Any:
        return (self.available, self.current_option)

    @property
    def current_option(self) -> str | None:
        """The mode in force (boost falls back by itself when its energy is delivered)."""
        return self.runtime.controls.mode.value

    async def async_select_option(self, option: str) -> None:
        """Switch mode; remember the mode to return to after a boost."""
        controls = self.runtime.controls
        mode = ChargeMode(option)
        if mode is ChargeMode.BOOST and controls.mode is not ChargeMode.BOOST:
            controls.mode_before_boost = controls.mode
        controls.mode = mode
        self.runtime.controls_changed()


class PhaseModeSelect(ControllerEntity, SelectEntity):
    """Automatic 1/3-phase switching, or always one or three phases."""

    def __init__(
        self, entry: ControllerConfigEntry, description: SelectEntityDescription, link: ChargerLink
    ) -> None:
        """Bind to one charger."""
        super().__init__(entry, description, link)
        self._link = link

    @property
    def available(self) -> bool:
        """Only while the charger is there and says it can switch phases."""
        driver = self._link.driver
        return driver is not None and driver.capabilities.can_switch_phases

    def _snapshot(self) -> Any:
        return (self.available, self.current_option)

    @property
    def current_option(self) -> str | None:
        """The phase mode chosen for this charger."""
        return self.runtime.controls.charger(self._link.charger_id).phase_mode.value

    async def async_select_option(self, option: str) -> None:
        """Change the phase mode (the core switches only while no current flows)."""
        if not self.available:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="cannot_switch_phases",
                translation_placeholders={"charger": self._link.config.name},
            )
        self.runtime.controls.charger(self._link.charger_id).phase_mode = PhaseMode(option)
        self.runtime.controls_changed()
