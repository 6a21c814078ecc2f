"""Select entities of a SmartEVSE: charge mode and the second contactor (phases)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...const import DOMAIN
from ...devices.chargers.smartevse import C2Mode, Mode, SmartEvse, SmartEvseState
from .coordinator import SmartEvseConfigEntry
from .entity import SmartEvseEntity, smartevse_command

PARALLEL_UPDATES = 1

# The order the firmware's own Home Assistant discovery offers.
MODE_OPTIONS = [Mode.OFF, Mode.NORMAL, Mode.SMART, Mode.SOLAR, Mode.PAUSE]


@dataclass(frozen=True, kw_only=True)
class SmartEvseSelectEntityDescription(SelectEntityDescription):
    """A charger setting with named values."""

    value_fn: Callable[[SmartEvseState], str | None]
    select_fn: Callable[[SmartEvse, str], Awaitable[None]]
    check_fn: Callable[[SmartEvseState, str], str | None] | None = None


def _check_mode(state: SmartEvseState, option: str) -> str | None:
    # setMode ignores Smart and Solar when the charger has no mains meter.
    if option in (Mode.SMART, Mode.SOLAR) and state.has_mains_meter is False:
        return "smartevse_mode_needs_mains_meter"
    return None


SELECTS: tuple[SmartEvseSelectEntityDescription, ...] = (
    SmartEvseSelectEntityDescription(
        key="mode",
        translation_key="smartevse_mode",
        options=[mode.value for mode in MODE_OPTIONS],
        value_fn=lambda state: state.mode.value if state.mode else None,
        select_fn=lambda driver, option: driver.set_mode(Mode(option)),
        check_fn=_check_mode,
    ),
    SmartEvseSelectEntityDescription(
        key="enable_c2",
        translation_key="smartevse_c2",
        options=[mode.value for mode in C2Mode],
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda state: state.enable_c2.value if state.enable_c2 else None,
        select_fn=lambda driver, option: driver.set_c2(C2Mode(option)),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartEvseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """The charger's mode and C2 selects."""
    async_add_entities(SmartEvseSelect(entry, d) for d in SELECTS)


class SmartEvseSelect(SmartEvseEntity, SelectEntity):
    """A charger setting with named values."""

    entity_description: SmartEvseSelectEntityDescription

    @property
    def current_option(self) -> str | None:
        """The value in force on the charger."""
        return self.entity_description.value_fn(self.state_data)

    @smartevse_command
    async def async_select_option(self, option: str) -> None:
        """Send the choice."""
        check = self.entity_description.check_fn
        reason = check(self.state_data, option) if check else None
        if reason is not None:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key=reason)
        await self.entity_description.select_fn(self.coordinator.driver, option)
