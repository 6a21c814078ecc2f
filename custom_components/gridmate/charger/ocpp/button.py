"""Buttons of an OCPP charger: start/stop a session, reset, ask for fresh values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import (
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.components.button.const import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...devices.chargers.ocpp.charge_point import OcppChargePoint
from .coordinator import OcppConfigEntry
from .entity import OcppEntity, run_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OcppButtonEntityDescription(ButtonEntityDescription):
    """A button that sends one command."""

    press_fn: Callable[[OcppChargePoint], Awaitable[None]]


BUTTONS: tuple[OcppButtonEntityDescription, ...] = (
    OcppButtonEntityDescription(
        key="start_session",
        translation_key="ocpp_start_session",
        press_fn=lambda cp: cp.remote_start(),
    ),
    OcppButtonEntityDescription(
        key="stop_session",
        translation_key="ocpp_stop_session",
        press_fn=lambda cp: cp.remote_stop(),
    ),
    OcppButtonEntityDescription(
        key="reset",
        translation_key="ocpp_reset",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda cp: cp.reset(),
    ),
    OcppButtonEntityDescription(
        key="hard_reset",
        translation_key="ocpp_hard_reset",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        press_fn=lambda cp: cp.reset(hard=True),
    ),
    OcppButtonEntityDescription(
        key="refresh",
        translation_key="ocpp_refresh",
        entity_category=EntityCategory.DIAGNOSTIC,
        press_fn=lambda cp: cp.refresh(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every button of the charge point."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OcppButton(entry, coordinator, description) for description in BUTTONS)


class OcppButton(OcppEntity, ButtonEntity):
    """One command."""

    entity_description: OcppButtonEntityDescription

    async def async_press(self) -> None:
        """Send it."""
        charge_point = self._entry.runtime_data.charge_point
        await run_command(self._entry, self.entity_description.press_fn(charge_point))
