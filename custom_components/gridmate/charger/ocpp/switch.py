"""Switches of an OCPP charger: charging allowed (pause/resume) and availability."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ...devices.chargers.ocpp.charge_point import ChargePointSnapshot, OcppChargePoint
from .coordinator import OcppConfigEntry
from .entity import OcppEntity, run_command

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class OcppSwitchEntityDescription(SwitchEntityDescription):
    """A switch backed by a charge point command."""

    is_on_fn: Callable[[ChargePointSnapshot], bool | None]
    set_fn: Callable[[OcppChargePoint, bool], Awaitable[None]]


def _charging(cp: OcppChargePoint, on: bool) -> Awaitable[None]:
    return cp.start() if on else cp.stop()


SWITCHES: tuple[OcppSwitchEntityDescription, ...] = (
    OcppSwitchEntityDescription(
        key="charging_allowed",
        translation_key="ocpp_charging_allowed",
        is_on_fn=lambda snap: not snap.paused,
        set_fn=_charging,
    ),
    OcppSwitchEntityDescription(
        key="available",
        translation_key="ocpp_available",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda snap: snap.available,
        set_fn=lambda cp, on: cp.change_availability(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OcppConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Every switch of the charge point."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OcppSwitch(entry, coordinator, description) for description in SWITCHES)


class OcppSwitch(OcppEntity, SwitchEntity):
    """A charge point setting that is on or off."""

    entity_description: OcppSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The state the charger is in (or was put in)."""
        return self.entity_description.is_on_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on."""
        await self._set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off."""
        await self._set(False)

    async def _set(self, on: bool) -> None:
        charge_point = self._entry.runtime_data.charge_point
        await run_command(self._entry, self.entity_description.set_fn(charge_point, on))
