"""Seeded generator of one-day, one-second household traces for the solar-day harness.

Run ``python -m benchmarks.traces.generate`` to (re)write the committed traces; the output is
byte-identical for the same seed. ``generate(name, seconds=...)`` builds a shorter trace in
memory (the tests use a few minutes).

Model, per second (all integers in W, the CSV format of ARCHITECTURE.md):

- Solar: a clear-sky bell between sunrise and sunset (sine to the power 1.3, a common fit
  of a south-facing array's AC output), times a cloud factor. Clouds are a two-state
  Markov chain (sun / shade) with exponential dwell times; each edge ramps over 5-25 s and
  the first seconds after a cloud leaves show the usual edge-of-cloud enhancement (+10 %).
- House: per-phase standby load, a fridge cycling on L2, random small appliances (kettle,
  microwave, washing machine heater, oven) and +-10 W meter noise, all on a 5 W grid.
- Heat pump day: a three-phase heat pump compressor cycling through the day with a
  backup heater stage, and an induction hob on L1+L2 switching at full power at lunch and
  dinner, so the house load jumps by more than 7 kW within one second.
- ``ev_connected``: when the car is at home.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import gzip
import math
from pathlib import Path
import random

HERE = Path(__file__).resolve().parent
DAY = 86400
HEADER = ("t", "house_l1_w", "house_l2_w", "house_l3_w", "solar_w", "ev_connected")


@dataclass(frozen=True, slots=True)
class DaySpec:
    """Parameters of one generated day."""

    name: str
    seed: int
    peak_w: float
    sunrise_h: float
    sunset_h: float
    sun_mean_s: float  # mean sunny dwell (0 = no clouds)
    shade_mean_s: float
    shade_factor: tuple[float, float]  # shade transmittance range
    overcast: float  # slow overall attenuation (0 = none)
    connected_h: tuple[float, float]
    heat_pump: bool = False
    description: str = ""


DAYS: dict[str, DaySpec] = {
    spec.name: spec
    for spec in (
        DaySpec(
            name="clear_summer",
            seed=1,
            peak_w=7500,
            sunrise_h=5.6,
            sunset_h=21.9,
            sun_mean_s=0,
            shade_mean_s=0,
            shade_factor=(1.0, 1.0),
            overcast=0.0,
            connected_h=(6.0, 21.5),
            description="June, clear sky, 7.5 kW peak AC, car home all day",
        ),
        DaySpec(
            name="fast_clouds",
            seed=2,
            peak_w=7500,
            sunrise_h=5.6,
            sunset_h=21.9,
            sun_mean_s=150,
            shade_mean_s=90,
            shade_factor=(0.2, 0.4),
            overcast=0.0,
            connected_h=(6.0, 21.5),
            description="June, cumulus clouds: ~150 s sun / ~90 s shade, edges of 5-25 s",
        ),
        DaySpec(
            name="fast_clouds_b",
            seed=5,
            peak_w=7000,
            sunrise_h=5.8,
            sunset_h=21.6,
            sun_mean_s=120,
            shade_mean_s=120,
            shade_factor=(0.15, 0.35),
            overcast=0.0,
            connected_h=(7.0, 20.0),
            description="July, held-out fast-cloud day (other seed, darker and more shade); "
            "never used to choose defaults",
        ),
        DaySpec(
            name="winter",
            seed=3,
            peak_w=2600,
            sunrise_h=8.7,
            sunset_h=16.7,
            sun_mean_s=600,
            shade_mean_s=400,
            shade_factor=(0.3, 0.6),
            overcast=0.35,
            connected_h=(8.0, 17.5),
            description="December, low sun, slow overcast changes, 2.6 kW peak AC",
        ),
        DaySpec(
            name="heat_pump",
            seed=4,
            peak_w=5000,
            sunrise_h=7.0,
            sunset_h=19.5,
            sun_mean_s=900,
            shade_mean_s=300,
            shade_factor=(0.3, 0.5),
            overcast=0.1,
            connected_h=(0.0, 24.0),
            heat_pump=True,
            description="March, heat pump (3-phase, backup heater) and induction hob (L1+L2) "
            "switching, jumps above 7 kW; car connected all day",
        ),
    )
}


def _solar(spec: DaySpec, rng: random.Random, seconds: int, start: int) -> list[int]:
    rise, setting = spec.sunrise_h * 3600, spec.sunset_h * 3600
    out: list[int] = []
    factor = 1.0
    sunny = True
    dwell = rng.expovariate(1 / spec.sun_mean_s) if spec.sun_mean_s else math.inf
    target = 1.0
    ramp_left = 0
    since_clear = 10_000
    slow = 1.0
    slow_target = 1.0
    for t in range(start, start + seconds):
        clear = 0.0
        if rise < t < setting:
            clear = math.sin(math.pi * (t - rise) / (setting - rise)) ** 1.3
        if spec.sun_mean_s:
            dwell -= 1
            if dwell <= 0:
                sunny = not sunny
                mean = spec.sun_mean_s if sunny else spec.shade_mean_s
                dwell = max(10.0, rng.expovariate(1 / mean))
                target = 1.0 if sunny else rng.uniform(*spec.shade_factor)
                ramp_left = rng.randint(5, 25)
                if sunny:
                    since_clear = -ramp_left
            if ramp_left > 0:
                factor += (target - factor) / ramp_left
                ramp_left -= 1
            else:
                factor = target
        since_clear += 1
        enhance = 1.1 if sunny and 0 <= since_clear < 20 else 1.0
        if spec.overcast:
            if t % 1800 == 0:
                slow_target = 1.0 - rng.uniform(0.0, spec.overcast)
            slow += (slow_target - slow) / 600
        out.append(round(spec.peak_w * clear * factor * enhance * slow))
    return out


def _house(spec: DaySpec, rng: random.Random, seconds: int, start: int) -> list[list[int]]:
    phases = [[0] * seconds for _ in range(3)]
    standby = (120, 90, 150)
    for p in range(3):
        level = standby[p]
        for i in range(seconds):
            if i % 7 == 0:
                level = standby[p] + rng.choice((-10, -5, 0, 5, 10))
            phases[p][i] = level

    def add(phase: int, begin: int, length: int, watts: int) -> None:
        for i in range(max(begin - start, 0), min(begin - start + length, seconds)):
            phases[phase][i] += watts

    # fridge on L2: 20 min cycle, 7 on
    for begin in range(0, DAY, 1200):
        add(1, begin + rng.randint(0, 60), 420, 110)
    # small appliances during waking hours
    appliances = ((2000, 180), (1200, 240), (2100, 1200), (2400, 1800), (800, 600))
    for _ in range(14):
        watts, length = rng.choice(appliances)
        begin = rng.randint(7 * 3600, 23 * 3600)
        # on the heat pump day the hob owns L1+L2, so appliances go to L3 and the house
        # alone never exceeds the fuse (an overload the EV cannot prevent proves nothing)
        add(2 if spec.heat_pump else rng.randrange(3), begin, length, watts)
    if spec.heat_pump:
        # compressor: 3-phase 2.4 kW, 35 min on / 25 min off, starts at once
        for begin in range(0, DAY, 3600):
            add_all = rng.randint(0, 300)
            for p in range(3):
                add(p, begin + add_all, 2100, 800)
        # backup heater 6 kW 3-phase, two early-morning bursts of 20 min
        for begin in (5 * 3600 + 600, 6 * 3600 + 1800):
            for p in range(3):
                add(p, begin, 1200, 2000)
        # induction hob, L1+L2 3.7 kW each (7.4 kW jump), full-power bursts at lunch and dinner
        for meal in (12 * 3600 + 900, 18 * 3600 + 1200):
            for k in range(5):
                begin = meal + k * 420
                add(0, begin, 240, 3700)
                add(1, begin, 240, 3700)
    return phases


def generate(name: str, seconds: int = DAY, start: int = 0) -> list[tuple[int, ...]]:
    """Rows (with ``HEADER`` columns) of the named trace, from ``start`` for ``seconds``."""
    spec = DAYS[name]
    rng = random.Random(spec.seed)
    solar = _solar(spec, rng, DAY, 0)[start : start + seconds]
    # always the whole day, then the slice: a slice equals the same seconds of the full trace
    house = [
        p[start : start + seconds] for p in _house(spec, random.Random(spec.seed + 100), DAY, 0)
    ]
    lo, hi = spec.connected_h[0] * 3600, spec.connected_h[1] * 3600
    rows = []
    for i in range(seconds):
        t = start + i
        rows.append((i, house[0][i], house[1][i], house[2][i], solar[i], int(lo <= t < hi)))
    return rows


def write(path: Path, rows: list[tuple[int, ...]]) -> None:
    """Write rows as CSV (gzipped when the name ends in .gz), deterministic bytes."""
    text = ",".join(HEADER) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)
    if path.suffix == ".gz":
        with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(text.encode())
    else:
        path.write_text(text)


def main() -> None:
    """Write every trace into benchmarks/traces/ (or --out)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("names", nargs="*", default=list(DAYS))
    args = parser.parse_args()
    for name in args.names:
        path = args.out / f"{name}.csv.gz"
        write(path, generate(name))
        print(f"{path}  ({path.stat().st_size // 1024} KiB)  {DAYS[name].description}")


if __name__ == "__main__":
    main()
