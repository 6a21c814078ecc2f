"""Values derived from a realtime message and the channel layout: loads, totals, mains currents.

Sign conventions (after the gateway applied each CT's configured direction): the grid load is
+ when importing, solar and battery loads are + when they feed the installation, appliances
are + when they consume. Home consumption is therefore grid + solar + battery.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Channel, ChannelLayout, ChannelReading, Load, Realtime
from .schema import LoadKind


def _sum(values: Iterable[float | None]) -> float | None:
    """Sum, or None if any part is missing (a partial sum would be a wrong number)."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def channel_phase(channel: Channel, reading: ChannelReading | None) -> int | None:
    """The phase a channel is mapped to: the realtime phaseId, else the configured phase."""
    if reading is not None and reading.phase is not None:
        return reading.phase
    return channel.phase


def readings(load: Load, realtime: Realtime) -> list[ChannelReading | None]:
    """The realtime reading of each channel of a load (None where the message lacks it)."""
    return [realtime.channels.get(index) for index in load.indexes]


def load_power(load: Load, realtime: Realtime) -> float | None:
    """Active power of the load (W), sum of its channels."""
    return _sum(r.power_w if r else None for r in readings(load, realtime))


def load_import(load: Load, realtime: Realtime) -> float | None:
    """Imported (consumed, or produced for a production load) energy, kWh."""
    return _sum(r.import_kwh if r else None for r in readings(load, realtime))


def load_export(load: Load, realtime: Realtime) -> float | None:
    """Exported energy, kWh."""
    return _sum(r.export_kwh if r else None for r in readings(load, realtime))


@dataclass(frozen=True, slots=True)
class Totals:
    """Installation totals; None when a needed load is missing from the message."""

    grid_power_w: float | None
    grid_import_kwh: float | None
    grid_export_kwh: float | None
    solar_power_w: float | None
    solar_energy_kwh: float | None
    battery_power_w: float | None
    home_power_w: float | None


def _of_kind(layout: ChannelLayout, kind: LoadKind) -> list[Load]:
    return [load for load in layout.loads if load.kind is kind]


def totals(layout: ChannelLayout, realtime: Realtime) -> Totals:
    """Grid, solar, battery and home totals of one message."""
    grid = _of_kind(layout, LoadKind.GRID)
    solar = _of_kind(layout, LoadKind.SOLAR)
    battery = _of_kind(layout, LoadKind.BATTERY)
    grid_power = _sum(load_power(load, realtime) for load in grid) if grid else None
    solar_power = _sum(load_power(load, realtime) for load in solar) if solar else None
    battery_power = _sum(load_power(load, realtime) for load in battery) if battery else None
    home = (
        _sum((grid_power, solar_power or 0.0, battery_power or 0.0))
        if grid_power is not None
        and (not solar or solar_power is not None)
        and (not battery or battery_power is not None)
        else None
    )
    return Totals(
        grid_power_w=grid_power,
        grid_import_kwh=_sum(load_import(load, realtime) for load in grid) if grid else None,
        grid_export_kwh=_sum(load_export(load, realtime) for load in grid) if grid else None,
        solar_power_w=solar_power,
        solar_energy_kwh=_sum(load_import(load, realtime) for load in solar) if solar else None,
        battery_power_w=battery_power,
        home_power_w=home,
    )


def signed(current: float | None, power: float | None) -> float | None:
    """A current with the sign of its power (the gateway's currents are not signed)."""
    if current is None or power is None:
        return None
    return -abs(current) if power < 0 else abs(current)


def mains_currents(
    layout: ChannelLayout, realtime: Realtime
) -> tuple[float | None, float | None, float | None] | None:
    """Signed grid current per installation phase (A, + = import); None without a grid load.

    Channels of the grid load on the same phase add up. A grid load with one channel is a
    single-phase connection: the other phases carry nothing (0 A). A phase of a multi-phase
    grid load without a usable reading is None.
    """
    grid = _of_kind(layout, LoadKind.GRID)
    if not grid:
        return None
    channels = [channel for load in grid for channel in load.channels]
    per_phase: list[float | None] = [None, None, None]
    seen: set[int] = set()
    broken: set[int] = set()
    for channel in channels:
        reading = realtime.channels.get(channel.index)
        phase = channel_phase(channel, reading)
        if phase is None:
            continue
        seen.add(phase)
        value = signed(reading.current_a, reading.power_w) if reading else None
        if value is None:
            broken.add(phase)
            continue
        per_phase[phase] = (per_phase[phase] or 0.0) + value
    for phase in broken:
        per_phase[phase] = None
    if len(channels) == 1:
        per_phase = [0.0 if phase not in seen else per_phase[phase] for phase in range(3)]
    return per_phase[0], per_phase[1], per_phase[2]
