"""The Smart Connect Modbus TCP register map: the one table every other part reads.

The Smart Connect emulates a Phoenix Contact EMpro (EEM-MA370/371): 49 IEEE-754 float32 values,
two registers each, big-endian inside a register and word-swapped (the LOW word comes first,
"CD AB"). Function codes 3 and 4 return the same data; the unit id is ignored.

The driver decodes with this table, the Home Assistant entities are keyed by `Register.key`, the
simulator encodes from it, and the README's register table is generated from it. Facts come from
the Xemex Smart Connect manual v1.8, section 5.3 (full map) and the older Dutch edition (short
map of older firmware: voltage, current and active power only).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import math
import struct


class Quantity(StrEnum):
    """What a register measures; decides the unit and the plausible range."""

    VOLTAGE = "voltage"  # V
    CURRENT = "current"  # A
    ACTIVE_POWER = "active_power"  # W
    REACTIVE_POWER = "reactive_power"  # var
    APPARENT_POWER = "apparent_power"  # VA
    POWER_FACTOR = "power_factor"  # -1 .. 1
    ACTIVE_ENERGY = "active_energy"  # Wh since firmware V5.1.x, kWh before (manual footnote 1)
    REACTIVE_ENERGY = "reactive_energy"  # varh
    COUNT = "count"  # events (voltage dips, swells, interruptions)


# Values outside these bounds cannot come from a residential connection (a 3x80 A grid
# connection at 230 V is ~55 kW); the driver reports them as unknown instead of showing a
# number that is wrong. Energies are checked after conversion to Wh.
PLAUSIBLE_RANGE: dict[Quantity, tuple[float, float]] = {
    Quantity.VOLTAGE: (0.0, 500.0),
    Quantity.CURRENT: (-500.0, 500.0),
    Quantity.ACTIVE_POWER: (-350_000.0, 350_000.0),
    Quantity.REACTIVE_POWER: (-350_000.0, 350_000.0),
    Quantity.APPARENT_POWER: (0.0, 350_000.0),
    Quantity.POWER_FACTOR: (-1.0, 1.0),
    Quantity.ACTIVE_ENERGY: (0.0, 1e12),
    Quantity.REACTIVE_ENERGY: (0.0, 1e12),
    Quantity.COUNT: (0.0, 1e9),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Register:
    """One float32 value of the EMpro map."""

    key: str
    address: int
    quantity: Quantity
    description: str
    phase: int | None = None  # 1..3 for per-phase values
    in_short_map: bool = False  # also answered by older firmware (Dutch manual edition)


@dataclass(frozen=True, slots=True)
class Block:
    """A contiguous register range read in one transaction when the device supports it."""

    name: str
    start: int
    count: int  # registers, not values

    @property
    def end(self) -> int:
        """One past the last register of the block."""
        return self.start + self.count


def _phases(
    key: str, first: int, step: int, quantity: Quantity, what: str, *, short: bool = False
) -> tuple[Register, ...]:
    return tuple(
        Register(
            key=f"{key}_l{n}",
            address=first + (n - 1) * step,
            quantity=quantity,
            description=f"{what} L{n}",
            phase=n,
            in_short_map=short,
        )
        for n in (1, 2, 3)
    )


REGISTERS: tuple[Register, ...] = (
    # Block "instant": 0x8006 - 0x802F
    *_phases("voltage", 0x8006, 2, Quantity.VOLTAGE, "Phase voltage", short=True),
    *_phases("current", 0x800E, 2, Quantity.CURRENT, "Current", short=True),
    Register(
        key="active_power",
        address=0x8016,
        quantity=Quantity.ACTIVE_POWER,
        description="Total active power (negative = export)",
        in_short_map=True,
    ),
    Register(
        key="reactive_power",
        address=0x8018,
        quantity=Quantity.REACTIVE_POWER,
        description="Total reactive power",
    ),
    Register(
        key="apparent_power",
        address=0x801A,
        quantity=Quantity.APPARENT_POWER,
        description="Total apparent power",
    ),
    Register(
        key="power_factor",
        address=0x801C,
        quantity=Quantity.POWER_FACTOR,
        description="Total power factor",
    ),
    *_phases("active_power", 0x801E, 2, Quantity.ACTIVE_POWER, "Active power", short=True),
    *_phases("reactive_power", 0x8024, 2, Quantity.REACTIVE_POWER, "Reactive power"),
    *_phases("apparent_power", 0x802A, 2, Quantity.APPARENT_POWER, "Apparent power"),
    # Block "energy": 0x8100 - 0x8107
    Register(
        key="energy_import",
        address=0x8100,
        quantity=Quantity.ACTIVE_ENERGY,
        description="Total active energy demand (import)",
    ),
    Register(
        key="energy_export",
        address=0x8106,
        quantity=Quantity.ACTIVE_ENERGY,
        description="Total active energy delivery (export)",
    ),
    # Block "extended": 0x8C00 - 0x8C37
    Register(
        key="reactive_power_demand",
        address=0x8C00,
        quantity=Quantity.REACTIVE_POWER,
        description="Total reactive demand",
    ),
    Register(
        key="reactive_power_delivery",
        address=0x8C02,
        quantity=Quantity.REACTIVE_POWER,
        description="Total reactive delivery",
    ),
    *(
        reg
        for n in (1, 2, 3)
        for reg in (
            Register(
                key=f"reactive_power_demand_l{n}",
                address=0x8C04 + (n - 1) * 4,
                quantity=Quantity.REACTIVE_POWER,
                description=f"Reactive demand L{n}",
                phase=n,
            ),
            Register(
                key=f"reactive_power_delivery_l{n}",
                address=0x8C06 + (n - 1) * 4,
                quantity=Quantity.REACTIVE_POWER,
                description=f"Reactive delivery L{n}",
                phase=n,
            ),
        )
    ),
    *(
        Register(
            key=f"reactive_energy_q{q}",
            address=0x8C10 + (q - 1) * 2,
            quantity=Quantity.REACTIVE_ENERGY,
            description=f"Reactive energy quadrant Q{q}",
        )
        for q in (1, 2, 3, 4)
    ),
    *_phases("voltage_dips", 0x8C18, 2, Quantity.COUNT, "Voltage dips"),
    *_phases("voltage_swells", 0x8C1E, 2, Quantity.COUNT, "Voltage swells"),
    Register(
        key="voltage_interruptions",
        address=0x8C24,
        quantity=Quantity.COUNT,
        description="Voltage interruptions",
    ),
    Register(
        key="long_voltage_interruptions",
        address=0x8C26,
        quantity=Quantity.COUNT,
        description="Long voltage interruptions",
    ),
    Register(
        key="active_power_demand",
        address=0x8C28,
        quantity=Quantity.ACTIVE_POWER,
        description="Total active power demand (import)",
    ),
    Register(
        key="active_power_delivery",
        address=0x8C2A,
        quantity=Quantity.ACTIVE_POWER,
        description="Total active power delivery (export)",
    ),
    *(
        reg
        for n in (1, 2, 3)
        for reg in (
            Register(
                key=f"active_power_demand_l{n}",
                address=0x8C2C + (n - 1) * 4,
                quantity=Quantity.ACTIVE_POWER,
                description=f"Active power demand L{n}",
                phase=n,
            ),
            Register(
                key=f"active_power_delivery_l{n}",
                address=0x8C2E + (n - 1) * 4,
                quantity=Quantity.ACTIVE_POWER,
                description=f"Active power delivery L{n}",
                phase=n,
            ),
        )
    ),
)

REGISTERS_BY_KEY: dict[str, Register] = {reg.key: reg for reg in REGISTERS}

# The three ranges a full poll reads (manual v1.8): three transactions for all 49 values.
BLOCKS: tuple[Block, ...] = (
    Block("instant", 0x8006, 0x802F - 0x8006 + 1),
    Block("energy", 0x8100, 0x8107 - 0x8100 + 1),
    Block("extended", 0x8C00, 0x8C37 - 0x8C00 + 1),
)

# The manual's largest register block is 56 registers; Modbus allows 125 per read.
MAX_REGISTERS_PER_READ = 125


def block_of(register: Register) -> Block:
    """Return the block a register belongs to."""
    for block in BLOCKS:
        if block.start <= register.address < block.end:
            return block
    raise ValueError(f"register {register.address:#06x} is outside every block")


def decode_float32_word_swapped(low_word: int, high_word: int) -> float:
    """Decode the device's float32: low word first, each word big-endian."""
    return float(struct.unpack(">f", struct.pack(">HH", high_word, low_word))[0])


def encode_float32_word_swapped(value: float) -> tuple[int, int]:
    """Encode a float32 the way the device sends it: (low word, high word)."""
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return low, high


def plausible(quantity: Quantity, value: float) -> bool:
    """Return whether a decoded value can be real (finite and within the quantity's range)."""
    if not math.isfinite(value):
        return False
    low, high = PLAUSIBLE_RANGE[quantity]
    return low <= value <= high


# Energy registers carry Wh from firmware V5.1.x on and kWh before (manual v1.8, footnote 1).
# The same footnote applies to the MQTT payload's E_IMPORT / E_EXPORT.
FIRST_FIRMWARE_WITH_WH: tuple[int, int] = (5, 1)


def normalize(quantity: Quantity, value: float, *, energy_wh: bool | None) -> float | None:
    """A device value as Home Assistant shows it (SI units, energies in kWh), or None if unknown.

    Shared by every transport (Modbus registers, MQTT payloads) so one reading shows the same
    state whichever way it arrived. Unknown means: not a finite number, implausible for a home
    connection, an energy whose unit (Wh or kWh, by firmware) is not known, or a voltage of 0
    (DSMR 4.2 telegrams carry no voltage and the device then reports 0 V).
    """
    if quantity is Quantity.ACTIVE_ENERGY:
        if energy_wh is None:
            # Without the firmware version the unit is a guess off by 1000: show unknown.
            return None
        value = value if energy_wh else value * 1000.0  # to Wh for the plausibility check
    if not plausible(quantity, value):
        return None
    if quantity is Quantity.VOLTAGE and value == 0.0:
        return None
    if quantity is Quantity.ACTIVE_ENERGY:
        return value / 1000.0  # kWh for Home Assistant's Energy dashboard
    return value
