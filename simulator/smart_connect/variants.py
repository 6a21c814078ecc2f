"""The device variants the simulator can play, each a fact from the manual (seed 003 / 002).

- ``full``: firmware 5.2.x, the full EMpro map (three blocks, gaps readable as 0), energies in Wh.
- ``short``: older firmware (Dutch manual edition): only the voltage, current and active power
  registers (``Register.in_short_map``); every other address, gaps included, is exception 2.
- ``kwh``: firmware 5.0.x, full map, but the active energy registers carry kWh (manual v1.8,
  footnote 1: "In previous releases, these values were incorrectly displayed in kWh").
- ``dsmr42``: a DSMR 4.2 meter behind a 5.2.x device: voltages are 0 (not in the telegram) and
  the registers change only every 10 s.
- ``tic``: a French TIC meter: per-phase active power is never negative (0 W on export, also
  per-phase delivery 0 W) and currents are unsigned (TIC's IRMS); the total is negative on export.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from custom_components.gridmate.devices.smart_connect.registers import (
    BLOCKS,
    REGISTERS,
    Quantity,
)


class Variant(StrEnum):
    """Which device the simulator plays."""

    FULL = "full"
    SHORT = "short"
    KWH = "kwh"
    DSMR42 = "dsmr42"
    TIC = "tic"


@dataclass(frozen=True, slots=True, kw_only=True)
class VariantProfile:
    """What differs between variants."""

    firmware_version: str
    update_period: int  # seconds between telegrams (register refreshes)
    served_addresses: frozenset[int]
    energy_in_kwh: bool = False
    zero_voltage: bool = False
    tic_per_phase: bool = False


_FULL_MAP = frozenset(a for block in BLOCKS for a in range(block.start, block.end))
_SHORT_MAP = frozenset(
    a for reg in REGISTERS if reg.in_short_map for a in (reg.address, reg.address + 1)
)

PROFILES: dict[Variant, VariantProfile] = {
    Variant.FULL: VariantProfile(
        firmware_version="5.2.1", update_period=1, served_addresses=_FULL_MAP
    ),
    Variant.SHORT: VariantProfile(
        firmware_version="4.2.0", update_period=1, served_addresses=_SHORT_MAP
    ),
    Variant.KWH: VariantProfile(
        firmware_version="5.0.3", update_period=1, served_addresses=_FULL_MAP, energy_in_kwh=True
    ),
    Variant.DSMR42: VariantProfile(
        firmware_version="5.2.1", update_period=10, served_addresses=_FULL_MAP, zero_voltage=True
    ),
    Variant.TIC: VariantProfile(
        firmware_version="5.2.1", update_period=1, served_addresses=_FULL_MAP, tic_per_phase=True
    ),
}


def apply_variant(profile: VariantProfile, values: dict[str, float]) -> dict[str, float]:
    """Turn the site model's values (SI units, energies in Wh) into what the device serves."""
    out = dict(values)
    for reg in REGISTERS:
        if profile.energy_in_kwh and reg.quantity is Quantity.ACTIVE_ENERGY:
            out[reg.key] = values[reg.key] / 1000.0
        if profile.zero_voltage and reg.quantity is Quantity.VOLTAGE:
            out[reg.key] = 0.0
    if profile.tic_per_phase:
        for n in (1, 2, 3):
            power = max(values[f"active_power_l{n}"], 0.0)
            out[f"active_power_l{n}"] = power
            out[f"active_power_demand_l{n}"] = power
            out[f"active_power_delivery_l{n}"] = 0.0
            out[f"current_l{n}"] = abs(values[f"current_l{n}"])
    return out
