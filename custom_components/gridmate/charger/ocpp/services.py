"""Service actions of OCPP chargers: configuration keys, triggered messages, profile reset."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio as vol

from ...const import CONF_KIND, DOMAIN, EntryKind
from ...devices.chargers.ocpp.charge_point import OcppChargePoint
from ..const import CONF_CHARGER_TYPE, ChargerType
from .coordinator import OcppConfigEntry
from .entity import run_command

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_KEYS = "keys"
ATTR_KEY = "key"
ATTR_VALUE = "value"
ATTR_MESSAGE = "message"

SERVICE_GET_CONFIGURATION = "ocpp_get_configuration"
SERVICE_CHANGE_CONFIGURATION = "ocpp_change_configuration"
SERVICE_TRIGGER_MESSAGE = "ocpp_trigger_message"
SERVICE_CLEAR_CHARGING_PROFILE = "ocpp_clear_charging_profile"

TRIGGERABLE = ("StatusNotification", "MeterValues", "Heartbeat", "BootNotification")

_ENTRY = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
GET_SCHEMA = vol.Schema({**_ENTRY, vol.Optional(ATTR_KEYS): vol.All(cv.ensure_list, [cv.string])})
CHANGE_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_KEY): vol.All(cv.string, vol.Length(min=1, max=50)),
        vol.Required(ATTR_VALUE): vol.All(cv.string, vol.Length(max=500)),
    }
)
TRIGGER_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_MESSAGE): vol.In(TRIGGERABLE)})
ENTRY_SCHEMA = vol.Schema(_ENTRY)


def _entry(hass: HomeAssistant, call: ServiceCall) -> OcppConfigEntry:
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: OcppConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or entry.data.get(CONF_KIND) != EntryKind.CHARGER.value
        or entry.data.get(CONF_CHARGER_TYPE) != ChargerType.OCPP.value
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="ocpp_not_an_ocpp_charger",
            translation_placeholders={"entry_id": str(entry_id)},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="ocpp_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    return entry


def _charge_point(entry: OcppConfigEntry) -> OcppChargePoint:
    return entry.runtime_data.charge_point


def async_register_services(hass: HomeAssistant) -> None:
    """Register the OCPP service actions."""

    async def get_configuration(call: ServiceCall) -> ServiceResponse:
        entry = _entry(hass, call)
        result: dict[str, Any] = {}

        async def read() -> None:
            result.update(await _charge_point(entry).get_configuration(call.data.get(ATTR_KEYS)))

        await run_command(entry, read())
        return result

    async def change_configuration(call: ServiceCall) -> ServiceResponse:
        entry = _entry(hass, call)
        result: dict[str, Any] = {}

        async def change() -> None:
            result["status"] = await _charge_point(entry).change_configuration(
                call.data[ATTR_KEY], call.data[ATTR_VALUE]
            )

        await run_command(entry, change())
        return result

    async def trigger_message(call: ServiceCall) -> None:
        entry = _entry(hass, call)
        await run_command(entry, _charge_point(entry).trigger(call.data[ATTR_MESSAGE]))

    async def clear_charging_profile(call: ServiceCall) -> None:
        entry = _entry(hass, call)
        await run_command(entry, _charge_point(entry).clear_charging_profile())

    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_CONFIGURATION,
        get_configuration,
        schema=GET_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_CHANGE_CONFIGURATION,
        change_configuration,
        schema=CHANGE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_TRIGGER_MESSAGE, trigger_message, schema=TRIGGER_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_CLEAR_CHARGING_PROFILE, clear_charging_profile, schema=ENTRY_SCHEMA
    )
