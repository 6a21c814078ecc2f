"""Read planning and decoding for the meter profiles: raw registers in, signed SI values out.

- `plan_reads` coalesces a profile's registers into the fewest block reads (at most the
  profile's `max_registers_per_read`, never spanning more than `max_gap` unused registers, never
  touching a `refused` range, one function code per block).
- `decode_reading` turns a register image (what those reads returned) into a `MeterReading`:
  NaN, infinities, ABB's all-0xFF marker and implausible values become None; unsigned currents
  take the sign of their phase power; a missing total power is the sum of the phases; the
  `inverted` option (meter fed from below) negates powers and currents and swaps import/export.
- `check_fit` flags readings that point at a wrong profile or unit id (config flow).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
import math
import struct

from .profiles import (
    PHASE_CURRENTS,
    PHASE_POWERS,
    PHASE_VOLTAGES,
    PLAUSIBLE_RANGE,
    DataType,
    FunctionCode,
    Kind,
    Measurand,
    MeterProfile,
    RegisterSpec,
    WordOrder,
)

# (function code, address) -> 16-bit register value, as returned by the meter.
type RegisterImage = Mapping[tuple[int, int], int]

_STRUCT: dict[DataType, str] = {
    DataType.INT16: ">h",
    DataType.UINT16: ">H",
    DataType.INT32: ">i",
    DataType.UINT32: ">I",
    DataType.FLOAT32: ">f",
    DataType.INT64: ">q",
    DataType.UINT64: ">Q",
}


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One read transaction: `count` registers from `start` with `function_code`."""

    function_code: FunctionCode
    start: int
    count: int

    @property
    def end(self) -> int:
        """One past the last register."""
        return self.start + self.count


def words_to_raw(words: Sequence[int], data_type: DataType, word_order: WordOrder) -> float:
    """Combine register words into the raw number the type encodes (before scaling)."""
    if len(words) != data_type.width:
        raise ValueError(f"{data_type} needs {data_type.width} registers, got {len(words)}")
    ordered = list(words) if word_order is WordOrder.HIGH_FIRST else list(reversed(words))
    payload = b"".join((w & 0xFFFF).to_bytes(2, "big") for w in ordered)
    value: float = struct.unpack(_STRUCT[data_type], payload)[0]
    return value


def is_not_available(words: Sequence[int], data_type: DataType, word_order: WordOrder) -> bool:
    """ABB's 'not available' marker: all bits set, or the largest positive value if signed."""
    ordered = list(words) if word_order is WordOrder.HIGH_FIRST else list(reversed(words))
    if not data_type.signed or data_type is DataType.FLOAT32:
        return all(w == 0xFFFF for w in ordered)
    return ordered[0] == 0x7FFF and all(w == 0xFFFF for w in ordered[1:])


def plausible(measurand: Measurand, value: float) -> bool:
    """Whether a decoded SI value can be real (finite and within the kind's range)."""
    if not math.isfinite(value):
        return False
    low, high = PLAUSIBLE_RANGE[measurand.kind]
    return low <= value <= high


def plan_reads(
    profile: MeterProfile, measurands: Iterable[Measurand] | None = None
) -> tuple[ReadBlock, ...]:
    """Coalesce the registers of `measurands` (default: all mapped) into the fewest reads."""
    wanted = profile.registers.keys() if measurands is None else set(measurands)
    spans: dict[FunctionCode, list[tuple[int, int]]] = {}
    for measurand in wanted:
        spec = profile.spec(measurand)
        if spec is None:
            continue
        spans.setdefault(profile.function_code_of(spec), []).append(
            (spec.address, spec.address + spec.width)
        )
    limit = profile.max_registers_per_read
    blocks: list[ReadBlock] = []
    for function_code in sorted(spans):
        start = end = -1
        for lo, hi in sorted(spans[function_code]):
            if start >= 0 and (
                max(hi, end) - start <= limit
                and lo - end <= profile.max_gap
                and not _touches_refused(profile, start, max(hi, end))
            ):
                end = max(end, hi)
                continue
            if start >= 0:
                blocks.append(ReadBlock(function_code, start, end - start))
            start, end = lo, hi
        if start >= 0:
            blocks.append(ReadBlock(function_code, start, end - start))
    return tuple(blocks)


def _touches_refused(profile: MeterProfile, start: int, end: int) -> bool:
    return any(lo < end and start < hi for lo, hi in profile.refused)


def image_from_blocks(
    responses: Iterable[tuple[ReadBlock, Sequence[int]]],
) -> dict[tuple[int, int], int]:
    """Merge block read results into one register image."""
    image: dict[tuple[int, int], int] = {}
    for block, registers in responses:
        if len(registers) != block.count:
            raise ValueError(f"block {block} returned {len(registers)} registers")
        for offset, value in enumerate(registers):
            image[(int(block.function_code), block.start + offset)] = value & 0xFFFF
    return image


def decode_value(profile: MeterProfile, measurand: Measurand, image: RegisterImage) -> float | None:
    """Decode one quantity to SI units; None when absent, not available or implausible."""
    spec = profile.spec(measurand)
    if spec is None:
        return None
    words = _words(profile, spec, image)
    if words is None:
        return None
    order = profile.word_order_of(spec)
    if profile.not_available_all_ones and is_not_available(words, spec.data_type, order):
        return None
    raw = words_to_raw(words, spec.data_type, order)
    if not math.isfinite(raw):
        return None
    value = _clean(raw * spec.scale, spec)
    return value if plausible(measurand, value) else None


FLOAT32_DIGITS = 7  # significant decimal digits a float32 carries


def _clean(value: float, spec: RegisterSpec) -> float:
    """Drop binary noise the encoding cannot carry: 231.1 rather than 231.10000610351562.

    A float32 holds about 7 significant digits; an integer times a decimal scale (0.1, 0.001)
    has exactly as many decimals as the scale.
    """
    if spec.data_type is DataType.FLOAT32:
        return float(f"{value:.{FLOAT32_DIGITS}g}")
    decimals = _scale_decimals(spec.scale)
    return value if decimals is None else round(value, decimals)


def _scale_decimals(scale: float) -> int | None:
    """Decimals of a decimal scale (0.01 -> 2, 10 -> 0); None for a scale like 1/3."""
    for decimals in range(10):
        shifted = abs(scale) * 10**decimals
        if abs(shifted - round(shifted)) < 1e-6:
            return decimals
    return None


def _words(profile: MeterProfile, spec: RegisterSpec, image: RegisterImage) -> list[int] | None:
    function_code = int(profile.function_code_of(spec))
    words: list[int] = []
    for address in range(spec.address, spec.address + spec.width):
        word = image.get((function_code, address))
        if word is None:
            return None
        words.append(word)
    return words


@dataclass(frozen=True, slots=True)
class MeterReading:
    """Decoded values of one poll, SI units (V, A, W, Wh, Hz), + power = import from grid.

    A quantity the profile provides but that could not be read or was implausible is None;
    a quantity the profile does not provide is absent.
    """

    values: Mapping[Measurand, float | None]

    def get(self, measurand: Measurand) -> float | None:
        """Value of a quantity, None if unknown or not provided."""
        return self.values.get(measurand)

    def __contains__(self, measurand: object) -> bool:
        return measurand in self.values


def decode_reading(
    profile: MeterProfile, image: RegisterImage, *, inverted: bool = False
) -> MeterReading:
    """Decode every quantity of `profile` from a register image."""
    values: dict[Measurand, float | None] = {
        m: decode_value(profile, m, image) for m in profile.registers
    }
    if profile.unsigned_current:
        for current, power in zip(PHASE_CURRENTS, PHASE_POWERS, strict=True):
            if current in values and power in profile.registers:
                magnitude, phase_power = values[current], values[power]
                if magnitude is None or phase_power is None:
                    values[current] = None  # a current without its sign is unknown
                else:
                    values[current] = math.copysign(abs(magnitude), phase_power or 1.0)
    if profile.sums_phase_power:
        phase_values = [values.get(m) for m in PHASE_POWERS[: profile.phases]]
        values[Measurand.POWER] = (
            None if any(v is None for v in phase_values) else sum(v or 0.0 for v in phase_values)
        )
    if inverted:
        values = _invert(values)
    return MeterReading(values={m: values[m] for m in Measurand if m in values})


def _invert(values: dict[Measurand, float | None]) -> dict[Measurand, float | None]:
    out: dict[Measurand, float | None] = {}
    for measurand, value in values.items():
        flip = value is not None and value != 0 and measurand.kind in (Kind.POWER, Kind.CURRENT)
        out[measurand] = -value if flip and value is not None else value
    if Measurand.ENERGY_IMPORT in values or Measurand.ENERGY_EXPORT in values:
        imported = values.get(Measurand.ENERGY_IMPORT)
        exported = values.get(Measurand.ENERGY_EXPORT)
        out.pop(Measurand.ENERGY_IMPORT, None)
        out.pop(Measurand.ENERGY_EXPORT, None)
        if Measurand.ENERGY_EXPORT in values:
            out[Measurand.ENERGY_IMPORT] = exported
        if Measurand.ENERGY_IMPORT in values:
            out[Measurand.ENERGY_EXPORT] = imported
    return out


class FitProblem(StrEnum):
    """Why a reading suggests the wrong profile, unit id or wiring (for the config flow)."""

    NO_VALUES = "no_values"  # nothing decoded at all
    UNKNOWN_VALUES = "unknown_values"  # some provided quantities are NaN/implausible
    NO_GRID_VOLTAGE = "no_grid_voltage"  # voltages read, none like a phase voltage
    LINE_VOLTAGE = "line_voltage"  # 300..500 V: a line-to-line register read as phase voltage
    FREQUENCY = "frequency"  # not a 50/60 Hz grid


PHASE_VOLTAGE_RANGE = (90.0, 280.0)  # V, line to neutral, any grid the meters are sold for
GRID_FREQUENCY_RANGE = (45.0, 65.0)  # Hz


def check_fit(reading: MeterReading) -> tuple[FitProblem, ...]:
    """Sanity checks a config flow runs on a first reading before it accepts a profile.

    An empty tuple means the reading looks like a real grid connection. A 3-phase meter on a
    1-phase connection is fine (one phase voltage in range, the others 0).
    """
    values = reading.values
    if not values or all(v is None for v in values.values()):
        return (FitProblem.NO_VALUES,)
    problems: list[FitProblem] = []
    if any(v is None for v in values.values()):
        problems.append(FitProblem.UNKNOWN_VALUES)
    voltages = [values[m] for m in PHASE_VOLTAGES if values.get(m) is not None]
    low, high = PHASE_VOLTAGE_RANGE
    if any(v is not None and high < v for v in voltages):
        problems.append(FitProblem.LINE_VOLTAGE)
    elif voltages and not any(v is not None and low <= v <= high for v in voltages):
        problems.append(FitProblem.NO_GRID_VOLTAGE)
    frequency = values.get(Measurand.FREQUENCY)
    if frequency is not None and not (
        GRID_FREQUENCY_RANGE[0] <= frequency <= GRID_FREQUENCY_RANGE[1]
    ):
        problems.append(FitProblem.FREQUENCY)
    return tuple(problems)
