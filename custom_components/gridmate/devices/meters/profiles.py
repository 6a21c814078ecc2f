"""Modbus kWh meter profiles: the one declarative table every other part reads.

Each `MeterProfile` says, per measured quantity (`Measurand`), which register holds it, how the
value is encoded (`DataType`, `WordOrder`) and the factor that turns the raw number into SI
units (V, A, W, Wh, Hz; power factor unitless). The driver plans its reads and decodes with this
table, the simulator encodes from it, the Home Assistant layer builds its meter list and entities
from it, and `docs/meters.md` is generated from it (`python -m
custom_components.gridmate.devices.meters.doc`).

Addresses are the ones sent on the wire (0-based protocol addresses), not the 3xxxx/4xxxx
"register numbers" many manuals print. Byte order inside a register is always big-endian (Modbus);
`WordOrder` only says which 16-bit word of a 32/64-bit value comes first.

Every profile carries its verification status and its sources. Status meanings:

- ``verified``: the register facts used here were read in the vendor's own document.
- ``cross_checked``: not read in the vendor document itself, but two or more independent public
  implementations that cite the vendor document agree (and real-device reports where noted).
- ``unverified``: a single secondary source, or an inference; the map may be wrong. Offer it with
  a warning, or let the user enter a custom map.
- ``user``: the custom profile, built from what the user entered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from types import MappingProxyType

from custom_components.gridmate.devices.smart_connect.registers import REGISTERS_BY_KEY as _EMPRO

MAX_REGISTERS_PER_READ = 125  # Modbus limit for function codes 3 and 4


class FunctionCode(IntEnum):
    """Modbus read function."""

    HOLDING = 3
    INPUT = 4


class DataType(StrEnum):
    """How a value is encoded in its register(s)."""

    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    INT64 = "int64"
    UINT64 = "uint64"

    @property
    def width(self) -> int:
        """Registers (16-bit words) the value occupies."""
        return _WIDTH[self]

    @property
    def signed(self) -> bool:
        """Whether the type can carry a negative value."""
        return self in (DataType.INT16, DataType.INT32, DataType.INT64, DataType.FLOAT32)


_WIDTH = {
    DataType.INT16: 1,
    DataType.UINT16: 1,
    DataType.INT32: 2,
    DataType.UINT32: 2,
    DataType.FLOAT32: 2,
    DataType.INT64: 4,
    DataType.UINT64: 4,
}

# The data types a user may pick for a custom map (the list).
CUSTOM_DATA_TYPES: tuple[DataType, ...] = (
    DataType.INT16,
    DataType.UINT16,
    DataType.INT32,
    DataType.UINT32,
    DataType.FLOAT32,
    DataType.INT64,
)


class WordOrder(StrEnum):
    """Order of the 16-bit words of a multi-register value."""

    HIGH_FIRST = "high_first"  # "ABCD", big-endian
    LOW_FIRST = "low_first"  # "CDAB", word-swapped (Carlo Gavazzi, Phoenix Contact)


class Kind(StrEnum):
    """Physical kind of a measurand: decides unit and plausible range."""

    VOLTAGE = "voltage"  # V
    CURRENT = "current"  # A
    POWER = "power"  # W
    ENERGY = "energy"  # Wh
    FREQUENCY = "frequency"  # Hz
    POWER_FACTOR = "power_factor"  # -1 .. 1


class Measurand(StrEnum):
    """A quantity a meter profile can provide; also the entity key for Home Assistant."""

    VOLTAGE_L1 = "voltage_l1"
    VOLTAGE_L2 = "voltage_l2"
    VOLTAGE_L3 = "voltage_l3"
    CURRENT_L1 = "current_l1"
    CURRENT_L2 = "current_l2"
    CURRENT_L3 = "current_l3"
    POWER_L1 = "power_l1"
    POWER_L2 = "power_l2"
    POWER_L3 = "power_l3"
    POWER = "power"  # total active power, + = import
    ENERGY_IMPORT = "energy_import"
    ENERGY_EXPORT = "energy_export"
    FREQUENCY = "frequency"
    POWER_FACTOR = "power_factor"

    @property
    def kind(self) -> Kind:
        """Physical kind of the quantity."""
        return _KIND[self]

    @property
    def phase(self) -> int | None:
        """1..3 for per-phase quantities."""
        return int(self.value[-1]) if self.value[-3:-1] == "_l" else None

    @property
    def unit(self) -> str:
        """SI unit the decoder reports."""
        return UNITS[self.kind]


_KIND: dict[Measurand, Kind] = {
    Measurand.VOLTAGE_L1: Kind.VOLTAGE,
    Measurand.VOLTAGE_L2: Kind.VOLTAGE,
    Measurand.VOLTAGE_L3: Kind.VOLTAGE,
    Measurand.CURRENT_L1: Kind.CURRENT,
    Measurand.CURRENT_L2: Kind.CURRENT,
    Measurand.CURRENT_L3: Kind.CURRENT,
    Measurand.POWER_L1: Kind.POWER,
    Measurand.POWER_L2: Kind.POWER,
    Measurand.POWER_L3: Kind.POWER,
    Measurand.POWER: Kind.POWER,
    Measurand.ENERGY_IMPORT: Kind.ENERGY,
    Measurand.ENERGY_EXPORT: Kind.ENERGY,
    Measurand.FREQUENCY: Kind.FREQUENCY,
    Measurand.POWER_FACTOR: Kind.POWER_FACTOR,
}

UNITS: dict[Kind, str] = {
    Kind.VOLTAGE: "V",
    Kind.CURRENT: "A",
    Kind.POWER: "W",
    Kind.ENERGY: "Wh",
    Kind.FREQUENCY: "Hz",
    Kind.POWER_FACTOR: "",
}

# Decoded values outside these bounds cannot come from a residential or small commercial
# connection (3x250 A at 400 V is ~175 kW); they are reported as unknown, never as numbers.
PLAUSIBLE_RANGE: dict[Kind, tuple[float, float]] = {
    Kind.VOLTAGE: (0.0, 500.0),
    Kind.CURRENT: (-1000.0, 1000.0),
    Kind.POWER: (-500_000.0, 500_000.0),
    Kind.ENERGY: (0.0, 1e13),
    Kind.FREQUENCY: (0.0, 100.0),
    Kind.POWER_FACTOR: (-1.0, 1.0),
}

PHASE_VOLTAGES = (Measurand.VOLTAGE_L1, Measurand.VOLTAGE_L2, Measurand.VOLTAGE_L3)
PHASE_CURRENTS = (Measurand.CURRENT_L1, Measurand.CURRENT_L2, Measurand.CURRENT_L3)
PHASE_POWERS = (Measurand.POWER_L1, Measurand.POWER_L2, Measurand.POWER_L3)


class Status(StrEnum):
    """How far a profile's register facts are checked (see module docstring)."""

    VERIFIED = "verified"
    CROSS_CHECKED = "cross_checked"
    UNVERIFIED = "unverified"
    USER = "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterSpec:
    """Where and how one quantity is stored.

    `scale` multiplies the raw number into SI units (V, A, W, Wh, Hz). `function_code` and
    `word_order` default to the profile's.
    """

    address: int
    data_type: DataType
    scale: float = 1.0
    word_order: WordOrder | None = None
    function_code: FunctionCode | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.address <= 0xFFFF - self.data_type.width + 1:
            raise ValueError(f"address {self.address} out of range")
        if self.scale == 0:
            raise ValueError("scale must not be 0")

    @property
    def width(self) -> int:
        """Registers the value occupies."""
        return self.data_type.width


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class MeterProfile:
    """One meter model: its register map, encoding, quirks and verification status."""

    id: str
    vendor: str
    model: str
    phases: int  # 1 or 3
    function_code: FunctionCode
    word_order: WordOrder
    registers: Mapping[Measurand, RegisterSpec]
    status: Status
    source: str
    notes: str = ""
    # Quirks
    unsigned_current: bool = False  # currents are magnitudes: take the sign from the phase power
    not_available_all_ones: bool = False  # ABB: all-0xFF (signed: 0x7FFF FF..) = not available
    warmup_s: float = 0.0  # answers with exceptions for this long after power-up (IVY)
    # Read planning
    max_gap: int = 0  # unused registers a single read may span between two wanted values
    max_registers_per_read: int = MAX_REGISTERS_PER_READ
    refused: tuple[tuple[int, int], ...] = ()  # [start, end) ranges the meter will not answer
    # Serial defaults the user should be offered (seed 004: 9600 8N1, unit 11+)
    default_baudrate: int = 9600
    default_parity: str = "N"
    default_unit: int = 11
    aliases: tuple[str, ...] = ()  # other models that share this map

    def __post_init__(self) -> None:
        if self.phases not in (1, 3):
            raise ValueError("phases must be 1 or 3")
        if not 1 <= self.max_registers_per_read <= MAX_REGISTERS_PER_READ:
            raise ValueError("max_registers_per_read must be 1..125")
        for measurand, spec in self.registers.items():
            if spec.width > self.max_registers_per_read:
                raise ValueError(f"{measurand} does not fit in one read")
            end = spec.address + spec.width
            if any(lo < end and spec.address < hi for lo, hi in self.refused):
                raise ValueError(f"{measurand} lies in a refused range")
        object.__setattr__(self, "registers", MappingProxyType(dict(self.registers)))

    def spec(self, measurand: Measurand) -> RegisterSpec | None:
        """Return the register spec of a quantity, or None if the meter lacks it."""
        return self.registers.get(measurand)

    def function_code_of(self, spec: RegisterSpec) -> FunctionCode:
        """Effective function code of a spec."""
        return spec.function_code or self.function_code

    def word_order_of(self, spec: RegisterSpec) -> WordOrder:
        """Effective word order of a spec."""
        return spec.word_order or self.word_order

    @property
    def sums_phase_power(self) -> bool:
        """True when the meter has no total-power register: the total is the phase sum."""
        phase_powers = PHASE_POWERS[: self.phases]
        return Measurand.POWER not in self.registers and all(
            m in self.registers for m in phase_powers
        )

    @property
    def measurands(self) -> tuple[Measurand, ...]:
        """Every quantity the decoder reports for this profile (read or derived)."""
        out = [m for m in Measurand if m in self.registers]
        if self.sums_phase_power:
            out.append(Measurand.POWER)
        return tuple(sorted(set(out), key=list(Measurand).index))

    @property
    def usable(self) -> bool:
        """Whether the profile maps anything at all (an empty map means: use Custom)."""
        return bool(self.registers)


def _f32(address: int, scale: float = 1.0) -> RegisterSpec:
    return RegisterSpec(address=address, data_type=DataType.FLOAT32, scale=scale)


def _spec(address: int, data_type: DataType, scale: float = 1.0) -> RegisterSpec:
    return RegisterSpec(address=address, data_type=data_type, scale=scale)


def _phased(
    names: tuple[Measurand, Measurand, Measurand],
    first: int,
    step: int,
    data_type: DataType,
    scale: float = 1.0,
) -> dict[Measurand, RegisterSpec]:
    return {
        name: RegisterSpec(address=first + i * step, data_type=data_type, scale=scale)
        for i, name in enumerate(names)
    }


_M = Measurand
_F32 = DataType.FLOAT32
_KILO = 1000.0

_SMARTEVSE = "SmartEVSE-3 firmware meter table (src/meter.cpp, EMConfig)"
_MBMD = "volkszaehler/mbmd meters/rs485"


def _eastron_three_phase() -> dict[Measurand, RegisterSpec]:
    return {
        **_phased(PHASE_VOLTAGES, 0x0000, 2, _F32),
        **_phased(PHASE_CURRENTS, 0x0006, 2, _F32),
        **_phased(PHASE_POWERS, 0x000C, 2, _F32),
        _M.POWER: _f32(0x0034),
        _M.POWER_FACTOR: _f32(0x003E),
        _M.FREQUENCY: _f32(0x0046),
        _M.ENERGY_IMPORT: _f32(0x0048, _KILO),
        _M.ENERGY_EXPORT: _f32(0x004A, _KILO),
    }


def _wago_inepro() -> dict[Measurand, RegisterSpec]:
    return {
        **_phased(PHASE_VOLTAGES, 0x5002, 2, _F32),
        _M.FREQUENCY: _f32(0x5008),
        **_phased(PHASE_CURRENTS, 0x500C, 2, _F32),
        _M.POWER: _f32(0x5012, _KILO),
        **_phased(PHASE_POWERS, 0x5014, 2, _F32, _KILO),
        _M.POWER_FACTOR: _f32(0x502A),
        _M.ENERGY_IMPORT: _f32(0x600C, _KILO),
        _M.ENERGY_EXPORT: _f32(0x6018, _KILO),
    }


_EMPRO_KEYS: dict[Measurand, str] = {
    _M.VOLTAGE_L1: "voltage_l1",
    _M.VOLTAGE_L2: "voltage_l2",
    _M.VOLTAGE_L3: "voltage_l3",
    _M.CURRENT_L1: "current_l1",
    _M.CURRENT_L2: "current_l2",
    _M.CURRENT_L3: "current_l3",
    _M.POWER: "active_power",
    _M.POWER_FACTOR: "power_factor",
    _M.POWER_L1: "active_power_l1",
    _M.POWER_L2: "active_power_l2",
    _M.POWER_L3: "active_power_l3",
    _M.ENERGY_IMPORT: "energy_import",
    _M.ENERGY_EXPORT: "energy_export",
}


PROFILES: tuple[MeterProfile, ...] = (
    MeterProfile(
        id="phoenix_eem350",
        vendor="Phoenix Contact",
        model="EEM-350-D-MCB",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.LOW_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 0x0000, 2, DataType.INT32, 0.1),
            **_phased(PHASE_CURRENTS, 0x000C, 2, DataType.INT32, 0.001),
            _M.POWER: _spec(0x0028, DataType.INT32, 0.1),
            _M.ENERGY_IMPORT: _spec(0x003E, DataType.INT32, 100.0),
        },
        status=Status.UNVERIFIED,
        source=_SMARTEVSE,
        notes=(
            "No vendor register document found. Map taken from SmartEVSE (0.1 V, mA, 0.1 W, "
            "0.1 kWh; INT32 low word first; 'max read count 11'). No export register known."
        ),
        max_registers_per_read=11,
    ),
    MeterProfile(
        id="finder_7e",
        vendor="Finder",
        model="7E.78.8.400.0212",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 0x1000, 2, _F32),
            **_phased(PHASE_CURRENTS, 0x100E, 2, _F32),
            _M.POWER: _f32(0x1026),
            _M.ENERGY_IMPORT: _f32(0x1106),
            _M.ENERGY_EXPORT: _f32(0x110E),
        },
        status=Status.UNVERIFIED,
        source=_SMARTEVSE,
        notes=(
            "No vendor register document found. Map from SmartEVSE (float32 V / A / W / Wh). "
            "Energies are assumed to be Wh as SmartEVSE reads them."
        ),
    ),
    MeterProfile(
        id="finder_7m",
        vendor="Finder",
        model="7M.38.8.400.0212",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 2500, 2, _F32),
            **_phased(PHASE_CURRENTS, 2516, 2, _F32),
            **_phased(PHASE_POWERS, 2530, 2, _F32),
            _M.POWER: _f32(2536),
            _M.ENERGY_IMPORT: _f32(2752),
            _M.ENERGY_EXPORT: _f32(2756),
        },
        status=Status.CROSS_CHECKED,
        source=(
            "Finder 'Modbus 7M24-7M38 v2 (30.06.2021)' as cited by "
            f"{_MBMD}/finder7m38.go and star.ke.st's Finder 7M library; {_SMARTEVSE}"
        ),
        notes=(
            "Settled: energy counters are input registers 32752 (n1 = active import) and 32756 "
            "(n3 = active export), float32 Wh (wire addresses 2752/2756). SmartEVSE reads 2638 "
            "for import and no export; no other source supports 2638. Frequency and total "
            "power factor are left out: sources disagree (2498/2496 vs 2584/2560)."
        ),
        unsigned_current=True,
        max_gap=20,
    ),
    MeterProfile(
        id="eastron_sdm630",
        vendor="Eastron",
        model="SDM630",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers=_eastron_three_phase(),
        status=Status.CROSS_CHECKED,
        source=(
            "Eastron/B+G e-tech SDM630Modbus MID V2 manual section 1.2 (voltages, currents and "
            "phase powers at 0x00/0x06/0x0C, FC 04, at most 40 values = 80 registers per "
            "request); Eastron SDM72D-M/SDM72CT-M manuals (same numbering: 30053 total power, "
            f"30073/30075 import/export kWh); {_MBMD}/sdm.go; {_SMARTEVSE}"
        ),
        notes=(
            "Power factor (0x3E) and frequency (0x46) come from the Eastron numbering as "
            "republished, not read in the vendor table itself. Currents are magnitudes; the sign "
            "comes from the phase power (SmartEVSE does the same). 'Inverted Eastron' (fed from "
            "below) is the inverted option of any profile."
        ),
        unsigned_current=True,
        max_gap=20,
        max_registers_per_read=80,
    ),
    MeterProfile(
        id="eastron_sdm230",
        vendor="Eastron",
        model="SDM230",
        phases=1,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            _M.VOLTAGE_L1: _f32(0x0000),
            _M.CURRENT_L1: _f32(0x0006),
            _M.POWER_L1: _f32(0x000C),
            _M.POWER_FACTOR: _f32(0x001E),
            _M.FREQUENCY: _f32(0x0046),
            _M.ENERGY_IMPORT: _f32(0x0048, _KILO),
            _M.ENERGY_EXPORT: _f32(0x004A, _KILO),
        },
        status=Status.CROSS_CHECKED,
        source=(
            f"Eastron SDM230 register list as cited by {_MBMD}/sdm230.go and lamaplc.com; "
            f"{_SMARTEVSE}"
        ),
        notes=(
            "Single phase: total power is the L1 power. Reads are kept to 60 registers (the "
            "smallest Eastron per-request limit seen, SDM72D-M)."
        ),
        unsigned_current=True,
        max_gap=40,
        max_registers_per_read=60,
    ),
    MeterProfile(
        id="eastron_sdm72d_v1",
        vendor="Eastron",
        model="SDM72D-M (v1)",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            _M.POWER: _f32(0x0034),
            _M.ENERGY_IMPORT: _f32(0x0048, _KILO),
            _M.ENERGY_EXPORT: _f32(0x004A, _KILO),
        },
        status=Status.VERIFIED,
        source=(
            "Eastron/B+G e-tech SDM72D-M user manual V1.5 part 3 (input registers 30053 total "
            f"power W, 30073/30075 import/export kWh, FC 04, float); {_MBMD}/sdm72.go"
        ),
        notes=(
            "Version 1 has no per-phase registers (no voltages, currents or phase powers), so "
            "it cannot be used for per-phase load balancing; use it as an energy/power meter. "
            "The manual limits a request to 30 values (60 registers)."
        ),
        max_gap=30,
        max_registers_per_read=60,
    ),
    MeterProfile(
        id="eastron_sdm72d_v2",
        vendor="Eastron",
        model="SDM72D-M v2",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers=_eastron_three_phase(),
        status=Status.CROSS_CHECKED,
        source=f"Eastron SDM72D-M v2 manual as cited by {_MBMD}/sdm72v2.go; {_SMARTEVSE}",
        notes=(
            "Same input-register layout as the SDM630 for the quantities used here. Reads are "
            "kept to 60 registers, the limit the v1 manual gives (the v2 limit was not read)."
        ),
        unsigned_current=True,
        max_gap=20,
        max_registers_per_read=60,
    ),
    MeterProfile(
        id="abb_b23",
        vendor="ABB",
        model="B23 212-100",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 0x5B00, 2, DataType.UINT32, 0.1),
            **_phased(PHASE_CURRENTS, 0x5B0C, 2, DataType.UINT32, 0.01),
            _M.POWER: _spec(0x5B14, DataType.INT32, 0.01),
            **_phased(PHASE_POWERS, 0x5B16, 2, DataType.INT32, 0.01),
            _M.FREQUENCY: _spec(0x5B2C, DataType.UINT16, 0.01),
            _M.POWER_FACTOR: _spec(0x5B3A, DataType.INT16, 0.001),
            _M.ENERGY_IMPORT: _spec(0x5000, DataType.UINT64, 10.0),
            _M.ENERGY_EXPORT: _spec(0x5004, DataType.UINT64, 10.0),
        },
        status=Status.CROSS_CHECKED,
        source=(
            f"ABB B-series manual as cited by {_MBMD}/abb.go; ABB Modbus map Rev B as quoted "
            "in SmartEVSE/SmartEVSE-3 issue 81 (currents unsigned, power signed); star.ke.st "
            f"ABB B23/B24 library (same addresses and scales); {_SMARTEVSE}"
        ),
        notes=(
            "Unavailable values read as all 0xFF (signed types: 0x7FFF FFFF..). Energies are "
            "UINT64 in 0.01 kWh. RS485 A/B are swapped on ABB meters (seed 004)."
        ),
        unsigned_current=True,
        not_available_all_ones=True,
        max_gap=20,
    ),
    MeterProfile(
        id="sinotimer_dts6619",
        vendor="Sinotimer",
        model="DTS6619",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 0x0000, 1, DataType.INT16, 0.1),
            **_phased(PHASE_CURRENTS, 0x0003, 1, DataType.INT16, 0.01),
            **_phased(PHASE_POWERS, 0x0008, 1, DataType.INT16),
            _M.ENERGY_IMPORT: _spec(0x0027, DataType.INT32, 10.0),
            _M.ENERGY_EXPORT: _spec(0x0031, DataType.INT32, 10.0),
        },
        status=Status.UNVERIFIED,
        source=_SMARTEVSE,
        notes=(
            "No vendor register document found. Map from SmartEVSE: int16 0.1 V / 0.01 A / W, "
            "energies int32 0.01 kWh. No total-power register: the total is the phase sum."
        ),
    ),
    MeterProfile(
        id="wago_879_30x0",
        vendor="WAGO",
        model="879-30x0",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers=_wago_inepro(),
        status=Status.CROSS_CHECKED,
        source=f"WAGO 879-30x0 manual as cited by {_MBMD}/wago87930.go; {_SMARTEVSE}",
        notes="Powers are float32 kW, energies float32 kWh.",
        max_gap=24,
        aliases=("Inepro PRO380-Mod",),
    ),
    MeterProfile(
        id="inepro_pro380",
        vendor="Inepro",
        model="PRO380-Mod",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers=_wago_inepro(),
        status=Status.CROSS_CHECKED,
        source=(
            f"Inepro PRO380 user manual V2.18 as cited by {_MBMD}/inepro.go; "
            "SmartEVSE/SmartEVSE-3 issue 89 (a user runs it as WAGO)"
        ),
        notes="Same map as WAGO 879-30x0 (seed 004: 'configure as WAGO').",
        max_gap=24,
        aliases=("WAGO 879-30x0",),
    ),
    MeterProfile(
        id="schneider_iem3x5x",
        vendor="Schneider Electric",
        model="iEM3x5x",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            **_phased(PHASE_CURRENTS, 2999, 2, _F32),
            **_phased(PHASE_VOLTAGES, 3027, 2, _F32),
            **_phased(PHASE_POWERS, 3053, 2, _F32, _KILO),
            _M.POWER: _f32(3059, _KILO),
            _M.FREQUENCY: _f32(3109),
            _M.ENERGY_IMPORT: _spec(3203, DataType.INT64),
            _M.ENERGY_EXPORT: _spec(3207, DataType.INT64),
        },
        status=Status.CROSS_CHECKED,
        source=(
            "Schneider DOCA0005EN iEM3100/3200/3300 user manual (energy table 45100.. float32 "
            "Wh read; 'register = address + 1'); register list 3000..3208 with types as "
            f"published by AGG Software; {_MBMD}/iem3000.go; {_SMARTEVSE}"
        ),
        notes=(
            "Settled: energies are Wh, not kWh. Register 3204/3208 (wire 3203/3207) are INT64 Wh "
            "and are used here; the float32 copies at 45100/45102 (wire 45099/45101) are also "
            "Wh per the vendor manual, so SmartEVSE's reading of 45099 as kWh is 1000x off. "
            "iEM3150/3250/3350 have no export counter. Power is float32 kW. Power factor "
            "(3084) uses Schneider's 4-quadrant encoding and is left out. Gaps between blocks "
            "are not read (unverified whether the meter answers them)."
        ),
        unsigned_current=True,
    ),
    MeterProfile(
        id="chint_dtsu666",
        vendor="Chint",
        model="DTSU666",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 0x2006, 2, _F32, 0.1),
            **_phased(PHASE_CURRENTS, 0x200C, 2, _F32, 0.001),
            _M.POWER: _f32(0x2012, 0.1),
            **_phased(PHASE_POWERS, 0x2014, 2, _F32, 0.1),
            _M.POWER_FACTOR: _f32(0x202A, 0.001),
            _M.FREQUENCY: _f32(0x2044, 0.01),
            _M.ENERGY_IMPORT: _f32(0x101E, _KILO),
            _M.ENERGY_EXPORT: _f32(0x1028, _KILO),
        },
        status=Status.CROSS_CHECKED,
        source=(
            "Chint DTSU666/DSSU666 user manual (ZTY0.464.1448, section 5.3: FC 03, 9600 N.1) as "
            f"cited by {_MBMD}/dtsu666.go; AGG Software's DTSU666 map (8198 = Ua); "
            f"star.ke.st Chint DTSU666 library; {_SMARTEVSE}"
        ),
        notes=(
            "Settled: L1 (phase) voltage is 0x2006 (Ua). 0x2000 is Uab, the line-to-line "
            "voltage, which SmartEVSE reads. Values are float32 in 0.1 V, 0.001 A, 0.1 W, "
            "0.001 (PF), 0.01 Hz; energies in kWh. A user's hardware log (nearlyfreeenergy "
            "bookstack, DTSU666 mbpoll reference) confirms 0x2006 as L-N and 0x2000 as L-L; "
            "that meter also answered FC 04, the manual names FC 03."
        ),
        unsigned_current=True,
        max_gap=16,
    ),
    MeterProfile(
        id="cg_em340",
        vendor="Carlo Gavazzi",
        model="EM340",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.LOW_FIRST,
        registers={
            **_phased(PHASE_VOLTAGES, 0x0000, 2, DataType.INT32, 0.1),
            **_phased(PHASE_CURRENTS, 0x000C, 2, DataType.INT32, 0.001),
            **_phased(PHASE_POWERS, 0x0012, 2, DataType.INT32, 0.1),
            _M.POWER: _spec(0x0028, DataType.INT32, 0.1),
            _M.POWER_FACTOR: _spec(0x0031, DataType.INT16, 0.001),
            _M.FREQUENCY: _spec(0x0033, DataType.INT16, 0.1),
            _M.ENERGY_IMPORT: _spec(0x0034, DataType.INT32, 100.0),
            _M.ENERGY_EXPORT: _spec(0x004E, DataType.INT32, 100.0),
        },
        status=Status.CROSS_CHECKED,
        source=(
            "Carlo Gavazzi EM300/ET300 series communication protocol v2r17 as cited by "
            f"{_MBMD}/carlogavazzi-ex3x0.go; {_SMARTEVSE}"
        ),
        notes="INT32 values are word-swapped (LSW first). RS485 A/B are swapped (seed 004).",
        max_gap=30,
    ),
    MeterProfile(
        id="cg_em111",
        vendor="Carlo Gavazzi",
        model="EM111",
        phases=1,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.LOW_FIRST,
        registers={
            _M.VOLTAGE_L1: _spec(0x0000, DataType.INT32, 0.1),
            _M.CURRENT_L1: _spec(0x0002, DataType.INT32, 0.001),
            _M.POWER_L1: _spec(0x0004, DataType.INT32, 0.1),
            _M.POWER_FACTOR: _spec(0x000E, DataType.INT16, 0.001),
            _M.FREQUENCY: _spec(0x000F, DataType.INT16, 0.1),
            _M.ENERGY_IMPORT: _spec(0x0010, DataType.INT32, 100.0),
            _M.ENERGY_EXPORT: _spec(0x0020, DataType.INT32, 100.0),
        },
        status=Status.CROSS_CHECKED,
        source=(
            "Carlo Gavazzi EM111/EM112/ET112 communication protocol (p. 8: kWh(+) 300017, "
            "kWh(-) 300033) as cited in OpenEMS/openems PR 3215 and its EM100 driver; raw "
            "frame in ioBroker/ioBroker.modbus issue 286 (ET112: 09 1B 00 00 = 233.1 V)"
        ),
        notes=(
            "Settled: word order is LSW first, like every Carlo Gavazzi INT32: the raw ET112 "
            "frame in ioBroker issue 286 carries 233.1 V in the first word and 0 in the second, "
            "and OpenEMS reads the EM100 family LSW first. evcc's cg-emt1xx template decodes "
            "plain int32 (MSW first), which would misread values of 65536 raw and up."
        ),
        max_gap=20,
    ),
    MeterProfile(
        id="lumel_nmid30_2",
        vendor="LUMEL",
        model="NMID30-2",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers=_eastron_three_phase(),
        status=Status.UNVERIFIED,
        source=(
            "LUMEL NMID30-2 user's manual - MODBUS (table of contents and first rows only, via "
            "manualslib)"
        ),
        notes=(
            "Inferred, not read: the manual's input-register table numbers (30001 phase 1 L-N "
            "volts, 30225 neutral current, 30235.. THD) follow the Eastron SDM layout, so the "
            "SDM630 addresses are assumed. Check against the meter before relying on it."
        ),
        unsigned_current=True,
        max_gap=20,
        max_registers_per_read=60,
    ),
    MeterProfile(
        id="ivy_em118090",
        vendor="IVY Metering",
        model="EM118090",
        phases=1,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers={},
        status=Status.UNVERIFIED,
        source="Infinergi manual (seed 001, section 4.7): supported MID meter; no register map",
        notes=(
            "No register map found: use the Custom profile. Needs about a minute after "
            "power-up before it answers correctly (seed 001, note 5)."
        ),
        warmup_s=60.0,
    ),
    MeterProfile(
        id="ivy_em519033",
        vendor="IVY Metering",
        model="EM519033",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers={},
        status=Status.UNVERIFIED,
        source="Infinergi manual (seed 001, section 4.7): supported MID meter; no register map",
        notes=(
            "No register map found: use the Custom profile. Needs about a minute after "
            "power-up before it answers correctly (seed 001, note 5)."
        ),
        warmup_s=60.0,
    ),
    MeterProfile(
        id="ivy_dts353f_2",
        vendor="IVY Metering",
        model="DTS353F-2",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            _M.ENERGY_IMPORT: _f32(0x0108, _KILO),
            _M.ENERGY_EXPORT: _f32(0x0110, _KILO),
        },
        status=Status.UNVERIFIED,
        source="'Modbus Communication DTS353F' register list (energy table only, via Scribd)",
        notes=(
            "Only the energy table was readable: 0x0108 forward (import) and 0x0110 reverse "
            "(export) active energy, float32, assumed kWh and high word first. Instantaneous "
            "registers unknown. That document gives 9600 8E1 as the default frame. Needs about "
            "a minute after power-up (seed 001, note 5)."
        ),
        warmup_s=60.0,
        default_parity="E",
    ),
    MeterProfile(
        id="phoenix_empro",
        vendor="Phoenix Contact",
        model="EMpro EEM-MA370/371",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.LOW_FIRST,
        registers={m: _f32(_EMPRO[key].address) for m, key in _EMPRO_KEYS.items()},
        status=Status.VERIFIED,
        source=(
            "Xemex Smart Connect manual v1.8 section 5.3 (seed 003: the EMpro map it emulates; "
            "table shared with devices/smart_connect/registers.py); Phoenix Contact EMpro user "
            "manual 109357_en_00 section 11.6 (32-bit values low word first)"
        ),
        notes=(
            "Settled: 0x8100 'total active energy demand' is import (from the grid) and 0x8106 "
            "'delivery' is export, both float32 Wh (Smart Connect firmware V5.1+; older Smart "
            "Connect firmware sent kWh). The unit on a genuine EMpro was not read. FC 3 and 4 "
            "return the same data on the Smart Connect, which answers its whole documented "
            "blocks (0x8006-0x802F, 0x8100-0x8107) in one read each."
        ),
        max_gap=8,
    ),
)

PROFILES_BY_ID: dict[str, MeterProfile] = {p.id: p for p in PROFILES}

CUSTOM_PROFILE_ID = "custom"


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomRegister:
    """What the user enters for one quantity of a custom map."""

    function_code: FunctionCode
    address: int
    data_type: DataType
    word_order: WordOrder = WordOrder.HIGH_FIRST
    scale: float = 1.0


def custom_profile(
    registers: Mapping[Measurand, CustomRegister],
    *,
    phases: int = 3,
    unsigned_current: bool = False,
    max_gap: int = 0,
    name: str = "Custom",
) -> MeterProfile:
    """Build the profile of a user-entered map (one spec per quantity).

    The default `max_gap` of 0 never reads a register the user did not name.
    """
    if not registers:
        raise ValueError("a custom map needs at least one register")
    for measurand, reg in registers.items():
        if reg.data_type not in CUSTOM_DATA_TYPES:
            raise ValueError(f"{measurand}: data type {reg.data_type} not allowed")
    specs = {
        measurand: RegisterSpec(
            address=reg.address,
            data_type=reg.data_type,
            scale=reg.scale,
            word_order=reg.word_order,
            function_code=reg.function_code,
        )
        for measurand, reg in registers.items()
    }
    return MeterProfile(
        id=CUSTOM_PROFILE_ID,
        vendor="Custom",
        model=name,
        phases=phases,
        function_code=FunctionCode.HOLDING,
        word_order=WordOrder.HIGH_FIRST,
        registers=specs,
        status=Status.USER,
        source="entered by the user",
        unsigned_current=unsigned_current,
        max_gap=max_gap,
    )


def get_profile(profile_id: str) -> MeterProfile:
    """Return a table profile by id (KeyError if unknown; the custom one is built per entry)."""
    return PROFILES_BY_ID[profile_id]
