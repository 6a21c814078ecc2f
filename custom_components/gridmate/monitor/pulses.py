"""Pulse inputs: which unit they count and how many pulses make one (options over gateway)."""

from __future__ import annotations

from typing import Any

from ..devices.infinity.model import InputChannel, InputModule
from .const import CONF_PULSE_FACTORS, CONF_PULSES_PER_UNIT, CONF_UNIT, PulseUnit


def default_pulse_unit(channel: InputChannel) -> PulseUnit:
    """The unit the gateway's `uom` suggests (gas when the input's name says so)."""
    uom = (channel.uom or "").casefold()
    if uom in ("m3", "m³"):
        return PulseUnit.GAS_M3 if "gas" in channel.name.casefold() else PulseUnit.WATER_M3
    if uom in ("l", "liter", "litre"):
        return PulseUnit.WATER_L
    if uom == "kwh":
        return PulseUnit.ENERGY_KWH
    return PulseUnit.PULSES


def pulse_setting(
    options: dict[str, Any], module: InputModule, channel: InputChannel
) -> tuple[float | None, PulseUnit]:
    """(pulses per unit, unit) of an input: the entry's options, else what the gateway says.

    Without a pulses-per-unit value the raw count is shown (unit `pulses`).
    """
    chosen = options.get(CONF_PULSE_FACTORS, {}).get(f"{module.serial_number}:{channel.input}", {})
    ppu = chosen.get(CONF_PULSES_PER_UNIT, channel.ppu)
    try:
        unit = PulseUnit(chosen[CONF_UNIT]) if CONF_UNIT in chosen else default_pulse_unit(channel)
    except ValueError:
        unit = PulseUnit.PULSES
    if unit is PulseUnit.PULSES or not ppu or ppu <= 0:
        return None, PulseUnit.PULSES
    return float(ppu), unit
