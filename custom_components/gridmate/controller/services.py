"""Service actions of the controller: boost with an energy amount, weekly programs."""

from __future__ import annotations

from datetime import time as dt_time
from typing import Any

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry
import probatio as vol

from ..const import CONF_KIND, DOMAIN, EntryKind
from ..control import ChargeMode
from .const import IEC_MIN_CURRENT, MAX_CHARGER_CURRENT, PROGRAM_SLOTS
from .runtime import ControllerRuntime
from .store import StoredProgram

SERVICE_START_BOOST = "start_boost"
SERVICE_SET_PROGRAM = "set_program"
SERVICE_CLEAR_PROGRAM = "clear_program"

ATTR_ENERGY = "energy"
ATTR_PROGRAM = "program"
ATTR_DAYS = "days"
ATTR_START = "start"
ATTR_END = "end"
ATTR_MODE = "mode"
ATTR_MAX_CURRENT = "max_current"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PROGRAM_MODES = (
    ChargeMode.OFF,
    ChargeMode.FAST,
    ChargeMode.SMART,
    ChargeMode.SOLAR,
    ChargeMode.MIN_SOLAR,
    ChargeMode.GREEN,
)

_ENTRY = {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string}

START_BOOST_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_ENERGY): vol.All(vol.Coerce(float), vol.Range(min=0.1, max=100)),
    }
)
SET_PROGRAM_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_PROGRAM): vol.All(vol.Coerce(int), vol.Range(min=1, max=PROGRAM_SLOTS)),
        vol.Required(ATTR_DAYS): vol.All(cv.ensure_list, [vol.In(WEEKDAYS)], vol.Length(min=1)),
        vol.Required(ATTR_START): cv.time,
        vol.Required(ATTR_END): cv.time,
        vol.Required(ATTR_MODE): vol.In([mode.value for mode in PROGRAM_MODES]),
        vol.Optional(ATTR_MAX_CURRENT): vol.All(
            vol.Coerce(float), vol.Range(min=IEC_MIN_CURRENT, max=MAX_CHARGER_CURRENT)
        ),
    }
)
CLEAR_PROGRAM_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Optional(ATTR_PROGRAM): vol.All(vol.Coerce(int), vol.Range(min=1, max=PROGRAM_SLOTS)),
    }
)


def _runtime(hass: HomeAssistant, call: ServiceCall) -> ControllerRuntime:
    entry = async_get_config_entry(hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID])
    if entry.data.get(CONF_KIND) != EntryKind.CONTROLLER:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_controller",
            translation_placeholders={"entry": entry.title},
        )
    runtime: ControllerRuntime = entry.runtime_data
    return runtime


def _seconds(value: dt_time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


@callback
def async_start_boost(hass: HomeAssistant, call: ServiceCall) -> None:
    """Charge at full power until `energy` kWh are delivered, then return to the mode before."""
    runtime = _runtime(hass, call)
    if not runtime.core.settings.chargers:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_charger_available",
            translation_placeholders={"controller": runtime.entry.title},
        )
    runtime.start_boost(float(call.data[ATTR_ENERGY]))


@callback
def async_set_program(hass: HomeAssistant, call: ServiceCall) -> None:
    """Store a weekly program in a slot (replacing what was there)."""
    runtime = _runtime(hass, call)
    start = _seconds(call.data[ATTR_START])
    end = _seconds(call.data[ATTR_END])
    if start == end:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="program_empty")
    duration = (end - start) % 86400  # an end before the start runs past midnight
    days = sorted({WEEKDAYS.index(day) for day in call.data[ATTR_DAYS]})
    runtime.controls.programs[int(call.data[ATTR_PROGRAM])] = StoredProgram(
        days=days,
        start_s=start,
        duration_s=duration,
        mode=ChargeMode(call.data[ATTR_MODE]),
        max_current=call.data.get(ATTR_MAX_CURRENT),
    )
    runtime.controls_changed()


@callback
def async_clear_program(hass: HomeAssistant, call: ServiceCall) -> None:
    """Remove one program, or all of them."""
    runtime = _runtime(hass, call)
    slot = call.data.get(ATTR_PROGRAM)
    if slot is None:
        runtime.controls.programs.clear()
    elif runtime.controls.programs.pop(int(slot), None) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="program_not_set",
            translation_placeholders={"program": str(slot)},
        )
    runtime.controls_changed()


@callback
def async_register_services(hass: HomeAssistant) -> None:
    """Register the controller's actions (once, from the integration's async_setup)."""
    handlers: tuple[tuple[str, Any, vol.Schema], ...] = (
        (SERVICE_START_BOOST, async_start_boost, START_BOOST_SCHEMA),
        (SERVICE_SET_PROGRAM, async_set_program, SET_PROGRAM_SCHEMA),
        (SERVICE_CLEAR_PROGRAM, async_clear_program, CLEAR_PROGRAM_SCHEMA),
    )
    for name, handler, schema in handlers:

        def bind(handler: Any = handler) -> Any:
            @callback
            def service(call: ServiceCall) -> None:
                handler(hass, call)

            return service

        hass.services.async_register(DOMAIN, name, bind(), schema=schema)
