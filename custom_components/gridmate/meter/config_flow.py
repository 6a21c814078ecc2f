"""Config-flow steps of the meter kind (mixed into the Gridmate config flow), and its options.

Adding a meter: `meter` (menu: a meter from the table, or a custom map) -> `meter_profile`
(profile, connection type, role, inverted) or `meter_custom` (which quantities, phases, ...)
followed by `meter_custom_register` once per quantity -> `meter_tcp` or `meter_rtu` (address
and unit id). The last step reads the meter once through the shared bus, exactly as setup will,
and checks that the values look like a grid connection. Connection problems are reported on the
connection step; a meter that refuses the registers or answers nonsense sends the user back to
the profile step, where the cause (the profile) can be changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import math
from pathlib import Path
from typing import Any
import uuid

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SCAN_INTERVAL, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelectorMode,
    TextSelector,
)
import probatio as vol

from ..const import CONF_KIND, LOGGER, EntryKind
from ..devices.meters.client import (
    MeterExceptionResponse,
    MeterProtocolError,
    MeterSerialUnavailable,
    MeterTimeout,
    MeterUnreachable,
    MeterWarmingUp,
    ModbusMeter,
)
from ..devices.meters.decode import FitProblem, MeterReading, check_fit
from ..devices.meters.profiles import (
    CUSTOM_DATA_TYPES,
    CUSTOM_PROFILE_ID,
    PROFILES,
    CustomRegister,
    FunctionCode,
    Measurand,
    MeterProfile,
    Status,
    WordOrder,
    custom_profile,
)
from ..flow_fields import TCP_PORT_FIELD, choice_selector, enum_selector, whole_number_field
from .bus import bus_registry
from .const import (
    BAUDRATES,
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_CUSTOM,
    CONF_DATA_TYPE,
    CONF_EDIT_MAP,
    CONF_FUNCTION_CODE,
    CONF_INVERTED,
    CONF_PARITY,
    CONF_PHASES,
    CONF_PROFILE,
    CONF_QUANTITIES,
    CONF_REGISTERS,
    CONF_ROLE,
    CONF_RTU_OVER_TCP,
    CONF_SCALE,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_UNIT_ID,
    CONF_UNSIGNED_CURRENT,
    CONF_WORD_ORDER,
    DEFAULT_TCP_PORT,
    FIRST_SUGGESTED_UNIT,
    MAX_SCAN_INTERVAL,
    MAX_UNIT,
    MIN_SCAN_INTERVAL,
    MIN_UNIT,
    PARITIES,
    STOPBITS,
    Connection,
    Role,
)
from .settings import (
    bus_config_from_data,
    custom_register_from_data,
    custom_register_to_data,
    default_title,
    meter_address,
    profile_from_data,
    scan_interval_of,
)

# --- Selectors -----------------------------------------------------------------------------

_UNVERIFIED_MARK = " ⚠"  # explained in the step description


def _profile_options() -> list[SelectOptionDict]:
    """The table's meters that have a register map, labelled by vendor and model."""
    return [
        SelectOptionDict(
            value=profile.id,
            label=f"{profile.vendor} {profile.model}"
            + (_UNVERIFIED_MARK if profile.status is Status.UNVERIFIED else ""),
        )
        for profile in sorted(PROFILES, key=lambda p: (p.vendor.lower(), p.model))
        if profile.usable
    ]


def _unmapped_models() -> str:
    return ", ".join(f"{p.vendor} {p.model}" for p in PROFILES if not p.usable)


_CONNECTION = enum_selector(Connection, "meter_connection")
_ROLE = enum_selector(Role, "meter_role", mode=SelectSelectorMode.DROPDOWN)
_UNIT = whole_number_field(MIN_UNIT, MAX_UNIT)


def _role_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_CONNECTION, default=Connection.TCP.value): _CONNECTION,
        vol.Required(CONF_ROLE, default=Role.MAINS.value): _ROLE,
        vol.Required(CONF_INVERTED, default=False): BooleanSelector(),
    }


def _profile_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_PROFILE): choice_selector(
                _profile_options(), mode=SelectSelectorMode.DROPDOWN
            ),
            **_role_fields(),
        }
    )


def _custom_schema(*, with_role: bool) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_QUANTITIES): enum_selector(
            Measurand, "meter_quantity", mode=SelectSelectorMode.DROPDOWN, multiple=True
        ),
        vol.Required(CONF_PHASES, default="3"): choice_selector(["1", "3"]),
        vol.Required(CONF_UNSIGNED_CURRENT, default=False): BooleanSelector(),
    }
    if with_role:
        fields.update(_role_fields())
    return vol.Schema(fields)


def _register_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_FUNCTION_CODE, default=str(int(FunctionCode.HOLDING))): (
                choice_selector(
                    [str(int(fc)) for fc in FunctionCode], translation_key="meter_function_code"
                )
            ),
            vol.Required(CONF_ADDRESS): whole_number_field(0, 0xFFFF),
            vol.Required(CONF_DATA_TYPE, default="float32"): choice_selector(
                [t.value for t in CUSTOM_DATA_TYPES], mode=SelectSelectorMode.DROPDOWN
            ),
            vol.Required(CONF_WORD_ORDER, default=WordOrder.HIGH_FIRST.value): enum_selector(
                WordOrder, "meter_word_order"
            ),
            vol.Required(CONF_SCALE, default=1.0): vol.All(
                NumberSelector(NumberSelectorConfig(step="any", mode=NumberSelectorMode.BOX)),
                vol.Coerce(float),
            ),
        }
    )


def _tcp_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_TCP_PORT): TCP_PORT_FIELD,
        vol.Required(CONF_UNIT_ID): _UNIT,
        vol.Required(CONF_RTU_OVER_TCP, default=False): BooleanSelector(),
    }


def _rtu_fields(ports: list[SelectOptionDict]) -> dict[vol.Marker, Any]:
    return {
        vol.Required(CONF_SERIAL_PORT): choice_selector(
            ports, mode=SelectSelectorMode.DROPDOWN, custom_value=True
        ),
        vol.Required(CONF_BAUDRATE): choice_selector(
            [str(b) for b in BAUDRATES], mode=SelectSelectorMode.DROPDOWN
        ),
        vol.Required(CONF_PARITY): choice_selector(list(PARITIES)),
        vol.Required(CONF_STOPBITS, default="1"): choice_selector([str(s) for s in STOPBITS]),
        vol.Required(CONF_UNIT_ID): _UNIT,
    }


def _scan_serial_ports() -> list[tuple[str, str]]:
    """Serial ports of this machine (executor): stable by-id paths first, then the rest."""
    found: list[tuple[str, str]] = []
    by_id = Path("/dev/serial/by-id")
    linked: set[str] = set()
    if by_id.is_dir():
        for link in sorted(by_id.iterdir()):
            found.append((str(link), link.name))
            linked.add(str(link.resolve()))
    try:
        from serial.tools import list_ports  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:  # pragma: no cover - pyserial is installed with pymodbus' serial support
        return found
    for port in list_ports.comports():
        if port.device not in linked:
            description = port.description if port.description not in (None, "n/a") else ""
            found.append((port.device, description or port.device))
    return found


async def serial_port_options(hass: HomeAssistant) -> list[SelectOptionDict]:
    """The serial ports Home Assistant can see; the field also accepts any typed path."""
    ports: list[tuple[str, str]] = []
    if "usb" in hass.config.components:
        from homeassistant.components import usb  # noqa: PLC0415 - only when it is loaded

        try:
            for device in await usb.async_scan_serial_ports(hass):
                path = await hass.async_add_executor_job(usb.get_serial_by_id, device.device)
                ports.append((path, device.description or device.device))
        except OSError as err:
            LOGGER.debug("Scanning serial ports through the usb integration failed: %s", err)
    if not ports:
        ports = await hass.async_add_executor_job(_scan_serial_ports)
    return [SelectOptionDict(value=path, label=f"{label} ({path})") for path, label in ports]


# --- Connection test ----------------------------------------------------------------------


class BusSettingsConflictError(Exception):
    """The serial port is already in use by another meter with other line settings."""


class ImplausibleReadingError(Exception):
    """The meter answered, but the values cannot come from a grid connection."""

    def __init__(self, problems: tuple[FitProblem, ...], reading: MeterReading) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems
        self.reading = reading


def blocking_problems(reading: MeterReading) -> tuple[FitProblem, ...]:
    """What in a first reading rules the profile (or unit id) out.

    A few unknown values alone are no reason (an unverified profile may map one register
    wrong; those sensors show unknown); most values unknown is.
    """
    problems = check_fit(reading)
    if FitProblem.UNKNOWN_VALUES in problems:
        values = list(reading.values.values())
        if sum(v is None for v in values) * 2 <= len(values):
            problems = tuple(p for p in problems if p is not FitProblem.UNKNOWN_VALUES)
    return problems


async def probe_meter(hass: HomeAssistant, data: Mapping[str, Any]) -> MeterReading:
    """Read the meter once through the shared bus, as setup will, and judge the values."""
    profile = profile_from_data(data)
    registry = bus_registry(hass)
    try:
        bus = registry.acquire(bus_config_from_data(data))
    except ValueError as err:
        raise BusSettingsConflictError(str(err)) from err
    try:
        reading = await ModbusMeter(bus, unit=int(data[CONF_UNIT_ID]), profile=profile).poll()
    finally:
        await registry.release(bus)
    if problems := blocking_problems(reading):
        raise ImplausibleReadingError(problems, reading)
    return reading


@dataclass(frozen=True, slots=True)
class ProbeError:
    """A failed connection test as the form shows it."""

    key: str
    about_profile: bool  # the profile (not the address) is the likely cause


def probe_error(err: Exception, connection: Connection) -> ProbeError:
    """The one mapping from a connection-test failure to its translated form error."""
    if isinstance(err, BusSettingsConflictError):
        return ProbeError("meter_bus_settings", about_profile=False)
    if isinstance(err, MeterSerialUnavailable):
        return ProbeError("meter_no_pyserial", about_profile=False)
    if isinstance(err, MeterUnreachable):
        if connection is Connection.RTU:
            return ProbeError("meter_serial_port", about_profile=False)
        return ProbeError("cannot_connect", about_profile=False)
    if isinstance(err, MeterWarmingUp):
        return ProbeError("meter_warming_up", about_profile=False)
    if isinstance(err, MeterTimeout):
        return ProbeError("meter_no_answer", about_profile=False)
    if isinstance(err, MeterExceptionResponse):
        return ProbeError("meter_refused", about_profile=True)
    if isinstance(err, MeterProtocolError):
        return ProbeError("meter_protocol_error", about_profile=False)
    if isinstance(err, ImplausibleReadingError):
        if FitProblem.LINE_VOLTAGE in err.problems:
            return ProbeError("meter_line_voltage", about_profile=True)
        return ProbeError("meter_implausible", about_profile=True)
    LOGGER.exception("Unexpected error while testing the meter", exc_info=err)
    return ProbeError("unknown", about_profile=False)


def _quantity_label(measurand: Measurand) -> str:
    """A readable name for step descriptions (e.g. 'Voltage L1')."""
    words = measurand.value.split("_")
    if measurand.phase is not None:
        words[-1] = words[-1].upper()
    return " ".join(words).capitalize().replace(" l", " L")


# --- The flow -----------------------------------------------------------------------------


@dataclass(slots=True)
class _MeterFlowState:
    """What the steps collected so far."""

    data: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    custom_input: dict[str, Any] = field(default_factory=dict)  # the meter_custom answers
    queue: list[Measurand] = field(default_factory=list)  # custom registers still to enter
    registers: dict[str, dict[str, Any]] = field(default_factory=dict)  # entered this round
    suggested_registers: dict[str, dict[str, Any]] = field(default_factory=dict)
    connection_input: dict[str, Any] = field(default_factory=dict)
    reconfigure_input: dict[str, Any] = field(default_factory=dict)
    reconfiguring: bool = False


class MeterFlow(ConfigFlow):
    """Add and reconfigure a Modbus kWh meter."""

    @property
    def _meter(self) -> _MeterFlowState:
        state: _MeterFlowState | None = self.__dict__.get("_meter_state")
        if state is None:
            state = self.__dict__["_meter_state"] = _MeterFlowState()
        return state

    # -- choosing the meter ---------------------------------------------------------------

    async def async_step_meter(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A meter from the table, or a custom register map?"""
        return self.async_show_menu(step_id="meter", menu_options=["meter_profile", "meter_custom"])

    async def async_step_meter_profile(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which meter, how it is connected, and what it measures."""
        if user_input is None:
            return self._meter_profile_form({})
        state = self._meter
        state.data = {
            **{k: v for k, v in state.data.items() if k != CONF_CUSTOM},
            CONF_KIND: EntryKind.METER.value,
            CONF_PROFILE: user_input[CONF_PROFILE],
            CONF_CONNECTION: user_input[CONF_CONNECTION],
        }
        state.options = {
            CONF_ROLE: user_input[CONF_ROLE],
            CONF_INVERTED: user_input[CONF_INVERTED],
        }
        return await self._meter_connection_step()

    def _meter_profile_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        state = self._meter
        suggested = {**state.data, **state.options} if state.data else {}
        return self.async_show_form(
            step_id="meter_profile",
            data_schema=self.add_suggested_values_to_schema(_profile_schema(), suggested),
            description_placeholders={"unmapped": _unmapped_models(), "mark": _UNVERIFIED_MARK},
            errors=errors,
        )

    async def async_step_meter_custom(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A custom map: which quantities the meter has (their registers come next)."""
        state = self._meter
        if user_input is None:
            return self._meter_custom_form({})
        if not user_input[CONF_QUANTITIES]:
            state.custom_input = user_input
            return self._meter_custom_form({CONF_QUANTITIES: "meter_no_quantities"})
        state.custom_input = dict(user_input)
        if not state.reconfiguring:
            state.data = {
                **state.data,
                CONF_KIND: EntryKind.METER.value,
                CONF_PROFILE: CUSTOM_PROFILE_ID,
                CONF_CONNECTION: user_input[CONF_CONNECTION],
            }
            state.options = {
                CONF_ROLE: user_input[CONF_ROLE],
                CONF_INVERTED: user_input[CONF_INVERTED],
            }
        chosen = set(user_input[CONF_QUANTITIES])
        state.queue = [m for m in Measurand if m.value in chosen]
        state.suggested_registers = {**state.suggested_registers, **state.registers}
        state.registers = {}
        return await self.async_step_meter_custom_register()

    def _meter_custom_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        state = self._meter
        return self.async_show_form(
            step_id="meter_custom",
            data_schema=self.add_suggested_values_to_schema(
                _custom_schema(with_role=not state.reconfiguring),
                {**state.options, **state.custom_input},
            ),
            errors=errors,
        )

    async def async_step_meter_custom_register(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Where and how one quantity of the custom map is stored."""
        state = self._meter
        measurand = state.queue[0]
        errors: dict[str, str] = {}
        if user_input is not None:
            register = self._meter_custom_register(user_input, errors)
            if register is not None:
                state.registers[measurand.value] = custom_register_to_data(register)
                state.queue.pop(0)
                if state.queue:
                    return await self.async_step_meter_custom_register()
                state.data[CONF_CUSTOM] = {
                    CONF_PHASES: int(state.custom_input[CONF_PHASES]),
                    CONF_UNSIGNED_CURRENT: bool(state.custom_input[CONF_UNSIGNED_CURRENT]),
                    CONF_REGISTERS: dict(state.registers),
                }
                if state.reconfiguring:
                    return await self._meter_reconfigure_finish()
                return await self._meter_connection_step()
        suggested = user_input or {
            key: str(value) if key == CONF_FUNCTION_CODE else value
            for key, value in state.suggested_registers.get(measurand.value, {}).items()
        }
        total = len(state.queue) + len(state.registers)
        return self.async_show_form(
            step_id="meter_custom_register",
            data_schema=self.add_suggested_values_to_schema(_register_schema(), suggested),
            description_placeholders={
                "quantity": _quantity_label(measurand),
                "unit": measurand.unit or "-",
                "number": str(len(state.registers) + 1),
                "total": str(total),
            },
            errors=errors,
        )

    @staticmethod
    def _meter_custom_register(
        user_input: Mapping[str, Any], errors: dict[str, str]
    ) -> CustomRegister | None:
        scale = float(user_input[CONF_SCALE])
        if not math.isfinite(scale) or scale == 0:
            errors[CONF_SCALE] = "meter_scale"
            return None
        try:
            register = custom_register_from_data({**user_input, CONF_SCALE: scale})
            # Building the profile checks the register fits the 16-bit address space.
            custom_profile({Measurand.POWER: register})
        except ValueError:
            errors[CONF_ADDRESS] = "meter_address_range"
            return None
        return register

    # -- connecting -----------------------------------------------------------------------

    async def _meter_connection_step(self) -> ConfigFlowResult:
        if Connection(self._meter.data[CONF_CONNECTION]) is Connection.TCP:
            return await self.async_step_meter_tcp()
        return await self.async_step_meter_rtu()

    def _suggested_unit(self, exclude_entry_id: str | None = None) -> int:
        """The lowest unit id from 11 that no other meter entry uses."""
        used = {
            int(entry.data.get(CONF_UNIT_ID, 0))
            for entry in self._async_current_entries(include_ignore=False)
            if entry.data.get(CONF_KIND) == EntryKind.METER and entry.entry_id != exclude_entry_id
        }
        unit = FIRST_SUGGESTED_UNIT
        while unit in used and unit < MAX_UNIT:
            unit += 1
        return unit

    def _profile(self) -> MeterProfile | None:
        try:
            return profile_from_data(self._meter.data)
        except (KeyError, ValueError):
            return None

    async def async_step_meter_tcp(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host, port and unit id of a meter reached over Modbus TCP."""
        if user_input is None:
            return await self._meter_connection_form("meter_tcp", {})
        user_input[CONF_HOST] = user_input[CONF_HOST].strip()
        return await self._meter_try_create("meter_tcp", user_input)

    async def async_step_meter_rtu(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Serial port, line settings and unit id of a meter on a local RS485 adapter."""
        if user_input is None:
            return await self._meter_connection_form("meter_rtu", {})
        user_input[CONF_SERIAL_PORT] = str(user_input[CONF_SERIAL_PORT]).strip()
        for key in (CONF_BAUDRATE, CONF_STOPBITS):
            user_input[key] = int(user_input[key])
        return await self._meter_try_create("meter_rtu", user_input)

    async def _meter_connection_form(
        self, step_id: str, errors: dict[str, str]
    ) -> ConfigFlowResult:
        state = self._meter
        profile = self._profile()
        if step_id == "meter_tcp":
            schema = vol.Schema(_tcp_fields())
            defaults: dict[str, Any] = {CONF_UNIT_ID: self._suggested_unit()}
        else:
            schema = vol.Schema(_rtu_fields(await serial_port_options(self.hass)))
            defaults = {
                CONF_UNIT_ID: self._suggested_unit(),
                CONF_BAUDRATE: str(profile.default_baudrate if profile else 9600),
                CONF_PARITY: profile.default_parity if profile else "N",
            }
        suggested = {**defaults, **_as_form_values(state.connection_input)}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    def _meter_duplicate(self, data: Mapping[str, Any], exclude_entry_id: str | None) -> bool:
        address = meter_address(data)
        return any(
            entry.entry_id != exclude_entry_id and _address_of(entry.data) == address
            for entry in self._async_current_entries(include_ignore=False)
            if entry.data.get(CONF_KIND) == EntryKind.METER
        )

    async def _meter_try_create(self, step_id: str, user_input: dict[str, Any]) -> ConfigFlowResult:
        state = self._meter
        state.connection_input = dict(user_input)
        data = {**_without_connection(state.data), **user_input}
        if self._meter_duplicate(data, None):
            return await self._meter_connection_form(step_id, {"base": "meter_duplicate"})
        try:
            await probe_meter(self.hass, data)
        except Exception as err:  # every failure maps to a form error
            error = probe_error(err, Connection(data[CONF_CONNECTION]))
            if error.about_profile:
                if data[CONF_PROFILE] == CUSTOM_PROFILE_ID:
                    return self._meter_custom_form({"base": error.key})
                return self._meter_profile_form({"base": error.key})
            return await self._meter_connection_form(step_id, {"base": error.key})
        profile = profile_from_data(data)
        await self.async_set_unique_id(uuid.uuid4().hex)
        return self.async_create_entry(
            title=default_title(profile, Role(state.options[CONF_ROLE])),
            data=data,
            options=state.options,
        )

    # -- reconfigure ----------------------------------------------------------------------

    async def async_step_meter_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, the serial settings or the profile (or custom map) of a meter."""
        entry = self._get_reconfigure_entry()
        state = self._meter
        state.reconfiguring = True
        if user_input is None:
            return await self._meter_reconfigure_form({})
        state.reconfigure_input = dict(user_input)
        for key in (CONF_BAUDRATE, CONF_STOPBITS):
            if key in user_input:
                user_input[key] = int(user_input[key])
        if CONF_HOST in user_input:
            user_input[CONF_HOST] = user_input[CONF_HOST].strip()
        edit_map = bool(user_input.pop(CONF_EDIT_MAP, False))
        state.data = {**entry.data, **user_input}
        if state.data[CONF_PROFILE] == CUSTOM_PROFILE_ID and edit_map:
            custom = entry.data[CONF_CUSTOM]
            # Suggest what was entered last (an earlier attempt), else what the entry has.
            state.suggested_registers = {**custom[CONF_REGISTERS], **state.registers}
            state.custom_input = state.custom_input or {
                CONF_QUANTITIES: list(custom[CONF_REGISTERS]),
                CONF_PHASES: str(custom.get(CONF_PHASES, 3)),
                CONF_UNSIGNED_CURRENT: bool(custom.get(CONF_UNSIGNED_CURRENT, False)),
            }
            return self._meter_custom_form({})
        return await self._meter_reconfigure_finish()

    async def _meter_reconfigure_form(self, errors: dict[str, str]) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        state = self._meter
        custom = entry.data[CONF_PROFILE] == CUSTOM_PROFILE_ID
        fields: dict[vol.Marker, Any] = {}
        if custom:
            fields[vol.Required(CONF_EDIT_MAP, default=False)] = BooleanSelector()
        else:
            fields[vol.Required(CONF_PROFILE)] = choice_selector(
                _profile_options(), mode=SelectSelectorMode.DROPDOWN
            )
        if Connection(entry.data[CONF_CONNECTION]) is Connection.TCP:
            fields.update(_tcp_fields())
        else:
            fields.update(_rtu_fields(await serial_port_options(self.hass)))
        suggested = {**_as_form_values(entry.data), **_as_form_values(state.reconfigure_input)}
        return self.async_show_form(
            step_id="meter_reconfigure",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), suggested),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def _meter_reconfigure_finish(self) -> ConfigFlowResult:
        entry = self._get_reconfigure_entry()
        state = self._meter
        data = state.data
        if self._meter_duplicate(data, entry.entry_id):
            return await self._meter_reconfigure_form({"base": "meter_duplicate"})
        try:
            await probe_meter(self.hass, data)
        except Exception as err:  # every failure maps to a form error
            error = probe_error(err, Connection(data[CONF_CONNECTION]))
            return await self._meter_reconfigure_form({"base": error.key})
        role = Role(entry.options.get(CONF_ROLE, Role.OTHER))
        title = entry.title
        try:
            if entry.title == default_title(profile_from_data(entry.data), role):
                title = default_title(profile_from_data(data), role)
        except (KeyError, ValueError):
            title = default_title(profile_from_data(data), role)
        return self.async_update_reload_and_abort(entry, data=data, title=title)


def _address_of(data: Mapping[str, Any]) -> str | None:
    try:
        return meter_address(data)
    except (KeyError, ValueError):
        return None


_CONNECTION_KEYS = (
    CONF_HOST,
    CONF_PORT,
    CONF_RTU_OVER_TCP,
    CONF_SERIAL_PORT,
    CONF_BAUDRATE,
    CONF_PARITY,
    CONF_STOPBITS,
    CONF_UNIT_ID,
)


def _without_connection(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in _CONNECTION_KEYS}


def _as_form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values as the selectors expect them (select options are strings)."""
    out = {k: v for k, v in data.items() if k in (*_CONNECTION_KEYS, CONF_PROFILE)}
    for key in (CONF_BAUDRATE, CONF_STOPBITS):
        if key in out:
            out[key] = str(out[key])
    return out


# --- Options ------------------------------------------------------------------------------


class MeterOptionsFlow(OptionsFlowWithReload):
    """Role, wiring direction and poll interval of a meter."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options form."""
        return await self.async_step_meter()

    async def async_step_meter(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Apply the options (the entry reloads)."""
        entry = self.config_entry
        if user_input is not None:
            options = {
                CONF_ROLE: user_input[CONF_ROLE],
                CONF_INVERTED: bool(user_input[CONF_INVERTED]),
                CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
            }
            self._retitle(Role(options[CONF_ROLE]))
            return self.async_create_entry(data=options)
        schema = vol.Schema(
            {
                vol.Required(CONF_ROLE): _ROLE,
                vol.Required(CONF_INVERTED): BooleanSelector(),
                vol.Required(CONF_SCAN_INTERVAL): whole_number_field(
                    MIN_SCAN_INTERVAL,
                    MAX_SCAN_INTERVAL,
                    unit=UnitOfTime.SECONDS,
                    mode=NumberSelectorMode.SLIDER,
                ),
            }
        )
        current = {
            CONF_ROLE: entry.options.get(CONF_ROLE, Role.OTHER.value),
            CONF_INVERTED: bool(entry.options.get(CONF_INVERTED, False)),
            CONF_SCAN_INTERVAL: scan_interval_of(entry.options),
        }
        return self.async_show_form(
            step_id="meter",
            data_schema=self.add_suggested_values_to_schema(schema, current),
        )

    def _retitle(self, role: Role) -> None:
        """Keep a title Gridmate proposed in step with the role; never touch a chosen one."""
        entry = self.config_entry
        try:
            profile = profile_from_data(entry.data)
        except (KeyError, ValueError):
            return
        old_role = Role(entry.options.get(CONF_ROLE, Role.OTHER))
        if entry.title == default_title(profile, old_role) and role is not old_role:
            self.hass.config_entries.async_update_entry(entry, title=default_title(profile, role))
