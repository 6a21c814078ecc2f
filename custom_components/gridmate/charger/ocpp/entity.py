"""Base entity, device and command error mapping of an OCPP charger entry."""

from __future__ import annotations

from collections.abc import Awaitable

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ...const import DOMAIN
from ...devices.chargers.contract import (
    ChargerError,
    ChargerNotSupportedError,
    ChargerRejectedError,
    ChargerUnreachableError,
)
from ...entity import GridmateEntity
from .const import CONF_CHARGE_POINT_ID
from .coordinator import OcppConfigEntry, OcppCoordinator


def ocpp_device_info(entry: OcppConfigEntry) -> DeviceInfo:
    """The charge point's device; model and firmware are added from its BootNotification."""
    boot = entry.runtime_data.charge_point.snapshot.boot
    info = DeviceInfo(
        identifiers={(DOMAIN, entry.unique_id or entry.data[CONF_CHARGE_POINT_ID])},
        name=entry.title,
    )
    if boot is not None:
        info["manufacturer"] = boot.vendor or None
        info["model"] = boot.model or None
        info["sw_version"] = boot.firmware
        info["serial_number"] = boot.serial
    return info


async def run_command(entry: OcppConfigEntry, command: Awaitable[object]) -> None:
    """Run a charge point command; its failure becomes a translated HomeAssistantError."""
    name = entry.title
    try:
        await command
    except ChargerUnreachableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ocpp_unreachable",
            translation_placeholders={"name": name},
        ) from err
    except ChargerNotSupportedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ocpp_not_supported",
            translation_placeholders={"name": name, "error": str(err)},
        ) from err
    except ChargerRejectedError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ocpp_rejected",
            translation_placeholders={"name": name, "error": str(err)},
        ) from err
    except ChargerError as err:  # pragma: no cover - every driver error is one of the above
        raise HomeAssistantError(str(err)) from err


class OcppEntity(GridmateEntity[OcppCoordinator]):
    """An entity of a charge point: unavailable while it is not connected."""

    def __init__(
        self, entry: OcppConfigEntry, coordinator: OcppCoordinator, description: EntityDescription
    ) -> None:
        """Bind to the entry's device."""
        super().__init__(
            entry=entry,
            coordinator=coordinator,
            description=description,
            device_info=ocpp_device_info(entry),
        )
        self._entry = entry

    @property
    def available(self) -> bool:
        """Only while the charge point is connected."""
        return super().available and self.coordinator.data.online
