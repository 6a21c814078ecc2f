"""A small, deterministic three-phase site: household load, solar, grid connection.

The model produces one consistent set of all 49 register values (SI units, energies in Wh):
voltages around 230 V, per-phase active/reactive/apparent power, currents of magnitude S/V with
the sign of the active power, totals as sums, power factor P/S, demand/delivery splits
(demand = max(P, 0), delivery = max(-P, 0)), event counters, and energy counters that only grow
by integrating power over time. It advances in whole seconds with a seeded random generator, so
``step(n)`` from the same seed always gives the same values.

A CSV replay can drive it instead: columns named by register key, optional ``t`` (seconds from
start; rows are 1 s apart without it). ``voltage_lN``, ``active_power_lN`` and
``reactive_power_lN`` (or a total ``active_power``, split evenly over the phases) drive the
model so everything derived stays consistent and energies integrate; any other register key
column overrides that served value directly, in the device's own units.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
import io
import math
from pathlib import Path
import random

from custom_components.gridmate.devices.smart_connect.registers import REGISTERS_BY_KEY

PHASES = (1, 2, 3)
_DRIVING_KEYS = frozenset(
    {f"{what}_l{n}" for what in ("voltage", "active_power", "reactive_power") for n in PHASES}
    | {"active_power"}
)


@dataclass(frozen=True, slots=True)
class ReplayFrame:
    """One CSV row: the time it starts and the values it sets."""

    t: float
    values: dict[str, float]


class CsvReplay:
    """A time series read from CSV, looped; ``at(t)`` returns the row in force at ``t``."""

    def __init__(self, frames: list[ReplayFrame]) -> None:
        """Build from frames sorted by time."""
        if not frames:
            raise ValueError("replay has no rows")
        self.frames = sorted(frames, key=lambda frame: frame.t)
        self._times = [frame.t for frame in self.frames]
        # One step past the last row, so a looped replay gives the last row its time too.
        step = self._times[-1] - self._times[-2] if len(self._times) > 1 else 1.0
        self.duration = self._times[-1] - self._times[0] + max(step, 1.0)

    @classmethod
    def from_text(cls, text: str) -> CsvReplay:
        """Parse CSV text (header required)."""
        reader = csv.DictReader(io.StringIO(text))
        columns = reader.fieldnames or []
        unknown = [c for c in columns if c != "t" and c not in REGISTERS_BY_KEY]
        if unknown:
            raise ValueError(f"unknown CSV columns (not register keys): {', '.join(unknown)}")
        frames: list[ReplayFrame] = []
        for index, row in enumerate(reader):
            t = float(row["t"]) if row.get("t") not in (None, "") else float(index)
            values = {
                key: float(raw)
                for key, raw in row.items()
                if key != "t" and key is not None and raw not in (None, "")
            }
            frames.append(ReplayFrame(t, values))
        return cls(frames)

    @classmethod
    def from_path(cls, path: str | Path) -> CsvReplay:
        """Read a CSV file."""
        return cls.from_text(Path(path).read_text(encoding="utf-8"))

    def at(self, t: float) -> dict[str, float]:
        """Values of the row in force at ``t`` seconds (looping past the end)."""
        start = self._times[0]
        offset = (t - start) % self.duration if t >= start else 0.0
        index = max(bisect.bisect_right(self._times, start + offset) - 1, 0)
        return self.frames[index].values


class SiteModel:
    """The simulated site behind the meter; see the module docstring."""

    SOLAR_PERIOD = 600  # s: a compressed "day" so the demo shows import and export
    SOLAR_PEAK = 4500.0  # W, spread evenly over the three phases

    def __init__(self, seed: int = 1, replay: CsvReplay | None = None) -> None:
        """Start the site at t = 0 from ``seed``."""
        self._rng = random.Random(seed)
        self.replay = replay
        self.t = 0  # whole seconds since start
        self.house = [420.0, 310.0, 650.0]  # W per phase, household load
        self.appliance = [0.0, 0.0, 0.0]  # W per phase, a kettle/oven switched on and off
        self._appliance_left = [0, 0, 0]  # s left
        self.voltage = [230.4, 229.1, 231.2]
        self.reactive_ratio = [0.18, 0.12, 0.22]  # var per W of household load
        self.pinned_power: tuple[float, float, float] | None = None
        self.replay_overrides: dict[str, float] = {}
        self.energy_import = 1_234_567.0  # Wh
        self.energy_export = 345_678.0  # Wh
        self.reactive_energy = [210_345.0, 12_345.0, 8_765.0, 45_678.0]  # varh Q1..Q4
        self.dips = [3.0, 1.0, 2.0]
        self.swells = [0.0, 1.0, 0.0]
        self.interruptions = 2.0
        self.long_interruptions = 1.0
        self._power = [0.0, 0.0, 0.0]
        self._reactive = [0.0, 0.0, 0.0]
        self._replay_row: dict[str, float] = {}
        self._apply_replay()
        self._compute_power()

    # -- inputs --------------------------------------------------------------------------------

    def solar(self) -> float:
        """Solar production (W, total) at the current time."""
        phase = 2 * math.pi * (self.t % self.SOLAR_PERIOD) / self.SOLAR_PERIOD
        return self.SOLAR_PEAK * (0.5 - 0.5 * math.cos(phase))

    def pin_power(self, l1: float, l2: float, l3: float) -> None:
        """Fix the per-phase active power (W, + import, - export) until ``release_power``."""
        self.pinned_power = (l1, l2, l3)
        self._compute_power()

    def release_power(self) -> None:
        """Let the household/solar model drive the power again."""
        self.pinned_power = None
        self._compute_power()

    @property
    def total_power(self) -> float:
        """The grid power now (W, + import, - export)."""
        return sum(self._power)

    # -- time ----------------------------------------------------------------------------------

    def tick(self) -> None:
        """Advance one second: integrate energy over the second, then move the inputs."""
        total = sum(self._power)
        reactive = sum(self._reactive)
        self.energy_import += max(total, 0.0) / 3600.0
        self.energy_export += max(-total, 0.0) / 3600.0
        quadrant = (0 if reactive >= 0 else 3) if total >= 0 else (1 if reactive >= 0 else 2)
        self.reactive_energy[quadrant] += abs(reactive) / 3600.0
        self.t += 1
        rng = self._rng
        for i in range(3):
            self.house[i] = min(max(self.house[i] + rng.gauss(0.0, 15.0), 80.0), 3500.0)
            self.voltage[i] += rng.gauss(0.0, 0.3) - 0.05 * (self.voltage[i] - 230.0)
            self.reactive_ratio[i] = min(max(self.reactive_ratio[i] + rng.gauss(0, 0.005), 0), 0.4)
            if self._appliance_left[i] > 0:
                self._appliance_left[i] -= 1
                if self._appliance_left[i] == 0:
                    self.appliance[i] = 0.0
            elif rng.random() < 0.004:
                self.appliance[i] = rng.choice((1200.0, 2000.0, 2800.0))
                self._appliance_left[i] = rng.randint(60, 240)
            if rng.random() < 1 / 7200:
                self.dips[i] += 1
            if rng.random() < 1 / 14400:
                self.swells[i] += 1
        if rng.random() < 1 / 36000:
            self.interruptions += 1
        self._apply_replay()
        self._compute_power()

    def _apply_replay(self) -> None:
        if self.replay is None:
            return
        row = self.replay.at(float(self.t))
        for n in PHASES:
            if (v := row.get(f"voltage_l{n}")) is not None:
                self.voltage[n - 1] = v
        self.replay_overrides = {k: v for k, v in row.items() if k not in _DRIVING_KEYS}
        self._replay_row = row

    def _compute_power(self) -> None:
        row = self._replay_row
        solar_per_phase = self.solar() / 3
        for i, n in enumerate(PHASES):
            house = self.house[i] + self.appliance[i]
            if self.pinned_power is not None:
                power = self.pinned_power[i]
            elif (p := row.get(f"active_power_l{n}")) is not None:
                power = p
            elif (total := row.get("active_power")) is not None:
                power = total / 3
            else:
                power = house - solar_per_phase
            self._power[i] = power
            if (q := row.get(f"reactive_power_l{n}")) is not None:
                self._reactive[i] = q
            else:
                self._reactive[i] = self.reactive_ratio[i] * max(house, abs(power)) - 60.0

    # -- output --------------------------------------------------------------------------------

    def values(self) -> dict[str, float]:
        """All 49 register values in SI units, energies in Wh (before variant transforms)."""
        out: dict[str, float] = {}
        total_p = total_q = total_s = 0.0
        for i, n in enumerate(PHASES):
            p, q, v = self._power[i], self._reactive[i], self.voltage[i]
            s = math.hypot(p, q)
            current = math.copysign(s / v, p) if v > 0 else 0.0
            out[f"voltage_l{n}"] = v
            out[f"current_l{n}"] = current
            out[f"active_power_l{n}"] = p
            out[f"reactive_power_l{n}"] = q
            out[f"apparent_power_l{n}"] = s
            out[f"active_power_demand_l{n}"] = max(p, 0.0)
            out[f"active_power_delivery_l{n}"] = max(-p, 0.0)
            out[f"reactive_power_demand_l{n}"] = max(q, 0.0)
            out[f"reactive_power_delivery_l{n}"] = max(-q, 0.0)
            out[f"voltage_dips_l{n}"] = self.dips[i]
            out[f"voltage_swells_l{n}"] = self.swells[i]
            total_p += p
            total_q += q
            total_s += s
        out["active_power"] = total_p
        out["reactive_power"] = total_q
        out["apparent_power"] = total_s
        out["power_factor"] = total_p / total_s if total_s > 0 else 1.0
        out["active_power_demand"] = max(total_p, 0.0)
        out["active_power_delivery"] = max(-total_p, 0.0)
        out["reactive_power_demand"] = max(total_q, 0.0)
        out["reactive_power_delivery"] = max(-total_q, 0.0)
        out["energy_import"] = self.energy_import
        out["energy_export"] = self.energy_export
        for q_index in range(4):
            out[f"reactive_energy_q{q_index + 1}"] = self.reactive_energy[q_index]
        out["voltage_interruptions"] = self.interruptions
        out["long_voltage_interruptions"] = self.long_interruptions
        return out
