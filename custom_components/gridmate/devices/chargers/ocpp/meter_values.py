"""MeterValues (and StopTransaction transactionData) into the quantities Gridmate shows.

OCPP 1.6 sampled values are strings with an optional measurand (default
Energy.Active.Import.Register), phase, location, unit (default Wh) and format. We keep what a
charger owner and the controller need: imported energy, active power, current and voltage per
phase, the current offered to the car, the car's state of charge and the charger temperature.

Rules, so a wrong number is never shown as right:
- values that are not finite numbers, signed data (`format` SignedData) and unknown units are
  skipped; so is anything measured at the `Inlet` (the grid side some chargers also meter);
- energies become Wh, powers W, temperatures degrees Celsius;
- a current or voltage without a phase is taken as L1 (single-phase chargers send it so);
  line-to-line voltages are used only when no line-to-neutral voltage is sent;
- a total (no phase) wins over the sum of the phases; the sum is used when only phases come;
- of several meterValue elements the latest timestamp wins, quantity by quantity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
import math
from typing import Any

type PhaseValues = tuple[float | None, float | None, float | None]

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
CURRENT = "Current.Import"
CURRENT_OFFERED = "Current.Offered"
VOLTAGE = "Voltage"
SOC = "SoC"
TEMPERATURE = "Temperature"

# What the driver asks a charger to sample (MeterValuesSampledData), most wanted first: a
# charger that rejects the list is asked again with fewer.
WANTED_MEASURANDS: tuple[str, ...] = (ENERGY, POWER, CURRENT, VOLTAGE, CURRENT_OFFERED, SOC)

_SCALE: dict[str, dict[str, float]] = {
    ENERGY: {"Wh": 1.0, "kWh": 1000.0},
    POWER: {"W": 1.0, "kW": 1000.0},
    CURRENT: {"A": 1.0},
    CURRENT_OFFERED: {"A": 1.0},
    VOLTAGE: {"V": 1.0},
    SOC: {"Percent": 1.0},
}
_DEFAULT_UNIT: dict[str, str] = {
    ENERGY: "Wh",
    POWER: "W",
    CURRENT: "A",
    CURRENT_OFFERED: "A",
    VOLTAGE: "V",
    SOC: "Percent",
    TEMPERATURE: "Celsius",
}
_PHASES: dict[str, int] = {"L1": 0, "L2": 1, "L3": 2, "L1-N": 0, "L2-N": 1, "L3-N": 2}
_LINE_TO_LINE: dict[str, int] = {"L1-L2": 0, "L2-L3": 1, "L3-L1": 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Measurements:
    """The last known value of each quantity; None = not sent (yet)."""

    energy_wh: float | None = None
    power_w: float | None = None
    currents: PhaseValues = (None, None, None)
    voltages: PhaseValues = (None, None, None)
    current_offered: float | None = None
    soc_pct: float | None = None
    temperature_c: float | None = None
    # When the charger says these were sampled (UTC); None if it did not say.
    sampled_at: datetime | None = None


@dataclass(slots=True)
class _Collector:
    """Values of one meterValue element while it is parsed."""

    totals: dict[str, float] = field(default_factory=dict)
    phases: dict[str, list[float | None]] = field(default_factory=dict)
    line_to_line: list[float | None] = field(default_factory=lambda: [None, None, None])
    skipped: int = 0

    def phase(self, measurand: str, index: int, value: float) -> None:
        self.phases.setdefault(measurand, [None, None, None])[index] = value


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _temperature(value: float, unit: str) -> float | None:
    if unit == "Celsius":
        return value
    if unit == "Fahrenheit":
        return (value - 32.0) * 5.0 / 9.0
    if unit == "K":
        return value - 273.15
    return None


def parse_timestamp(raw: Any) -> datetime | None:
    """An OCPP date-time (ISO 8601, usually with Z) as an aware datetime; None if unreadable."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _collect(sampled_values: Iterable[Any]) -> _Collector:
    out = _Collector()
    for sample in sampled_values:
        if not isinstance(sample, Mapping):
            out.skipped += 1
            continue
        measurand = sample.get("measurand") or ENERGY
        unit = sample.get("unit") or _DEFAULT_UNIT.get(measurand, "")
        value = _number(sample.get("value"))
        if (
            measurand not in _DEFAULT_UNIT
            or value is None
            or sample.get("format") == "SignedData"
            or sample.get("location") == "Inlet"
        ):
            out.skipped += 1
            continue
        if measurand == TEMPERATURE:
            converted = _temperature(value, unit)
        else:
            factor = _SCALE[measurand].get(unit)
            converted = None if factor is None else value * factor
        if converted is None:
            out.skipped += 1
            continue
        phase = sample.get("phase")
        if measurand == VOLTAGE and phase in _LINE_TO_LINE:
            out.line_to_line[_LINE_TO_LINE[phase]] = converted
        elif measurand in (CURRENT, VOLTAGE, POWER, ENERGY) and phase in _PHASES:
            out.phase(measurand, _PHASES[phase], converted)
        elif phase in (None, ""):
            out.totals[measurand] = converted
        else:  # N, or a phase that makes no sense for this measurand
            out.skipped += 1
    return out


def _total(collected: _Collector, measurand: str) -> float | None:
    if measurand in collected.totals:
        return collected.totals[measurand]
    phases = collected.phases.get(measurand)
    if phases and any(v is not None for v in phases):
        return sum(v for v in phases if v is not None)
    return None


def _per_phase(collected: _Collector, measurand: str) -> PhaseValues | None:
    phases = collected.phases.get(measurand)
    if phases and any(v is not None for v in phases):
        return (phases[0], phases[1], phases[2])
    if measurand in collected.totals:
        return (collected.totals[measurand], None, None)
    if measurand == VOLTAGE and any(v is not None for v in collected.line_to_line):
        # Only line-to-line voltages: the line-to-neutral ones of a balanced supply.
        return tuple(  # type: ignore[return-value]
            None if v is None else v / math.sqrt(3) for v in collected.line_to_line
        )
    return None


def merge_meter_values(
    previous: Measurements, meter_values: Iterable[Any]
) -> tuple[Measurements, int]:
    """`previous` updated with every meterValue element, oldest first; and how many were skipped.

    Elements of one message are applied in timestamp order (unreadable timestamps first, in
    message order), so a message carrying history ends on its newest values. Messages are never
    compared with each other by timestamp: a charger whose clock jumped back after a reboot
    must not freeze its readings.
    """
    elements = [mv for mv in meter_values if isinstance(mv, Mapping)]
    skipped = 0

    def order(item: tuple[int, Mapping[str, Any]]) -> tuple[int, float, int]:
        timestamp = parse_timestamp(item[1].get("timestamp"))
        return (0, 0.0, item[0]) if timestamp is None else (1, timestamp.timestamp(), item[0])

    result = previous
    for _, element in sorted(enumerate(elements), key=order):
        sampled = element.get("sampled_value") or element.get("sampledValue") or []
        collected = _collect(sampled if isinstance(sampled, list) else [])
        skipped += collected.skipped
        timestamp = parse_timestamp(element.get("timestamp"))
        updates: dict[str, Any] = {}
        if (energy := _total(collected, ENERGY)) is not None:
            updates["energy_wh"] = energy
        if (power := _total(collected, POWER)) is not None:
            updates["power_w"] = power
        if (currents := _per_phase(collected, CURRENT)) is not None:
            updates["currents"] = currents
        if (voltages := _per_phase(collected, VOLTAGE)) is not None:
            updates["voltages"] = voltages
        if CURRENT_OFFERED in collected.totals:
            updates["current_offered"] = collected.totals[CURRENT_OFFERED]
        if SOC in collected.totals and 0 <= collected.totals[SOC] <= 100:
            updates["soc_pct"] = collected.totals[SOC]
        if TEMPERATURE in collected.totals:
            updates["temperature_c"] = collected.totals[TEMPERATURE]
        if updates:
            updates["sampled_at"] = timestamp or result.sampled_at
            result = replace(result, **updates)
    return result, skipped
