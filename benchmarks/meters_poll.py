"""Figures for the Modbus kWh meters: what one poll costs per profile, and how many meters fit
on one RS485 bus polled once a second.

    python -m benchmarks.meters_poll [--tcp-polls 50] [--rtu-polls 8] [--turnaround-ms 20]
                                     [--bus-profile eastron_sdm630] [--bus-seconds 10]

The simulator runs in its own process (`python -m simulator.meters`), so its CPU and timing do
not mix with the client's. For every profile with a register map it reports:

- transactions (block reads) and registers per poll, from the read planner;
- wall time per poll over Modbus TCP on localhost (median and p95);
- wall time per poll over Modbus RTU at 9600 baud 8N1 on a pseudo-terminal whose far end
  answers after the time request and answer take on the wire (10 bits per byte plus the
  3.5-character frame gap), once with an instant meter and once with a meter that needs
  `--turnaround-ms` to answer each request (real meters take a few to tens of milliseconds);
- how many such meters one bus can poll at 1 Hz: 1 s divided by the poll time.

Then it checks the estimate for one profile by polling N meters on one simulated bus at 1 Hz
each (every meter on its own schedule, as separate Home Assistant entries do) and reports the
rate the slowest meter achieved. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import itertools
import math
from pathlib import Path
import statistics
import sys
import time

from benchmarks.common import percentile
from custom_components.gridmate.devices.meters.client import (
    MeterError,
    ModbusBus,
    ModbusMeter,
    SerialBusConfig,
    TcpBusConfig,
)
from custom_components.gridmate.devices.meters.decode import plan_reads
from custom_components.gridmate.devices.meters.profiles import PROFILES, PROFILES_BY_ID

ROOT = Path(__file__).resolve().parent.parent
BAUD = 9600


async def _simulator(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start `python -m simulator.meters ARGS`; return it and where it listens."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator.meters",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
    # "TCP on 127.0.0.1:40123 (units [11])" or "RTU on /dev/pts/7 (units [11])"
    return proc, line.split(" on ", 1)[1].split(" (", 1)[0]


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.terminate()
    await proc.wait()


@dataclass(frozen=True, slots=True)
class PollFigures:
    """Wall time of polls, seconds."""

    median: float
    p95: float


async def _time_polls(meter: ModbusMeter, polls: int) -> PollFigures:
    await meter.poll()  # connect, warm up
    times: list[float] = []
    for _ in range(polls):
        started = time.perf_counter()
        await meter.poll()
        times.append(time.perf_counter() - started)
    return PollFigures(statistics.median(times), percentile(times, 0.95))


async def tcp_poll(profile_id: str, polls: int) -> PollFigures:
    """Poll one meter over Modbus TCP on localhost."""
    proc, where = await _simulator("--profile", profile_id, "--tcp", "127.0.0.1:0")
    host, _, port = where.rpartition(":")
    bus = ModbusBus(TcpBusConfig(host=host, port=int(port)), timeout=2.0)
    try:
        return await _time_polls(
            ModbusMeter(bus, unit=11, profile=PROFILES_BY_ID[profile_id]), polls
        )
    finally:
        await bus.close()
        await _stop(proc)


async def rtu_poll(profile_id: str, polls: int, turnaround_ms: float) -> PollFigures:
    """Poll one meter over Modbus RTU at 9600 baud (emulated wire time)."""
    proc, path = await _simulator(
        "--profile",
        profile_id,
        "--rtu",
        "--baudrate",
        str(BAUD),
        "--turnaround-ms",
        str(turnaround_ms),
    )
    bus = ModbusBus(SerialBusConfig(port=path, baudrate=BAUD), timeout=2.0)
    try:
        return await _time_polls(
            ModbusMeter(bus, unit=11, profile=PROFILES_BY_ID[profile_id]), polls
        )
    finally:
        await bus.close()
        await _stop(proc)


@dataclass(frozen=True, slots=True)
class BusRun:
    """N meters, each asked for a reading every second, on one bus."""

    meters: int
    slowest_rate_hz: float  # readings per second of the worst-served meter
    worst_gap_s: float  # longest time any meter went without a fresh reading
    failures: int


async def bus_at_1hz(profile_id: str, meters: int, seconds: float, turnaround_ms: float) -> BusRun:
    """Poll `meters` meters of one profile on one RTU bus, each on its own 1 s clock.

    Every meter has fixed deadlines one second apart (offset from the others, as independent
    entries would be); a poll that cannot start on time because the bus is busy starts as soon
    as it is free. A bus that keeps up gives every meter 1 reading per second and gaps of about
    1 s; an overloaded one stretches the gaps to the time all meters together need.
    """
    profile = PROFILES_BY_ID[profile_id]
    args = ["--rtu", "--baudrate", str(BAUD), "--turnaround-ms", str(turnaround_ms)]
    for _ in range(meters):
        args += ["--profile", profile_id]
    proc, path = await _simulator(*args)
    bus = ModbusBus(SerialBusConfig(port=path, baudrate=BAUD), timeout=1.0)
    clients = [ModbusMeter(bus, unit=11 + i, profile=profile) for i in range(meters)]
    done: list[list[float]] = [[] for _ in clients]
    failures = 0

    async def run(index: int, start: float) -> None:
        nonlocal failures
        for tick in range(round(seconds)):
            deadline = start + index / meters + tick
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            try:
                await clients[index].poll()
                done[index].append(time.monotonic())
            except MeterError:
                failures += 1

    try:
        await clients[0].poll()  # open the port
        start = time.monotonic()
        await asyncio.gather(*(run(i, start) for i in range(meters)))
    finally:
        await bus.close()
        await _stop(proc)
    rates = [
        (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0 for stamps in done
    ]
    gaps = [
        max((b - a for a, b in itertools.pairwise(stamps)), default=math.inf) for stamps in done
    ]
    return BusRun(meters, min(rates), max(gaps), failures)


async def main(args: argparse.Namespace) -> None:
    """Measure and print."""
    profiles = [p for p in PROFILES if p.usable]
    print(
        f"Modbus meter polls: TCP on localhost ({args.tcp_polls} polls), RTU at {BAUD} baud "
        f"8N1 on a pty with emulated wire time ({args.rtu_polls} polls), meter turnaround "
        f"0 ms and {args.turnaround_ms:g} ms per request.\n"
    )
    print(
        "| Profile | Reads | Registers | TCP median / p95 ms | RTU median ms (0 ms) | "
        f"RTU median ms ({args.turnaround_ms:g} ms) | Meters per bus at 1 Hz |"
    )
    print("|---|---|---|---|---|---|---|")
    with_turnaround: dict[str, PollFigures] = {}
    for profile in profiles:
        plan = plan_reads(profile)
        tcp = await tcp_poll(profile.id, args.tcp_polls)
        rtu = await rtu_poll(profile.id, args.rtu_polls, 0.0)
        slow = with_turnaround[profile.id] = await rtu_poll(
            profile.id, args.rtu_polls, args.turnaround_ms
        )
        print(
            f"| `{profile.id}` | {len(plan)} | {sum(b.count for b in plan)} "
            f"| {tcp.median * 1000:.1f} / {tcp.p95 * 1000:.1f} "
            f"| {rtu.median * 1000:.0f} | {slow.median * 1000:.0f} "
            f"| {math.floor(1 / rtu.median)} / {math.floor(1 / slow.median)} |",
            flush=True,
        )
    estimate = math.floor(1 / with_turnaround[args.bus_profile].median)
    print(
        f"\nCheck: N x `{args.bus_profile}` on one {BAUD}-baud bus, each polled every second "
        f"for {args.bus_seconds:g} s (turnaround {args.turnaround_ms:g} ms):\n"
    )
    print("| Meters | Slowest meter's rate (Hz) | Longest gap between readings (s) | Failures |")
    print("|---|---|---|---|")
    for meters in range(max(1, estimate - 2), estimate + 2):
        run = await bus_at_1hz(args.bus_profile, meters, args.bus_seconds, args.turnaround_ms)
        print(
            f"| {run.meters} | {run.slowest_rate_hz:.2f} | {run.worst_gap_s:.2f} "
            f"| {run.failures} |",
            flush=True,
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tcp-polls", type=int, default=50)
    parser.add_argument("--rtu-polls", type=int, default=8)
    parser.add_argument("--turnaround-ms", type=float, default=20.0)
    parser.add_argument("--bus-profile", default="eastron_sdm630")
    parser.add_argument("--bus-seconds", type=float, default=10.0)
    return parser


if __name__ == "__main__":
    asyncio.run(main(_parser().parse_args()))
