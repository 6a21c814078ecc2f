"""The SmartEVSE v3 REST and MQTT vocabulary: one table per fact.

Every name, unit and range here was read in the firmware sources (see docs/smartevse.md for
the citations): upstream `SmartEVSE/SmartEVSE-3` and the widely used fork
`dingo35/SmartEVSE-3.5`, both `SmartEVSE-3/src/esp32.cpp` (`handle_URI` for `GET/POST
/settings` and `POST /currents`, `mqtt_receive_callback` for `<prefix>/Set/...`,
`mqttPublishData` for the published topics), `main_c.h` (states, error bit flags) and
`main.cpp` (`StrEnableC2`). The driver decodes with these tables, the entities and the docs
are generated from them; the simulator encodes independently.

Units on the wire: most currents are deci-amperes (dA), the limits in `settings` whole amperes,
energies Wh (kWh and kW in upstream firmware before December 2025), temperatures degrees C,
`solar_stop_timer` seconds and `solar_stop_time` minutes. Decoded values are SI: A, W, Wh,
degrees C, s, min. A missing, mistyped, non-finite or impossible value decodes to None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
import math
from typing import Any, Final

# -- modes --------------------------------------------------------------------------------------


class Mode(StrEnum):
    """The charge mode as the REST API reports it (`mode_id`): access Off/Pause or a regime."""

    OFF = "off"
    NORMAL = "normal"
    SOLAR = "solar"
    SMART = "smart"
    PAUSE = "pause"


@dataclass(frozen=True, slots=True)
class ModeSpec:
    """How one mode is spelled on each interface."""

    mode: Mode
    rest_id: int  # GET `mode_id` and POST `mode=`
    rest_name: str  # GET `mode`
    mqtt: str  # `<prefix>/Mode` and `<prefix>/Set/Mode`
    evse_mode: int | None  # GET `evse.mode` (the firmware's `Mode`): regimes only


MODES: Final[tuple[ModeSpec, ...]] = (
    ModeSpec(Mode.OFF, 0, "OFF", "Off", None),
    ModeSpec(Mode.NORMAL, 1, "NORMAL", "Normal", 0),
    ModeSpec(Mode.SOLAR, 2, "SOLAR", "Solar", 2),
    ModeSpec(Mode.SMART, 3, "SMART", "Smart", 1),
    ModeSpec(Mode.PAUSE, 4, "PAUSE", "Pause", None),
)
MODE_SPECS: Final[Mapping[Mode, ModeSpec]] = {spec.mode: spec for spec in MODES}
# Modes in which the firmware applies an override current (its `Mode` is NORMAL or SMART).
OVERRIDE_MODES: Final = frozenset({Mode.NORMAL, Mode.SMART})

# -- second contactor (C2) ----------------------------------------------------------------------


class C2Mode(StrEnum):
    """`EnableC2`: how the second contactor switches phases L2/L3 (index = firmware value)."""

    NOT_PRESENT = "not_present"
    ALWAYS_OFF = "always_off"
    SOLAR_OFF = "solar_off"
    ALWAYS_ON = "always_on"
    AUTO = "auto"


# `StrEnableC2` in main.cpp, in firmware order: POST `enable_C2=<index>`, GET and MQTT the name.
C2_NAMES: Final[Mapping[C2Mode, str]] = {
    C2Mode.NOT_PRESENT: "Not present",
    C2Mode.ALWAYS_OFF: "Always Off",
    C2Mode.SOLAR_OFF: "Solar Off",
    C2Mode.ALWAYS_ON: "Always On",
    C2Mode.AUTO: "Auto",
}
C2_INDEX: Final[Mapping[C2Mode, int]] = {mode: index for index, mode in enumerate(C2_NAMES)}

# -- vehicle / charger states -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StateSpec:
    """One value of the firmware's `State` (main_c.h)."""

    id: int  # GET `evse.state_id`
    key: str  # Gridmate's name (entity state)
    web: str  # `StrStateNameWeb`: GET `evse.state`, MQTT `<prefix>/State`
    short: str  # `StrStateName`: the fork's MQTT `<prefix>/StateID`
    charging: bool  # current may flow (IEC 61851 state C or D)


STATES: Final[tuple[StateSpec, ...]] = (
    StateSpec(0, "ready", "Ready to Charge", "A", False),
    StateSpec(1, "connected", "Connected to EV", "B", False),
    StateSpec(2, "charging", "Charging", "C", True),
    StateSpec(3, "charging_ventilated", "D", "D", True),
    StateSpec(4, "request_b", "Request State B", "COMM_B", False),
    StateSpec(5, "state_b_ok", "State B OK", "COMM_B_OK", False),
    StateSpec(6, "request_c", "Request State C", "COMM_C", False),
    StateSpec(7, "state_c_ok", "State C OK", "COMM_C_OK", False),
    StateSpec(8, "activate", "Activate", "Activate", False),
    StateSpec(9, "charging_stopped", "Charging Stopped", "B1", False),
    StateSpec(10, "stop_charging", "Stop Charging", "C1", False),
    StateSpec(11, "modem_setup", "Modem Setup", "MODEM_REQ", False),
    StateSpec(12, "modem_request", "Modem Request", "MODEM_WAIT", False),
    StateSpec(13, "modem_done", "Modem Done", "MODEM_DONE", False),
    StateSpec(14, "modem_denied", "Modem Denied", "MODEM_DENIED", False),
)
STATES_BY_ID: Final[Mapping[int, StateSpec]] = {spec.id: spec for spec in STATES}
STATE_A: Final = 0
STATE_B: Final = 1
STATE_C: Final = 2
STATE_B1: Final = 9
STATE_C1: Final = 10

# -- errors -------------------------------------------------------------------------------------


class EvseError(StrEnum):
    """The charger's error, from its `ErrorFlags` bits (main_c.h)."""

    NONE = "none"
    NO_POWER = "no_power"
    COMMUNICATION = "communication"
    TEMPERATURE_HIGH = "temperature_high"
    EV_METER_COMMUNICATION = "ev_meter_communication"
    RCM_TRIPPED = "rcm_tripped"
    RCM_TEST = "rcm_test"
    TEST_IO = "test_io"
    FLASH = "flash"
    MULTIPLE = "multiple"


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One error bit. The firmware reports the highest set bit: `error_id` = bit index + 1."""

    error: EvseError
    flag: int  # bit in ErrorFlags
    macro: str  # name in main_c.h
    web: str  # `StrErrorNameWeb`: GET `evse.error`, MQTT `<prefix>/Error`
    stops_charging: bool  # charging stops while the error lasts
    meaning: str


ERRORS: Final[tuple[ErrorSpec, ...]] = (
    ErrorSpec(
        EvseError.NO_POWER,
        0x01,
        "LESS_6A",
        "No Power Available",
        True,
        "Not enough current for the minimum charge current (waits, then resumes)",
    ),
    ErrorSpec(
        EvseError.COMMUNICATION,
        0x02,
        "CT_NOCOMM",
        "Communication Error",
        True,
        "No mains meter data for 11 s in Smart/Solar mode (or no master on a node)",
    ),
    ErrorSpec(
        EvseError.TEMPERATURE_HIGH,
        0x04,
        "TEMP_HIGH",
        "Temperature High",
        True,
        "Charger temperature above its maximum",
    ),
    ErrorSpec(
        EvseError.EV_METER_COMMUNICATION,
        0x08,
        "EV_NOCOMM",
        "EV Meter Comm Error",
        True,
        "No EV meter data in Smart/Solar mode",
    ),
    ErrorSpec(
        EvseError.RCM_TRIPPED,
        0x10,
        "RCM_TRIPPED",
        "RCM Tripped",
        True,
        "Residual current monitor saw > 6 mA DC",
    ),
    ErrorSpec(
        EvseError.RCM_TEST,
        0x20,
        "RCM_TEST",
        "RCM Test",
        False,
        "Residual current monitor self-test running or failed",
    ),
    ErrorSpec(EvseError.TEST_IO, 0x40, "Test_IO", "Test IO", False, "Factory I/O test"),
    ErrorSpec(EvseError.FLASH, 0x80, "BL_FLASH", "Flash Error", False, "Bootloader flash error"),
)
ERRORS_BY_ID: Final[Mapping[int, ErrorSpec]] = {spec.flag.bit_length(): spec for spec in ERRORS}
ERROR_NONE_WEB: Final = "None"
ERROR_MULTIPLE_WEB: Final = "Multiple Errors"


def error_from_flags(flags: int) -> EvseError:
    """The error the firmware reports for a set of ErrorFlags (the highest bit wins)."""
    if flags <= 0:
        return EvseError.NONE
    spec = ERRORS_BY_ID.get(flags.bit_length())
    return spec.error if spec else EvseError.MULTIPLE


def error_from_web(text: str) -> EvseError | None:
    """Decode an error name as GET `evse.error` and MQTT `/Error` spell it; None if unknown."""
    text = text.strip()
    if text == ERROR_NONE_WEB:
        return EvseError.NONE
    if text == ERROR_MULTIPLE_WEB:
        return EvseError.MULTIPLE
    for spec in ERRORS:
        if spec.web == text:
            return spec.error
    return None


ERROR_SPECS: Final[Mapping[EvseError, ErrorSpec]] = {spec.error: spec for spec in ERRORS}

# -- limits the firmware enforces on POST /settings and <prefix>/Set/... -------------------------

SOLAR_CURRENT_RANGE: Final = (0, 48)  # solar_start_current, solar_max_import: A
SOLAR_STOP_TIME_RANGE: Final = (0, 60)  # stop_timer: minutes, 0 = disabled
MAX_SUM_MAINS_RANGE: Final = (10, 600)  # current_max_sum_mains: A, or 0 = disabled
MAINS_FEED_LIMIT_DA: Final = 2000  # <prefix>/Set/MainsMeter: -200.0 A < value < 200.0 A
MAINS_DATA_TIMEOUT_S: Final = 11  # COMM_TIMEOUT: no mains data for this long -> CT_NOCOMM
MQTT_PUBLISH_PERIOD_S: Final = 10  # mqttPublishData: every 10 s, sooner after a change
VALUE_NOT_ALLOWED: Final = "Value not allowed!"
MAINS_METER_API: Final = "API"  # settings.mains_meter when mains data is fed over REST/MQTT

# -- the state document -------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _text_number(payload: str) -> float | None:
    try:
        number = float(payload.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


type RestDecoder = Callable[[Any, Mapping[str, Any]], Any]
type MqttDecoder = Callable[[str], Any]


def _number(scale: float = 1.0) -> RestDecoder:
    def decode(value: Any, _doc: Mapping[str, Any]) -> float | None:
        number = _finite(value)
        return None if number is None else round(number * scale, 6)

    return decode


def _mqtt_number(scale: float = 1.0) -> MqttDecoder:
    def decode(payload: str) -> float | None:
        number = _text_number(payload)
        return None if number is None else round(number * scale, 6)

    return decode


def _integer(value: Any, _doc: Mapping[str, Any]) -> int | None:
    number = _finite(value)
    return int(number) if number is not None and number == int(number) else None


def _mqtt_integer(payload: str) -> int | None:
    number = _text_number(payload)
    return int(number) if number is not None and number == int(number) else None


def _text(value: Any, _doc: Mapping[str, Any]) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _serial(value: Any, _doc: Mapping[str, Any]) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    number = _integer(value, _doc)
    return str(number) if number is not None and number > 0 else None


def _flag(value: Any, _doc: Mapping[str, Any]) -> bool | None:
    return value if isinstance(value, bool) else None


def _rest_mode(value: Any, _doc: Mapping[str, Any]) -> Mode | None:
    number = _finite(value)
    return next((s.mode for s in MODES if number is not None and s.rest_id == number), None)


def _rest_mode_name(value: Any, _doc: Mapping[str, Any]) -> Mode | None:
    return next((s.mode for s in MODES if s.rest_name == value), None)


def _mqtt_mode(payload: str) -> Mode | None:
    return next((s.mode for s in MODES if s.mqtt == payload.strip()), None)


def _rest_regime(value: Any, _doc: Mapping[str, Any]) -> Mode | None:
    number = _finite(value)
    return next((s.mode for s in MODES if number is not None and s.evse_mode == number), None)


def _c2(value: Any, _doc: Mapping[str, Any]) -> C2Mode | None:
    return _mqtt_c2(value) if isinstance(value, str) else None


def _mqtt_c2(payload: str) -> C2Mode | None:
    payload = payload.strip()
    if payload.isdigit() and int(payload) < len(C2_NAMES):
        return list(C2_NAMES)[int(payload)]
    return next((mode for mode, name in C2_NAMES.items() if name == payload), None)


def _state_id(value: Any, _doc: Mapping[str, Any]) -> int | None:
    number = _integer(value, _doc)
    return number if number in STATES_BY_ID else None


def _mqtt_state(payload: str) -> int | None:
    web = payload.strip().split(" - ")[0]
    return next((spec.id for spec in STATES if spec.web == web), None)


def _mqtt_state_short(payload: str) -> int | None:
    return next((spec.id for spec in STATES if spec.short == payload.strip()), None)


def _rest_error(evse: Any, _doc: Mapping[str, Any]) -> EvseError | None:
    """`evse.error_id`/`evse.error`, and "No Power Available" which REST moves into the state.

    The firmware reports LESS_6A as `state: "Connected to EV - No Power Available"` with
    `error: "None"`; MQTT publishes it as the error. Both decode to NO_POWER here.
    """
    if not isinstance(evse, Mapping):
        return None
    error: EvseError | None = None
    error_id = _finite(evse.get("error_id"))
    if error_id is not None and error_id == int(error_id):
        error = EvseError.NONE if error_id == 0 else None
        if spec := ERRORS_BY_ID.get(int(error_id)):
            error = spec.error
    if error is None and isinstance(evse.get("error"), str):
        error = error_from_web(evse["error"])
    state = evse.get("state")
    if error in (EvseError.NONE, None) and isinstance(state, str) and " - " in state:
        suffix = error_from_web(state.split(" - ", 1)[1])
        if suffix is not None:
            error = suffix
    return error


def _mqtt_error(payload: str) -> EvseError | None:
    return error_from_web(payload)


def _plug(payload: str) -> bool | None:
    return {"Connected": True, "Disconnected": False}.get(payload.strip())


def _legacy_ev_meter(doc: Mapping[str, Any]) -> bool:
    """Upstream before Dec 2025 sent `total_kwh`/`charged_kwh` and power in kW."""
    meter = doc.get("ev_meter")
    return isinstance(meter, Mapping) and "total_kwh" in meter and "total_wh" not in meter


def _ev_power(value: Any, doc: Mapping[str, Any]) -> float | None:
    number = _finite(value)
    if number is None:
        return None
    return round(number * 1000.0, 3) if _legacy_ev_meter(doc) else number


@dataclass(frozen=True, slots=True)
class RestSource:
    """Where a value sits in the `GET /settings` document (first present source wins)."""

    path: tuple[str, ...]
    decode: RestDecoder


@dataclass(frozen=True, slots=True)
class MqttSource:
    """The `<prefix>/<topic>` the charger publishes a value on."""

    topic: str
    decode: MqttDecoder
    fork_only: bool = False  # published by dingo35/SmartEVSE-3.5 only


@dataclass(frozen=True, slots=True)
class Field:
    """One value of the charger's state, on both interfaces."""

    key: str
    unit: str  # decoded unit, for the docs
    rest: tuple[RestSource, ...]
    mqtt: MqttSource | None
    valid: tuple[float, float] | None = None  # plausible decoded range; outside -> None
    description: str = ""


def _dA(*path: str) -> RestSource:
    return RestSource(path, _number(0.1))


def _A(*path: str) -> RestSource:
    return RestSource(path, _number())


_CURRENT_RANGE: Final = (-250.0, 250.0)  # A: a residential connection carries less
_LIMIT_RANGE: Final = (0.0, 100.0)

FIELDS: Final[tuple[Field, ...]] = (
    Field("serial", "", (RestSource(("serialnr",), _serial),), None, None, "Serial number"),
    Field("version", "", (RestSource(("version",), _text),), None, None, "Firmware version"),
    Field(
        "mode",
        "",
        (RestSource(("mode_id",), _rest_mode), RestSource(("mode",), _rest_mode_name)),
        MqttSource("Mode", _mqtt_mode),
        None,
        "Charge mode: Off, Normal, Solar, Smart, Pause",
    ),
    Field(
        "regime",
        "",
        (RestSource(("evse", "mode"), _rest_regime),),
        None,
        None,
        "The regime behind Off/Pause (Normal, Smart or Solar)",
    ),
    Field(
        "car_connected",
        "",
        (RestSource(("car_connected",), _flag), RestSource(("evse", "connected"), _flag)),
        MqttSource("EVPlugState", _plug),
        None,
        "A vehicle is plugged in (control pilot below 12 V)",
    ),
    Field(
        "state_id",
        "",
        (RestSource(("evse", "state_id"), _state_id),),
        MqttSource("State", _mqtt_state),
        None,
        "Charger state (IEC 61851 A/B/C plus the firmware's transition states)",
    ),
    Field(
        "error",
        "",
        (RestSource(("evse",), _rest_error),),
        MqttSource("Error", _mqtt_error),
        None,
        "Error from the ErrorFlags bits (highest bit)",
    ),
    Field(
        "temperature",
        "°C",
        (_A("evse", "temp"),),
        MqttSource("ESPTemp", _mqtt_number()),
        (-40.0, 150.0),
        "Charger temperature",
    ),
    Field("temperature_max", "°C", (_A("evse", "temp_max"),), None, (0.0, 150.0), "Maximum"),
    Field(
        "solar_stop_timer",
        "s",
        (_A("evse", "solar_stop_timer"),),
        MqttSource("SolarStopTimer", _mqtt_number()),
        (0.0, 3600.0),
        "Seconds until solar charging stops for lack of sun",
    ),
    Field(
        "phases",
        "",
        (RestSource(("evse", "nrofphases"), _integer),),
        MqttSource("NrOfPhases", _mqtt_integer),
        (1, 3),
        "Phases the charger charges on (1 or 3)",
    ),
    Field(
        "charge_current",
        "A",
        (_dA("settings", "charge_current"),),
        MqttSource("ChargeCurrent", _mqtt_number(0.1)),
        _LIMIT_RANGE,
        "Current the charger offers the vehicle now (dA on the wire)",
    ),
    Field(
        "override_current",
        "A",
        (_dA("settings", "override_current"),),
        MqttSource("ChargeCurrentOverride", _mqtt_number(0.1)),
        _LIMIT_RANGE,
        "Fixed charge current set remotely; 0 = none (dA on the wire)",
    ),
    Field("current_min", "A", (_A("settings", "current_min"),), None, (1, 80), "MIN setting"),
    Field(
        "current_max",
        "A",
        (_A("settings", "current_max"),),
        MqttSource("MaxCurrent", _mqtt_number(0.1)),
        (1, 80),
        "MAX setting (MQTT in dA)",
    ),
    Field("current_main", "A", (_A("settings", "current_main"),), None, (1, 600), "MAINS"),
    Field(
        "current_max_circuit",
        "A",
        (_A("settings", "current_max_circuit"),),
        None,
        (1, 600),
        "CIRCUIT setting",
    ),
    Field(
        "current_max_sum_mains",
        "A",
        (_A("settings", "current_max_sum_mains"),),
        MqttSource("MaxSumMains", _mqtt_number(), fork_only=True),
        (0, 600),
        "CAPACITY: summed mains limit; 0 = disabled",
    ),
    Field(
        "solar_max_import",
        "A",
        (_A("settings", "solar_max_import"),),
        None,
        SOLAR_CURRENT_RANGE,
        "Solar: import (sum of phases) tolerated before the stop timer runs",
    ),
    Field(
        "solar_start_current",
        "A",
        (_A("settings", "solar_start_current"),),
        None,
        SOLAR_CURRENT_RANGE,
        "Solar: export (sum of phases) needed to start",
    ),
    Field(
        "solar_stop_time",
        "min",
        (_A("settings", "solar_stop_time"),),
        None,
        SOLAR_STOP_TIME_RANGE,
        "Solar: minutes of shortage before charging stops; 0 = never",
    ),
    Field(
        "enable_c2",
        "",
        (RestSource(("settings", "enable_C2"), _c2),),
        MqttSource("EnableC2", _mqtt_c2),
        None,
        "Second contactor (C2) behaviour",
    ),
    Field(
        "mains_meter",
        "",
        (RestSource(("settings", "mains_meter"), _text),),
        None,
        None,
        "Mains meter type; API when fed over REST/MQTT",
    ),
    Field(
        "ev_meter",
        "",
        (RestSource(("ev_meter", "description"), _text),),
        None,
        None,
        "EV meter type",
    ),
    Field(
        "ev_power",
        "W",
        (RestSource(("ev_meter", "import_active_power"), _ev_power),),
        MqttSource("EVChargePower", _mqtt_number()),
        (-1000.0, 100_000.0),
        "EV meter power (kW in upstream firmware before Dec 2025)",
    ),
    Field(
        "ev_total_energy",
        "Wh",
        (
            RestSource(("ev_meter", "total_wh"), _number()),
            RestSource(("ev_meter", "total_kwh"), _number(1000.0)),
        ),
        MqttSource("EVTotalEnergyCharged", _mqtt_number()),
        (0.0, 1e10),
        "EV meter total energy",
    ),
    Field(
        "ev_session_energy",
        "Wh",
        (
            RestSource(("ev_meter", "charged_wh"), _number()),
            RestSource(("ev_meter", "charged_kwh"), _number(1000.0)),
        ),
        MqttSource("EVEnergyCharged", _mqtt_number()),
        (0.0, 1e7),
        "Energy charged since the vehicle was plugged in",
    ),
    *(
        Field(
            f"ev_current_l{n}",
            "A",
            (_dA("ev_meter", "currents", f"L{n}"),),
            MqttSource(f"EVCurrentL{n}", _mqtt_number(0.1)),
            _CURRENT_RANGE,
            f"EV meter current L{n} (dA on the wire)",
        )
        for n in (1, 2, 3)
    ),
    *(
        Field(
            f"mains_current_l{n}",
            "A",
            (_dA("phase_currents", f"L{n}"),),
            MqttSource(f"MainsCurrentL{n}", _mqtt_number(0.1)),
            _CURRENT_RANGE,
            f"Mains current L{n}, + import (dA on the wire)",
        )
        for n in (1, 2, 3)
    ),
    Field(
        "mains_last_update",
        "s",
        (_A("phase_currents", "last_data_update"),),
        None,
        None,
        "Unix time of the last mains data",
    ),
    Field(
        "home_battery_current",
        "A",
        (_dA("home_battery", "current"),),
        MqttSource("HomeBatteryCurrent", _mqtt_number(0.1)),
        _CURRENT_RANGE,
        "Home battery current fed to the charger, + charging",
    ),
    Field(
        "mqtt_prefix",
        "",
        (RestSource(("mqtt", "topic_prefix"), _text),),
        None,
        None,
        "The charger's MQTT topic prefix",
    ),
)
FIELDS_BY_KEY: Final[Mapping[str, Field]] = {field.key: field for field in FIELDS}
FIELDS_BY_TOPIC: Final[Mapping[str, Field]] = {
    field.mqtt.topic: field for field in FIELDS if field.mqtt is not None
}
# The fork's short state names, an alternative to `<prefix>/State`.
MQTT_STATE_SHORT: Final = MqttSource("StateID", _mqtt_state_short, fork_only=True)
MQTT_CONNECTED: Final = "connected"  # `<prefix>/connected`: "online", last will "offline"


def _lookup(doc: Mapping[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = doc
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _plausible(field: Field, value: Any) -> Any:
    if value is None or field.valid is None or isinstance(value, (str, bool)):
        return value
    low, high = field.valid
    return value if low <= value <= high else None


def decode_settings(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Decode a `GET /settings` document into field values; unknown keys are ignored."""
    values: dict[str, Any] = {}
    for field in FIELDS:
        value = None
        for source in field.rest:
            present, raw = _lookup(doc, source.path)
            if present:
                value = source.decode(raw, doc)
                if value is not None:
                    break
        values[field.key] = _plausible(field, value)
    return values


def decode_mqtt(suffix: str, payload: str) -> tuple[str, Any] | None:
    """Decode one published `<prefix>/<suffix>` message; None for topics we do not use."""
    if suffix == MQTT_STATE_SHORT.topic:
        return "state_id", MQTT_STATE_SHORT.decode(payload)
    field = FIELDS_BY_TOPIC.get(suffix)
    if field is None or field.mqtt is None:
        return None
    return field.key, _plausible(field, field.mqtt.decode(payload))


# -- commands -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """A setting Gridmate changes: its POST /settings parameter and its MQTT Set topic."""

    key: str  # the state field it changes
    rest_param: str  # POST /settings?<param>=<value>
    reply: tuple[str, ...]  # where the answer echoes it; absent or "Value not allowed!" = refused
    mqtt_topic: str | None  # <prefix>/<topic>, None when the firmware has no such topic
    description: str


SETTINGS: Final[Mapping[str, Setting]] = {
    setting.key: setting
    for setting in (
        Setting("mode", "mode", ("mode",), "Set/Mode", "mode_id (0-4) / Off, Normal, ..."),
        Setting(
            "override_current",
            "override_current",
            ("override_current",),
            "Set/CurrentOverride",
            "dA; min*10..max*10, only in Normal or Smart",
        ),
        Setting(
            "disable_override_current",
            "disable_override_current",
            ("disable_override_current",),
            "Set/CurrentOverride",
            "any value (REST); 0 (MQTT)",
        ),
        Setting(
            "enable_c2",
            "enable_C2",
            ("settings", "enable_C2"),
            "Set/EnableC2",
            "index 0-4 (name also accepted over MQTT)",
        ),
        Setting(
            "current_max_sum_mains",
            "current_max_sum_mains",
            ("current_max_sum_mains",),
            "Set/CurrentMaxSumMains",
            "A; 0 or 10-600",
        ),
        Setting(
            "solar_start_current",
            "solar_start_current",
            ("solar_start_current",),
            None,
            "A; 0-48",
        ),
        Setting("solar_max_import", "solar_max_import", ("solar_max_import",), None, "A; 0-48"),
        Setting("solar_stop_time", "stop_timer", ("stop_timer",), None, "minutes; 0-60"),
    )
}
CURRENTS_PATH: Final = "/currents"  # POST L1, L2, L3 in dA (mains meter must be API)
SETTINGS_PATH: Final = "/settings"
MQTT_MAINS_TOPIC: Final = "Set/MainsMeter"  # payload "L1:L2:L3" in dA


def encode_mqtt_mains(currents_da: tuple[int, int, int]) -> str:
    """The `<prefix>/Set/MainsMeter` payload."""
    return ":".join(str(value) for value in currents_da)
