"""Solar-day harness: simulate a home second by second and score a charge controller.

    python -m benchmarks.solar_day TRACE.csv[.gz] --out DIR [--controller gridmate|evcc|smartevse]
        [--mode fast|smart|solar|min_solar] [--fuse 25] [--ev-max 16] [--ev-phases 1|3]
        [--phase-switching] [--meter-interval 1] [--voltage 230]

Per second: mains = house + EV - solar on each phase (solar spread evenly over three phases
unless the trace's ``solar_phases`` column or ``--solar-phases`` says 1). The controller is
stepped on every meter update (every ``--meter-interval`` s) and sees the mains currents and
the charger's measured currents of that instant. The charger applies a new target at once;
the car follows it after ``--response-delay`` seconds, never draws more than ``--ev-max`` nor
less than ``--ev-min`` (below it, nothing), and stops when its battery is full. A phase
change commanded while current flows is sequenced by the charger (stop, switch, 5 s pause,
resume), as real C2/1p3p chargers do; Gridmate sequences it itself and never needs that.

Overload: a second with any phase above the fuse counts in ``overload_seconds``. It is
excused in ``overload_seconds_after_grace`` only when the background load (house - solar) on
that phase rose after the controller step whose command the car is following, and the
overload would vanish without that rise: the "first step after a load jump" that no
controller can see coming.

Oracle: per connected second, the surplus (solar - house) clipped to the car's maximum power,
zero below the 1-phase minimum power, summed, capped at what the battery can take. A
controller that charges at minimum on part solar, part grid can exceed it.

Writes DIR/timeline.csv (one row per second) and DIR/summary.json, prints the summary.
"""

from __future__ import annotations

import argparse
from collections import deque
from collections.abc import Iterable, Sequence
import csv
from dataclasses import dataclass, field
import gzip
import io
import json
import math
from pathlib import Path
import sys
from typing import Any

from benchmarks.sim import Observation, SiteConfig, make_controller

SWITCH_PAUSE_S = 5
PHASE_SWITCH_WINDOW_S = 30
"""A stop followed within this time by a restart on other phases is a phase switch."""


@dataclass(frozen=True, slots=True)
class TraceRow:
    """One second of a trace."""

    t: int
    house: tuple[float, float, float]
    solar_w: float
    ev_connected: bool
    solar_phases: int


def read_trace(path: Path, solar_phases: int | None = None) -> list[TraceRow]:
    """Read a trace CSV (optionally gzipped); extra columns are ignored."""
    raw = path.read_bytes()
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return parse_trace(io.StringIO(raw.decode()), solar_phases)


def parse_trace(lines: Iterable[str], solar_phases: int | None = None) -> list[TraceRow]:
    """Parse trace CSV text lines."""
    rows = []
    for rec in csv.DictReader(lines):
        phases = solar_phases or int(rec.get("solar_phases") or 3)
        rows.append(
            TraceRow(
                t=int(float(rec["t"])),
                house=(
                    float(rec["house_l1_w"]),
                    float(rec["house_l2_w"]),
                    float(rec["house_l3_w"]),
                ),
                solar_w=float(rec["solar_w"]),
                ev_connected=(rec.get("ev_connected") or "1").strip() not in ("0", ""),
                solar_phases=phases,
            )
        )
    return rows


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    """Everything about a run besides the trace."""

    controller: str = "gridmate"
    site: SiteConfig = field(default_factory=SiteConfig)
    meter_interval: int = 1
    response_delay: int = 2
    ev_capacity_kwh: float = 82.0
    ev_start_soc_pct: float = 10.0


def _quantize(value: float, resolution: float) -> float:
    return round(math.floor(value / resolution + 1e-6) * resolution, 3)


def run(rows: Sequence[TraceRow], opts: RunOptions) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """Simulate the trace; return (summary, timeline rows)."""
    site = opts.site
    v = site.voltage
    ctrl = make_controller(opts.controller, site)
    need_wh = opts.ev_capacity_kwh * 1000 * (1 - opts.ev_start_soc_pct / 100)
    history: deque[tuple[int, float]] = deque([(-(10**9), 0.0)])
    charger_phases = site.ev_phases
    pending_phases: int | None = None
    resume_at: int | None = None
    last_ctrl = (0.0, charger_phases)
    charged_wh = 0.0
    m: dict[str, float] = dict.fromkeys(
        (
            "ev_kwh",
            "ev_solar_kwh",
            "ev_grid_kwh",
            "export_connected_kwh",
            "import_kwh",
            "overload_seconds",
            "overload_amp_seconds",
            "overload_seconds_after_grace",
            "starts",
            "stops",
            "phase_switches",
            "phase_switches_under_load",
            "setpoint_changes",
            "invalid_commands",
            "contactor_cycles",
        ),
        0.0,
    )
    overload_phase = [0, 0, 0]
    oracle_wh = 0.0
    timeline: list[tuple[Any, ...]] = []
    # background (house - solar, A) seen by each controller step, to tell an overload the
    # controller could not have known about (load changed after the step whose command the
    # car follows now) from one it caused
    seen: deque[tuple[int, tuple[float, ...]]] = deque([(-(10**9), (0.0, 0.0, 0.0))])
    prev_target = 0.0
    off_since_phases: int | None = None
    off_since: int | None = None
    min_1p_w = site.ev_min * v
    max_w = site.ev_max * v * site.ev_phases

    for row in rows:
        t = row.t
        solar_p = (row.solar_w / 3,) * 3 if row.solar_phases == 3 else (row.solar_w, 0.0, 0.0)
        full = charged_wh >= need_wh
        # --- charger-internal phase switch sequence
        while len(history) > 1 and history[1][0] <= t - opts.response_delay:
            history.popleft()
        delayed = history[0][1]
        draw = delayed if row.ev_connected and not full and delayed >= site.ev_min - 1e-9 else 0.0
        draw = min(draw, site.ev_max)
        if pending_phases is not None and draw == 0:
            charger_phases = pending_phases
            pending_phases = None
            m["phase_switches"] += 1
            resume_at = t + SWITCH_PAUSE_S
        if resume_at is not None and t >= resume_at:
            resume_at = None
            history.append((t, last_ctrl[0]))
        drawn_phases = charger_phases if site.ev_phases == 3 else 1
        ev_i = (draw, draw if drawn_phases == 3 else 0.0, draw if drawn_phases == 3 else 0.0)
        mains = tuple((row.house[p] - solar_p[p]) / v + ev_i[p] for p in range(3))
        bg = tuple((row.house[p] - solar_p[p]) / v for p in range(3))

        # --- controller step on meter updates
        if t % opts.meter_interval == 0:
            obs = Observation(
                now=float(t),
                mains=(mains[0], mains[1], mains[2]),
                ev_connected=row.ev_connected,
                ev_charging=draw > 0,
                ev_currents=ev_i,
                ev_phases=charger_phases,
            )
            target, phases = ctrl.step(obs)
            seen.append((t, bg))
            target = min(_quantize(max(target, 0.0), site.resolution), site.ev_max)
            if 0 < target < site.ev_min - 1e-9:
                m["invalid_commands"] += 1
                target = 0.0
            if not (site.phase_switching and site.ev_phases == 3):
                phases = site.ev_phases
            if target != prev_target:
                m["setpoint_changes"] += 1
                if prev_target == 0:
                    m["contactor_cycles"] += 1
                    quick = off_since is not None and t - off_since <= PHASE_SWITCH_WINDOW_S
                    if not quick or off_since_phases == phases:
                        m["starts"] += 1
                    else:  # a restart on other phases: a phase switch, not a new session
                        m["stops"] -= 1
                elif target == 0:
                    m["stops"] += 1
                    off_since_phases = charger_phases
                    off_since = t
            prev_target = target
            last_ctrl = (target, phases)
            if phases != charger_phases and pending_phases is None:
                if draw == 0:
                    charger_phases = phases
                    m["phase_switches"] += 1
                else:
                    pending_phases = phases
                    history.append((t, 0.0))
            elif pending_phases is not None:
                pending_phases = phases if phases != charger_phases else None
            if pending_phases is None and resume_at is None and history[-1][1] != target:
                history.append((t, target))

        # --- metrics for this second
        ev_w = draw * v * drawn_phases
        net = sum(row.house) + ev_w - row.solar_w
        grid_with = max(0.0, net)
        grid_without = max(0.0, net - ev_w)
        ev_grid = grid_with - grid_without
        charged_wh += ev_w / 3600
        m["ev_kwh"] += ev_w / 3.6e6
        m["ev_grid_kwh"] += ev_grid / 3.6e6
        m["ev_solar_kwh"] += (ev_w - ev_grid) / 3.6e6
        m["import_kwh"] += grid_with / 3.6e6
        if row.ev_connected and not full:
            m["export_connected_kwh"] += max(0.0, -net) / 3.6e6
            surplus = row.solar_w - sum(row.house)
            if surplus >= min_1p_w:
                oracle_wh += min(surplus, max_w) / 3600
        while len(seen) > 1 and seen[1][0] <= t - max(opts.response_delay, 1):
            seen.popleft()
        basis = seen[0][1]
        over = [max(0.0, abs(mains[p]) - site.fuse) for p in range(3)]
        if any(o > 1e-9 for o in over):
            m["overload_seconds"] += 1
            m["overload_amp_seconds"] += sum(over)
            excused = True
            for p in range(3):
                if over[p] > 1e-9:
                    overload_phase[p] += 1
                    rise = bg[p] - basis[p]
                    if rise <= 0 or abs(mains[p]) - rise > site.fuse + 1e-9:
                        excused = False
            if not excused:
                m["overload_seconds_after_grace"] += 1
        timeline.append(
            (
                t,
                round(mains[0], 2),
                round(mains[1], 2),
                round(mains[2], 2),
                round(ev_i[0], 2),
                round(ev_i[1], 2),
                round(ev_i[2], 2),
                last_ctrl[0],
                charger_phases,
                int(draw > 0),
            )
        )

    oracle_kwh = min(oracle_wh, need_wh) / 1000
    summary: dict[str, Any] = {
        k: (round(val, 3) if "kwh" in k else int(val)) for k, val in m.items()
    }
    summary["oracle_ev_solar_kwh"] = round(oracle_kwh, 3)
    summary["overload_seconds_per_phase"] = overload_phase
    summary["solar_share_of_oracle_pct"] = (
        round(100 * m["ev_solar_kwh"] / oracle_kwh, 1) if oracle_kwh > 0 else None
    )
    summary["ev_grid_share_pct"] = (
        round(100 * m["ev_grid_kwh"] / m["ev_kwh"], 1) if m["ev_kwh"] > 0 else None
    )
    summary["controller"] = opts.controller
    summary["mode"] = site.mode
    summary["seconds"] = len(rows)
    return summary, timeline


TIMELINE_HEADER = (
    "t",
    "mains_l1_a",
    "mains_l2_a",
    "mains_l3_a",
    "ev_l1_a",
    "ev_l2_a",
    "ev_l3_a",
    "ev_target_a",
    "phases",
    "charging",
)


def write_outputs(out: Path, summary: dict[str, Any], timeline: list[tuple[Any, ...]]) -> None:
    """Write DIR/timeline.csv and DIR/summary.json."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "timeline.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TIMELINE_HEADER)
        writer.writerows(timeline)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def format_summary(summary: dict[str, Any]) -> str:
    """Human-readable summary."""
    return "\n".join(
        [
            f"controller {summary['controller']}  mode {summary['mode']}  {summary['seconds']} s",
            f"  EV energy            {summary['ev_kwh']:8.2f} kWh",
            f"  EV from solar        {summary['ev_solar_kwh']:8.2f} kWh "
            f"({summary['solar_share_of_oracle_pct']} % of oracle "
            f"{summary['oracle_ev_solar_kwh']:.2f} kWh)",
            f"  EV from grid         {summary['ev_grid_kwh']:8.2f} kWh "
            f"({summary['ev_grid_share_pct']} % of EV energy)",
            f"  exported, EV waiting {summary['export_connected_kwh']:8.2f} kWh",
            f"  above main fuse      {summary['overload_seconds']} s "
            f"({summary['overload_seconds_after_grace']} s after the jump grace), "
            f"{summary['overload_amp_seconds']} A*s",
            f"  starts {summary['starts']}  stops {summary['stops']}  "
            f"phase switches {summary['phase_switches']}  "
            f"setpoint changes {summary['setpoint_changes']}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Solar-day harness for charge controllers")
    parser.add_argument("trace", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--controller", choices=("gridmate", "evcc", "smartevse"), default="gridmate"
    )
    parser.add_argument("--mode", choices=("fast", "smart", "solar", "min_solar"), default="solar")
    parser.add_argument("--fuse", type=float, default=25.0)
    parser.add_argument("--ev-min", type=float, default=6.0)
    parser.add_argument("--ev-max", type=float, default=16.0)
    parser.add_argument("--ev-phases", type=int, choices=(1, 3), default=3)
    parser.add_argument("--phase-switching", action="store_true")
    parser.add_argument("--meter-interval", type=int, default=1)
    parser.add_argument("--voltage", type=float, default=230.0)
    parser.add_argument("--response-delay", type=int, default=2)
    parser.add_argument("--resolution", type=float, default=0.1)
    parser.add_argument("--ev-capacity-kwh", type=float, default=82.0)
    parser.add_argument("--ev-soc", type=float, default=10.0, help="start SOC, %%")
    parser.add_argument("--solar-phases", type=int, choices=(1, 3), default=None)
    args = parser.parse_args(argv)
    site = SiteConfig(
        mode=args.mode,
        fuse=args.fuse,
        ev_min=args.ev_min,
        ev_max=args.ev_max,
        ev_phases=args.ev_phases,
        phase_switching=args.phase_switching,
        voltage=args.voltage,
        resolution=args.resolution,
    )
    opts = RunOptions(
        controller=args.controller,
        site=site,
        meter_interval=max(1, args.meter_interval),
        response_delay=max(0, args.response_delay),
        ev_capacity_kwh=args.ev_capacity_kwh,
        ev_start_soc_pct=args.ev_soc,
    )
    summary, timeline = run(read_trace(args.trace, args.solar_phases), opts)
    write_outputs(args.out, summary, timeline)
    print(format_summary(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
