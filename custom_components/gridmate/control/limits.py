"""Electrical limits turned into headroom for the chargers.

The core never trusts its own idea of what the chargers draw more than the meter: the load
without the EVs ("base load") is the measured mains current minus what the chargers draw now.
The headroom is then simply limit - base load. If every charger drew exactly its new target,
every phase would sit at or below its limit; and when a phase is over its limit the new target
is at least the excess below what the charger draws now, so overload is cut at the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from .model import QUARTER_HOUR_S, MeterReading, PhaseCurrents, Reason, Settings


@dataclass(frozen=True, slots=True, kw_only=True)
class Headroom:
    """How much current all chargers together may add on top of the base load.

    ``phase`` is per installation phase (A), ``phase_reason`` says which limit binds there.
    ``sum_limit`` bounds the sum of the chargers' phase currents (MaxSumMains, hard);
    ``cap_limit`` does the same for the 15-minute capacity-tariff cap (soft, economic).
    None means unlimited.
    """

    phase: PhaseCurrents
    phase_reason: tuple[Reason, Reason, Reason]
    sum_limit: float | None
    cap_limit: float | None


def subtract(a: PhaseCurrents, b: PhaseCurrents) -> PhaseCurrents:
    """Element-wise a - b."""
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def compute_headroom(
    settings: Settings,
    mains: MeterReading,
    circuit: MeterReading | None,
    ev_draw: PhaseCurrents,
    capacity_allowed_w: float | None,
) -> Headroom:
    """Headroom from MaxMains, MaxCircuit, MaxSumMains and the capacity cap.

    ``ev_draw`` is what all managed chargers draw now, per installation phase. Chargers are
    assumed to sit behind the circuit meter when one is configured (SmartEVSE's sub-panel);
    with a circuit limit but no circuit meter the limit applies to the chargers' sum.
    """
    base = subtract(mains.currents, ev_draw)
    phase = [settings.max_mains - b for b in base]
    reasons = [Reason.LIMITED_BY_MAIN_FUSE] * 3
    if settings.max_circuit is not None:
        # Without a circuit meter the circuit limit bounds the chargers themselves
        # (SmartEVSE: "it will only limit the total current the Master is using").
        circuit_base = (
            subtract(circuit.currents, ev_draw) if circuit is not None else (0.0, 0.0, 0.0)
        )
        for p in range(3):
            room = settings.max_circuit - circuit_base[p]
            if room < phase[p]:
                phase[p] = room
                reasons[p] = Reason.LIMITED_BY_CIRCUIT
    sum_limit = None
    if settings.max_sum_mains is not None:
        sum_limit = settings.max_sum_mains - sum(base)
    cap_limit = None
    if capacity_allowed_w is not None:
        cap_limit = capacity_allowed_w / settings.voltage - sum(base)
    return Headroom(
        phase=(phase[0], phase[1], phase[2]),
        phase_reason=(reasons[0], reasons[1], reasons[2]),
        sum_limit=sum_limit,
        cap_limit=cap_limit,
    )


class CapacityTracker:
    """Keeps a quarter-hour's average import power under a cap (Belgian capacity tariff).

    Quarter hours are aligned on multiples of 900 s of the caller's time line (epoch time in
    Home Assistant). Import energy is integrated from the mains readings. While the quarter is
    on track the cap itself is allowed; after an overrun the rest of the quarter gets only what
    keeps the average at the cap. Slack from a quiet start is deliberately not spent, because
    spending it late in the quarter means short high peaks that a stale reading could hide.
    """

    __slots__ = ("_energy_ws", "_last_ts", "_quarter")

    def __init__(self) -> None:
        self._quarter: int | None = None
        self._energy_ws = 0.0
        self._last_ts: float | None = None

    def add_reading(self, reading: MeterReading, voltage: float, max_gap_s: float) -> None:
        """Integrate import power since the previous reading (gaps capped at ``max_gap_s``)."""
        ts = reading.timestamp
        if self._last_ts is not None and ts <= self._last_ts:
            return
        quarter = math.floor(ts / QUARTER_HOUR_S)
        if quarter != self._quarter:
            self._quarter = quarter
            self._energy_ws = 0.0
            # energy since the quarter boundary at the new reading's power
            gap = ts - quarter * QUARTER_HOUR_S
        else:
            assert self._last_ts is not None
            gap = ts - self._last_ts
        power = max(0.0, sum(reading.currents)) * voltage
        self._energy_ws += power * min(gap, max_gap_s)
        self._last_ts = ts

    def allowed_power_w(self, now: float, cap_w: float) -> float:
        """Average import power allowed from now to the end of the quarter."""
        if self._quarter is None or math.floor(now / QUARTER_HOUR_S) != self._quarter:
            return cap_w
        start = self._quarter * QUARTER_HOUR_S
        elapsed = now - start
        if self._energy_ws <= cap_w * elapsed:
            return cap_w
        remaining = max(QUARTER_HOUR_S - elapsed, 1.0)
        return max(0.0, (cap_w * QUARTER_HOUR_S - self._energy_ws) / remaining)

    @property
    def energy_wh(self) -> float:
        """Import energy in the current quarter so far."""
        return self._energy_ws / 3600.0
