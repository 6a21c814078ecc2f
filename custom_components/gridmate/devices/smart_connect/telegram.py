"""The raw P1 telegram (``GET /api/v1/telegram``), parsed with dsmr_parser.

Modbus and MQTT carry the instantaneous values and the energy totals; the telegram adds what
only the meter knows: energy per tariff (1.8.1/1.8.2/2.8.1/2.8.2), the active tariff, the gas
meter (DSMR 24.2.1; Belgian e-MUCS 24.2.3), the Belgian capacity-tariff values (1.4.0 current
15-minute average demand, 1.6.0 this month's peak and when it happened), the last power failure
and the meter identifiers.

The specification is detected from the telegram itself, never asked for:

- Belgian e-MUCS (Fluvius): carries ``0-0:96.1.4`` (e-MUCS version information);
- Luxembourg (Smarty): carries ``0-0:42.0.0`` (logical device name);
- DSMR 5: version line ``1-3:0.2.8(5x)``; DSMR 4: ``1-3:0.2.8(4x)``;
- DSMR 2.2/3.0: no version line and no checksum.

Bad data never takes good data with it: a telegram with a wrong CRC, without its end (``!``)
or checksum is rejected as a whole (the caller keeps the last good one); a known line that
does not parse is skipped and counted; unknown OBIS lines are ignored and counted.
``TELEGRAM_FIELDS`` is the one table of what Gridmate reads from a telegram (entities and docs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
import json
import math
import re
from typing import Any

# dsmr_parser ships no type information.
from dsmr_parser import telegram_specifications  # type: ignore[import-untyped]
from dsmr_parser.exceptions import (  # type: ignore[import-untyped]
    InvalidChecksumError,
    ParseError,
)
from dsmr_parser.objects import (  # type: ignore[import-untyped]
    CosemObject,
    MBusObject,
    ProfileGenericObject,
    Telegram,
)
from dsmr_parser.parsers import (  # type: ignore[import-untyped]
    ProfileGenericParser,
    TelegramParser,
)
from dsmr_parser.profile_generic_specifications import (  # type: ignore[import-untyped]
    BUFFER_TYPES,
    PG_HEAD_PARSERS,
    PG_UNIDENTIFIED_BUFFERTYPE_PARSERS,
)


class Specification(StrEnum):
    """Which smart-meter telegram standard a telegram follows."""

    DSMR_2_2 = "dsmr_2_2"  # Dutch DSMR 2.2 / 3.0: no version line, no CRC
    DSMR_4 = "dsmr_4"  # Dutch DSMR 4.x (updates every 10 s, no voltages)
    DSMR_5 = "dsmr_5"  # Dutch SMR 5.x (every second)
    BELGIUM = "belgium"  # Belgian e-MUCS (Fluvius), with the capacity-tariff values
    LUXEMBOURG = "luxembourg"  # Luxembourg Smarty (plain text, as the bridge passes it on)


_DSMR_SPECS: dict[Specification, dict[str, Any]] = {
    Specification.DSMR_2_2: telegram_specifications.V2_2,
    Specification.DSMR_4: telegram_specifications.V4,
    Specification.DSMR_5: telegram_specifications.V5,
    Specification.BELGIUM: telegram_specifications.BELGIUM_FLUVIUS,
    Specification.LUXEMBOURG: telegram_specifications.LUXEMBOURG_SMARTY,
}

_VERSION_LINE = re.compile(r"^\d-\d:0\.2\.8\((\d+)\)", re.MULTILINE)
_BELGIAN_VERSION_LINE = re.compile(r"^\d-\d:96\.1\.4\(", re.MULTILINE)
_LUXEMBOURG_ID_LINE = re.compile(r"^\d-\d:42\.0\.0\(", re.MULTILINE)
_OBIS_LINE = re.compile(r"^\d+-\d+:\d+\.\d+\.\d+")
_CHECKSUM = re.compile(r"^![0-9A-Fa-f]{4}\s*$")


class TelegramError(ValueError):
    """A telegram that was rejected as a whole."""


class TelegramChecksumError(TelegramError):
    """The CRC16 does not match the telegram's contents (transmission error)."""


class TelegramTruncatedError(TelegramError):
    """The telegram lacks its start (``/``), end (``!``) or checksum."""


class TelegramValue(StrEnum):
    """How a telegram field is turned into a value."""

    ENERGY = "energy"  # kWh, >= 0
    POWER = "power"  # kW
    TIMESTAMP = "timestamp"  # datetime (UTC)
    TARIFF = "tariff"  # 1, 2, ...
    IDENTIFIER = "identifier"  # hex-encoded ASCII on the wire, text here
    TEXT = "text"
    DURATION = "duration"  # seconds


@dataclass(frozen=True, slots=True, kw_only=True)
class TelegramField:
    """One value Gridmate reads from the telegram."""

    key: str
    obis: str  # as the standards write it, for people
    names: tuple[str, ...]  # dsmr_parser object names; the first one present wins
    value: TelegramValue
    description: str
    read: str = "value"  # which part of the object: "value", "datetime", "last_failure_end"


TELEGRAM_FIELDS: tuple[TelegramField, ...] = (
    TelegramField(
        key="energy_import_tariff_1",
        obis="1-0:1.8.1",
        names=("ELECTRICITY_USED_TARIFF_1",),
        value=TelegramValue.ENERGY,
        description="Energy imported in tariff 1",
    ),
    TelegramField(
        key="energy_import_tariff_2",
        obis="1-0:1.8.2",
        names=("ELECTRICITY_USED_TARIFF_2",),
        value=TelegramValue.ENERGY,
        description="Energy imported in tariff 2",
    ),
    TelegramField(
        key="energy_export_tariff_1",
        obis="1-0:2.8.1",
        names=("ELECTRICITY_DELIVERED_TARIFF_1",),
        value=TelegramValue.ENERGY,
        description="Energy exported in tariff 1",
    ),
    TelegramField(
        key="energy_export_tariff_2",
        obis="1-0:2.8.2",
        names=("ELECTRICITY_DELIVERED_TARIFF_2",),
        value=TelegramValue.ENERGY,
        description="Energy exported in tariff 2",
    ),
    TelegramField(
        key="active_tariff",
        obis="0-0:96.14.0",
        names=("ELECTRICITY_ACTIVE_TARIFF",),
        value=TelegramValue.TARIFF,
        description="Tariff the meter counts in now",
    ),
    TelegramField(
        key="average_demand",
        obis="1-0:1.4.0",
        names=("BELGIUM_CURRENT_AVERAGE_DEMAND",),
        value=TelegramValue.POWER,
        description="Capacity tariff: average demand of the current 15 minutes",
    ),
    TelegramField(
        key="peak_demand_month",
        obis="1-0:1.6.0",
        names=("BELGIUM_MAXIMUM_DEMAND_MONTH",),
        value=TelegramValue.POWER,
        description="Capacity tariff: highest 15-minute average demand this month",
    ),
    TelegramField(
        key="peak_demand_month_time",
        obis="1-0:1.6.0",
        names=("BELGIUM_MAXIMUM_DEMAND_MONTH",),
        value=TelegramValue.TIMESTAMP,
        description="Capacity tariff: when this month's peak happened",
        read="datetime",
    ),
    TelegramField(
        key="last_power_failure",
        obis="1-0:99.97.0",
        names=("POWER_EVENT_FAILURE_LOG",),
        value=TelegramValue.TIMESTAMP,
        description="End of the last long power failure (failure event log)",
        read="last_failure_end",
    ),
    TelegramField(
        key="last_power_failure_duration",
        obis="1-0:99.97.0",
        names=("POWER_EVENT_FAILURE_LOG",),
        value=TelegramValue.DURATION,
        description="Duration of the last long power failure",
        read="last_failure_duration",
    ),
    TelegramField(
        key="meter_id",
        obis="0-0:96.1.1 / 0-0:42.0.0",
        names=(
            "EQUIPMENT_IDENTIFIER",
            "BELGIUM_EQUIPMENT_IDENTIFIER",
            "LUXEMBOURG_EQUIPMENT_IDENTIFIER",
        ),
        value=TelegramValue.IDENTIFIER,
        description="Electricity meter identifier",
    ),
    TelegramField(
        key="p1_version",
        obis="1-3:0.2.8 / 0-0:96.1.4",
        names=("P1_MESSAGE_HEADER", "BELGIUM_VERSION_INFORMATION"),
        value=TelegramValue.TEXT,
        description="Version of the P1 standard the meter speaks",
    ),
)

GAS_FIELD_OBIS = "0-n:24.2.1 (DSMR 4/5), 0-n:24.2.3 (e-MUCS), 0-n:24.3.0 (DSMR 2.2)"
GAS_DEVICE_TYPE = 3  # M-Bus device type of a gas meter (7 = water)
_GAS_READINGS = ("MBUS_METER_READING", "HOURLY_GAS_METER_READING", "GAS_METER_READING")
_GAS_IDENTIFIERS = ("MBUS_EQUIPMENT_IDENTIFIER", "EQUIPMENT_IDENTIFIER_GAS")
_GAS_DEVICE_TYPES = ("MBUS_DEVICE_TYPE", "DEVICE_TYPE")

# Beyond these a value cannot come from a home connection (like registers.PLAUSIBLE_RANGE).
_MAX_ENERGY_KWH = 1e9
_MAX_POWER_KW = 350.0
_MAX_GAS_M3 = 1e8


@dataclass(frozen=True, slots=True)
class GasMeter:
    """The gas meter on the smart meter's M-Bus."""

    channel: int
    equipment_id: str | None
    value_m3: float | None
    measured_at: datetime | None  # when the gas meter took the reading (UTC)


@dataclass(frozen=True, slots=True)
class P1Telegram:
    """What Gridmate took from one telegram.

    ``values`` holds only the TELEGRAM_FIELDS the telegram contains (None when a line was
    there but its value unusable), so entities can exist only for what the meter sends.
    """

    specification: Specification
    values: dict[str, float | int | str | datetime | None]
    gas: GasMeter | None = None
    skipped_lines: int = 0  # known lines that did not parse
    unknown_lines: int = 0  # OBIS lines no specification describes
    line_count: int = 0
    raw: str = field(default="", repr=False)


class _SkippedLine:
    """Stands in for a line whose value did not parse (it then counts, and shows nothing)."""

    def __init__(self, line: str) -> None:
        self.line = line


class _Guarded:
    """A dsmr_parser value parser that turns any failure into a skipped line.

    dsmr_parser logs every unparsable line as an error with its traceback and lets unexpected
    exceptions (IndexError, ValueError) escape; from a device answering every minute that
    would flood the log or lose the whole telegram.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def parse(self, line: str) -> Any:
        parser = self._inner
        if isinstance(parser, ProfileGenericParser):
            # ProfileGenericParser appends to its own parser list on every call (it would grow
            # for as long as Home Assistant runs): use a fresh one per line.
            parser = ProfileGenericParser(
                BUFFER_TYPES, PG_HEAD_PARSERS, PG_UNIDENTIFIED_BUFFERTYPE_PARSERS
            )
        try:
            return parser.parse(line)
        except Exception:  # any malformed line is skipped and counted
            return _SkippedLine(line)


def _guarded(spec: Mapping[str, Any]) -> dict[str, Any]:
    guarded = copy.copy(dict(spec))
    guarded["objects"] = [
        {**obj, "value_parser": _Guarded(obj["value_parser"])} for obj in spec["objects"]
    ]
    return guarded


_PARSERS: dict[Specification, TelegramParser] = {
    spec: TelegramParser(_guarded(definition), apply_checksum_validation=True)
    for spec, definition in _DSMR_SPECS.items()
}
_SIGNATURES: dict[Specification, tuple[re.Pattern[str], ...]] = {
    spec: tuple(parser.telegram_specification_regexes.values()) for spec, parser in _PARSERS.items()
}


def detect_specification(text: str) -> Specification:
    """Which standard a telegram follows, from its own lines."""
    if _BELGIAN_VERSION_LINE.search(text):
        return Specification.BELGIUM
    if _LUXEMBOURG_ID_LINE.search(text):
        return Specification.LUXEMBOURG
    if match := _VERSION_LINE.search(text):
        return Specification.DSMR_4 if match.group(1).startswith("4") else Specification.DSMR_5
    return Specification.DSMR_2_2


def frame(text: str) -> str:
    """The telegram from ``/`` to its end line, with P1's CR LF line ends.

    Raises TelegramTruncatedError when the start or the end (``!``, with the 4-digit CRC for
    every standard from DSMR 4 on) is missing.
    """
    start = text.find("/")
    if start < 0:
        raise TelegramTruncatedError("no telegram start '/'")
    body = text[start:].replace("\r\n", "\n").replace("\r", "\n")
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("!"):
            return "\r\n".join([*lines[:index], line.strip()]) + "\r\n"
    raise TelegramTruncatedError("no telegram end '!'")


def parse_telegram(text: str) -> P1Telegram:
    """Parse one telegram of any supported standard.

    Raises TelegramChecksumError or TelegramTruncatedError when it must be rejected as a whole.
    """
    telegram_text = frame(text)
    spec = detect_specification(telegram_text)
    end_line = telegram_text.rstrip("\r\n").rsplit("\r\n", 1)[-1]
    checksummed = bool(_DSMR_SPECS[spec]["checksum_support"])
    if checksummed and not _CHECKSUM.match(end_line):
        raise TelegramTruncatedError("the telegram's CRC is missing")
    if checksummed:
        # dsmr_parser only matches an upper-case checksum.
        telegram_text = telegram_text[: -len(end_line) - 2] + end_line.upper() + "\r\n"
    try:
        parsed = _PARSERS[spec].parse(telegram_text)
    except InvalidChecksumError as err:
        raise TelegramChecksumError(str(err)) from err
    except ParseError as err:
        raise TelegramTruncatedError(str(err)) from err
    # OBIS lines that no object of the standard describes (a line can open a multi-line
    # object, like DSMR 2.2's gas reading, so match on the whole text).
    described = {m.start() for sig in _SIGNATURES[spec] for m in sig.finditer(telegram_text)}
    starts: list[int] = []
    offset = 0
    for line in telegram_text.split("\r\n"):
        if _OBIS_LINE.match(line):
            starts.append(offset)
        offset += len(line) + 2
    unknown = sum(1 for start in starts if start not in described)
    skipped = sum(1 for _, value in parsed if isinstance(value, _SkippedLine))
    skipped += sum(
        1
        for device in getattr(parsed, "MBUS_DEVICES", ())
        for _, value in device
        if isinstance(value, _SkippedLine)
    )
    values: dict[str, float | int | str | datetime | None] = {}
    for telegram_field in TELEGRAM_FIELDS:
        obj = _first(parsed, telegram_field.names)
        if obj is None:
            continue
        values[telegram_field.key] = _READERS[telegram_field.value](obj, telegram_field.read)
    return P1Telegram(
        specification=spec,
        values=values,
        gas=_gas_meter(parsed),
        skipped_lines=skipped,
        unknown_lines=unknown,
        line_count=len(starts),
        raw=telegram_text,
    )


def _first(container: Telegram | Any, names: tuple[str, ...]) -> Any:
    for name in names:
        value = getattr(container, name, None)
        if value is not None and not isinstance(value, _SkippedLine):
            return value
    return None


def _finite(value: Any) -> float | None:
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _scaled(obj: Any, base_unit: str, limit: float) -> float | None:
    """The object's value in k<base_unit> (kWh, kW), accepting a meter that writes Wh or W."""
    number = _finite(getattr(obj, "value", None))
    if number is None:
        return None
    unit = (getattr(obj, "unit", None) or "").strip()
    if unit.lower() == f"k{base_unit}".lower() or not unit:
        pass
    elif unit.lower() == base_unit.lower():
        number /= 1000.0
    else:
        return None  # a unit we do not know: better unknown than wrong
    return number if 0.0 <= number <= limit else None


def _read_energy(obj: Any, _read: str) -> float | None:
    return _scaled(obj, "Wh", _MAX_ENERGY_KWH)


def _read_power(obj: Any, _read: str) -> float | None:
    return _scaled(obj, "W", _MAX_POWER_KW)


def _last_failure(obj: Any) -> MBusObject | None:
    if not isinstance(obj, ProfileGenericObject):
        return None
    try:
        buffer = obj.buffer
    except (IndexError, KeyError, TypeError):
        return None
    # The log lists the failures oldest first in practice, but only its order is standard;
    # take the one that ended last.
    ended = [entry for entry in buffer if isinstance(entry.datetime, datetime)]
    return max(ended, key=lambda entry: entry.datetime) if ended else None


def _read_timestamp(obj: Any, read: str) -> datetime | None:
    if read == "last_failure_end":
        entry = _last_failure(obj)
        return entry.datetime if entry is not None else None
    value = obj.datetime if read == "datetime" else getattr(obj, "value", None)
    return value if isinstance(value, datetime) else None


def _read_duration(obj: Any, _read: str) -> int | None:
    entry = _last_failure(obj)
    value = _finite(entry.value) if entry is not None else None
    return int(value) if value is not None and value >= 0 else None


def _read_tariff(obj: Any, _read: str) -> int | None:
    value = getattr(obj, "value", None)
    try:
        tariff = int(str(value).strip())
    except ValueError:
        return None
    return tariff if 1 <= tariff <= 9 else None


def decode_identifier(value: str) -> str:
    """Meter identifiers travel as hex-encoded ASCII ("4530..." is "E0..."); else as they are."""
    text = value.strip()
    if len(text) % 2 == 0 and text and all(c in "0123456789abcdefABCDEF" for c in text):
        try:
            decoded = bytes.fromhex(text).decode("ascii")
        except UnicodeDecodeError:
            return text
        if decoded.isprintable() and decoded.strip():
            return decoded.strip()
    return text


def _read_identifier(obj: Any, _read: str) -> str | None:
    value = getattr(obj, "value", None)
    if not isinstance(value, str) or not value.strip():
        return None
    return decode_identifier(value)


def _read_text(obj: Any, _read: str) -> str | None:
    value = getattr(obj, "value", None)
    return value.strip() if isinstance(value, str) and value.strip() else None


_READERS: dict[TelegramValue, Callable[[Any, str], Any]] = {
    TelegramValue.ENERGY: _read_energy,
    TelegramValue.POWER: _read_power,
    TelegramValue.TIMESTAMP: _read_timestamp,
    TelegramValue.TARIFF: _read_tariff,
    TelegramValue.IDENTIFIER: _read_identifier,
    TelegramValue.TEXT: _read_text,
    TelegramValue.DURATION: _read_duration,
}


def _gas_meter(parsed: Telegram) -> GasMeter | None:
    """The first M-Bus device that reads in m3 and is not of another type."""
    for device in sorted(getattr(parsed, "MBUS_DEVICES", ()), key=lambda d: d.channel_id):
        reading = _first(device, _GAS_READINGS)
        if not isinstance(reading, MBusObject):
            continue
        device_type = _first(device, _GAS_DEVICE_TYPES)
        if isinstance(device_type, CosemObject):
            try:
                if int(device_type.value) != GAS_DEVICE_TYPE:
                    continue
            except (TypeError, ValueError):
                pass
        try:
            unit = str(reading.unit or "").lower()
            raw_value, measured = reading.value, reading.datetime
        except (IndexError, KeyError, TypeError):
            continue
        if unit != "m3":
            continue
        value = _finite(raw_value)
        identifier = _first(device, _GAS_IDENTIFIERS)
        return GasMeter(
            channel=int(device.channel_id),
            equipment_id=_read_identifier(identifier, "value") if identifier else None,
            value_m3=value if value is not None and 0.0 <= value <= _MAX_GAS_M3 else None,
            measured_at=measured if isinstance(measured, datetime) else None,
        )
    return None


def extract_telegram_text(body: str) -> str:
    """The telegram in an HTTP answer: the body itself, or the text inside a JSON object.

    The manual does not document the answer's format; raw text and ``{"telegram": "..."}``
    (any key whose value is the telegram) are both accepted.
    """
    stripped = body.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return body
        if isinstance(data, dict):
            for value in data.values():
                if isinstance(value, str) and "/" in value and "!" in value:
                    return value
    return body
