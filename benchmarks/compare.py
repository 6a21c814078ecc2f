"""Run Gridmate and both baselines on every committed trace and print one table.

    python -m benchmarks.compare [--jobs 2] [--markdown FILE] [--traces NAME ...]

Scenarios (all with a 25 A main fuse, a 3-phase car (unless said) of 6-16 A at 0.1 A, a 2 s
car response delay, 230 V):

- ``solar``: solar mode with 1p/3p switching (C2), meter every 1 s. The issue's targets.
- ``solar dsmr``: the same with a meter every 10 s (DSMR 4.2).
- ``solar 3p``: solar mode, fixed three phases (no C2).
- ``solar 1p car``: solar mode, a one-phase car (6-16 A on L1).
- ``min_solar``: min+solar with switching.
- ``smart`` and ``fast``: load management / full power, fixed three phases (fuse check).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.sim import SiteConfig
from benchmarks.solar_day import RunOptions, read_trace, run

TRACES = Path(__file__).resolve().parent / "traces"
CONTROLLERS = ("gridmate", "evcc", "smartevse")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One row group of the table."""

    label: str
    mode: str
    phase_switching: bool
    meter_interval: int = 1
    ev_phases: int = 3


SCENARIOS = (
    Scenario("solar", "solar", phase_switching=True),
    Scenario("solar dsmr", "solar", phase_switching=True, meter_interval=10),
    Scenario("solar 3p", "solar", phase_switching=False),
    Scenario("solar 1p car", "solar", phase_switching=False, ev_phases=1),
    Scenario("min_solar", "min_solar", phase_switching=True),
    Scenario("smart", "smart", phase_switching=False),
    Scenario("fast", "fast", phase_switching=False),
)


def _one(job: tuple[str, Scenario, str]) -> tuple[str, Scenario, str, dict[str, Any]]:
    trace, scenario, controller = job
    rows = read_trace(TRACES / f"{trace}.csv.gz")
    opts = RunOptions(
        controller=controller,
        site=SiteConfig(
            mode=scenario.mode,
            phase_switching=scenario.phase_switching,
            ev_phases=scenario.ev_phases,
        ),
        meter_interval=scenario.meter_interval,
    )
    summary, _ = run(rows, opts)
    return trace, scenario, controller, summary


def table(results: list[tuple[str, Scenario, str, dict[str, Any]]]) -> str:
    """Markdown table of the results."""
    head = (
        "| trace | scenario | controller | EV kWh | EV solar kWh | % of oracle (kWh) "
        "| EV grid kWh | grid % of EV | exported while waiting kWh | s above fuse "
        "(after grace) | A*s above fuse | starts | phase sw | setpoints |"
    )
    lines = [head, "|" + "---|" * 14]
    for trace, scenario, controller, s in results:
        pct = s["solar_share_of_oracle_pct"]
        lines.append(
            f"| {trace} | {scenario.label} | {controller} | {s['ev_kwh']:.2f} "
            f"| {s['ev_solar_kwh']:.2f} | {pct if pct is not None else '-'} "
            f"({s['oracle_ev_solar_kwh']:.2f}) | {s['ev_grid_kwh']:.2f} "
            f"| {s['ev_grid_share_pct'] if s['ev_grid_share_pct'] is not None else '-'} "
            f"| {s['export_connected_kwh']:.2f} "
            f"| {s['overload_seconds']} ({s['overload_seconds_after_grace']}) "
            f"| {s['overload_amp_seconds']:.0f} "
            f"| {s['starts']} | {s['phase_switches']} | {s['setpoint_changes']} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument(
        "--traces", nargs="*", default=sorted(p.name[:-7] for p in TRACES.glob("*.csv.gz"))
    )
    parser.add_argument("--scenarios", nargs="*", default=[s.label for s in SCENARIOS])
    args = parser.parse_args()
    jobs = [
        (trace, scenario, controller)
        for trace in args.traces
        for scenario in SCENARIOS
        if scenario.label in args.scenarios
        for controller in CONTROLLERS
    ]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(_one, jobs))
    text = table(results)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
