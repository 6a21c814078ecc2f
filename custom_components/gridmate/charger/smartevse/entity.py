"""The SmartEVSE device, its base entity and the one mapping of driver errors to HA errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Concatenate

from homeassistant.const import CONF_HOST
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ...const import CONF_SERIAL, DOMAIN
from ...devices.chargers.contract import (
    ChargerNotSupportedError,
    ChargerUnreachableError,
)
from ...devices.chargers.smartevse import SmartEvseRejectedError, SmartEvseState
from ...devices.hosts import split_host
from ...entity import GridmateEntity
from .coordinator import SmartEvseConfigEntry, SmartEvseCoordinator

MANUFACTURER = "Stegen Electronics"
MODEL = "SmartEVSE v3"


def smartevse_device_info(entry: SmartEvseConfigEntry) -> DeviceInfo:
    """The one device of a SmartEVSE entry."""
    host, port = split_host(entry.data[CONF_HOST])
    state = entry.runtime_data.coordinator.data
    serial = entry.data[CONF_SERIAL]
    return DeviceInfo(
        identifiers={(DOMAIN, f"smartevse_{serial}")},
        manufacturer=MANUFACTURER,
        model=MODEL,
        name=f"SmartEVSE {serial}",
        serial_number=serial,
        sw_version=state.version if state else None,
        configuration_url=f"http://{host}:{port}" if port else f"http://{host}",
    )


class SmartEvseEntity(GridmateEntity[SmartEvseCoordinator]):
    """An entity of a SmartEVSE, fed by its coordinator."""

    def __init__(
        self,
        entry: SmartEvseConfigEntry,
        description: EntityDescription,
    ) -> None:
        """Bind to the entry's coordinator and device."""
        super().__init__(
            entry=entry,
            coordinator=entry.runtime_data.coordinator,
            description=description,
            device_info=smartevse_device_info(entry),
        )

    @property
    def state_data(self) -> SmartEvseState:
        """The latest decoded state."""
        return self.coordinator.data


# Rejections the user can fix by entering something else: validation errors, not failures.
_VALIDATION_REASONS = {
    "override_mode": "smartevse_override_mode",
    "out_of_range": "smartevse_out_of_range",
}


def smartevse_command[EntityT: SmartEvseEntity, **P](
    func: Callable[Concatenate[EntityT, P], Awaitable[Any]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Run a command; map driver errors to translated HA errors; refresh if REST was used."""

    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except SmartEvseRejectedError as err:
            key = _VALIDATION_REASONS.get(err.reason)
            if key is not None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key=key,
                    translation_placeholders={"error": str(err)},
                ) from err
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="smartevse_rejected",
                translation_placeholders={"error": str(err)},
            ) from err
        except ChargerNotSupportedError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="smartevse_not_supported",
                translation_placeholders={"error": str(err)},
            ) from err
        except ChargerUnreachableError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="smartevse_unreachable",
                translation_placeholders={"error": str(err)},
            ) from err
        # Over MQTT the charger echoes the change within a second; REST needs a poll.
        # Not debounced: the state shown right after a command must be the charger's answer.
        if not self.coordinator.driver.last_command_via_mqtt:
            await self.coordinator.async_refresh()

    return handler
