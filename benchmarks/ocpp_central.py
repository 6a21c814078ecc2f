"""Figures for the OCPP 1.6J central system: profile latency and message throughput.

    python -m benchmarks.ocpp_central [--changes 200] [--seconds 20]

The central system (server + drivers, no Home Assistant) runs in this process; the simulated
Infinergi charge points run in a child process over real websockets on 127.0.0.1, so their
CPU is not counted. Both sides stamp events with time.monotonic(), one clock on Linux.

1. Latency: a controller target change (the `set_current_limit` call the controller makes)
   until the simulator has applied the SetChargingProfile (its offered current changed), and
   until the call returned with the charger's Accepted. Median and p95 over --changes changes.
2. Throughput with 8 charge points sending MeterValues every second (a full sample: energy,
   power, current and voltage per phase, offered current): messages per second handled and
   the central system's CPU.
3. Throughput with the same 8 charge points sending MeterValues back to back (each waits for
   the answer, as OCPP requires): the rate the central system sustains and its CPU.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
import resource
import statistics
import sys
import time
from typing import Any

from benchmarks.common import percentile

ROOT = Path(__file__).resolve().parent.parent
CHARGE_POINTS = 8


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the child: simulated charge points -------------------------------------------------


async def _child(port: int, count: int, mode: str, seconds: float) -> None:
    from simulator.ocpp import Car, InfinergiSimulator, SimulatorConfig

    sims = [
        InfinergiSimulator(
            SimulatorConfig(
                url=f"ws://127.0.0.1:{port}",
                charge_point_id=f"bench{n}",
                meter_interval=1 if mode == "rate" else 0,
                reconnect_delay=0.2,
            )
        )
        for n in range(count)
    ]

    def report(sim_id: str) -> Any:
        def on_applied(record: Any) -> None:
            print(
                json.dumps({"id": sim_id, "offered": record.offered, "at": record.at}), flush=True
            )

        return on_applied

    for sim in sims:
        sim.on_applied = report(sim.config.charge_point_id)
        await sim.start()
    for sim in sims:
        await sim.wait_until(lambda sim=sim: sim.booted, within=30)
        await sim.plug_in(Car(max_current=32))
    print(json.dumps({"ready": True}), flush=True)
    if mode == "flood":

        async def flood(sim: InfinergiSimulator) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                await sim.send_meter_values()

        await asyncio.gather(*(flood(sim) for sim in sims))
    else:
        await asyncio.sleep(seconds)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"done": True, "cpu": usage.ru_utime + usage.ru_stime}), flush=True)
    for sim in sims:
        await sim.stop()


# --- the parent: the central system ----------------------------------------------------


class _Child:
    """The simulator process and the lines it prints."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.applied: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.ready = asyncio.Event()
        self.done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("ready"):
                self.ready.set()
            elif event.get("done"):
                if not self.done.done():
                    self.done.set_result(float(event["cpu"]))
            else:
                await self.applied.put(event)


async def _spawn(port: int, count: int, mode: str, seconds: float) -> _Child:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.ocpp_central",
        "--child",
        mode,
        "--port",
        str(port),
        "--count",
        str(count),
        "--seconds",
        str(seconds),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    child = _Child(proc)
    await asyncio.wait_for(child.ready.wait(), 60)
    return child


async def _central(count: int) -> Any:
    from custom_components.gridmate.devices.chargers.ocpp.charge_point import (
        ChargePointSettings,
    )
    from custom_components.gridmate.devices.chargers.ocpp.server import CentralSystem

    central = CentralSystem(port=0, host="127.0.0.1")
    await central.start()
    for n in range(count):
        central.add(
            ChargePointSettings(charge_point_id=f"bench{n}", max_current=32, meter_interval=0)
        )
    return central


async def latency(changes: int) -> dict[str, float]:
    """Target change -> profile applied in the simulator, and -> Accepted back."""
    central = await _central(1)
    child = await _spawn(central.port, 1, "idle", seconds=changes * 0.2 + 30)
    cp = central.get("bench0")
    assert cp is not None
    await asyncio.sleep(2.0)  # let the connect-time configuration finish
    while not child.applied.empty():
        child.applied.get_nowait()
    applied: list[float] = []
    answered: list[float] = []
    try:
        for n in range(changes):
            target = 6.0 + n % 11  # 6..16 A, always a change
            if cp.snapshot.applied_limit == target:
                target = 17.0
            start = time.monotonic()
            await cp.set_current_limit(target)
            answered.append((time.monotonic() - start) * 1000)
            event = await asyncio.wait_for(child.applied.get(), 5)
            assert event["offered"] == target, event
            applied.append((float(event["at"]) - start) * 1000)
            await asyncio.sleep(0.02)
    finally:
        child.proc.terminate()
        await child.proc.wait()
        await central.stop()
    return {
        "applied_median_ms": statistics.median(applied),
        "applied_p95_ms": percentile(applied, 0.95),
        "accepted_median_ms": statistics.median(answered),
        "accepted_p95_ms": percentile(answered, 0.95),
    }


async def throughput(mode: str, seconds: float) -> dict[str, float]:
    """Messages per second handled with 8 charge points, and the central system's CPU."""
    central = await _central(CHARGE_POINTS)
    child = await _spawn(central.port, CHARGE_POINTS, mode, seconds)
    try:
        await asyncio.sleep(1.0)
        points = central.charge_points.values()
        before = sum(cp.counters.messages for cp in points)
        cpu_before, wall_before = _cpu(), time.monotonic()
        await asyncio.sleep(seconds - 2.0)
        wall = time.monotonic() - wall_before
        cpu = _cpu() - cpu_before
        after = sum(cp.counters.messages for cp in points)
        child_cpu = await asyncio.wait_for(child.done, seconds + 30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.proc.terminate()
        await child.proc.wait()
        await central.stop()
    return {
        "messages_per_s": (after - before) / wall,
        "central_cpu_pct": 100 * cpu / wall,
        "central_cpu_us_per_message": 1e6 * cpu / max(after - before, 1),
        "simulators_cpu_s": child_cpu,
    }


async def main(args: argparse.Namespace) -> None:
    """Run the three measurements and print them."""
    lat = await latency(args.changes)
    print(f"SetChargingProfile latency over {args.changes} target changes:")
    print(
        "  target change -> applied in the charge point: "
        f"median {lat['applied_median_ms']:.2f} ms, p95 {lat['applied_p95_ms']:.2f} ms"
    )
    print(
        "  target change -> Accepted back at the driver: "
        f"median {lat['accepted_median_ms']:.2f} ms, p95 {lat['accepted_p95_ms']:.2f} ms"
    )
    rate = await throughput("rate", args.seconds)
    print(f"{CHARGE_POINTS} charge points, MeterValues every second:")
    print(
        f"  {rate['messages_per_s']:.1f} messages/s handled, central system CPU "
        f"{rate['central_cpu_pct']:.1f} % of one core "
        f"({rate['central_cpu_us_per_message']:.0f} us per message)"
    )
    flood = await throughput("flood", args.seconds)
    print(f"{CHARGE_POINTS} charge points, MeterValues back to back:")
    print(
        f"  {flood['messages_per_s']:.0f} messages/s sustained, central system CPU "
        f"{flood['central_cpu_pct']:.0f} % of one core "
        f"({flood['central_cpu_us_per_message']:.0f} us per message; the simulators used "
        f"{flood['simulators_cpu_s']:.1f} s CPU)"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocpp_central")
    parser.add_argument("--changes", type=int, default=200, help="target changes to time")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run")
    parser.add_argument("--child", choices=("idle", "rate", "flood"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=CHARGE_POINTS, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.child:
        asyncio.run(_child(arguments.port, arguments.count, arguments.child, arguments.seconds))
    else:
        asyncio.run(main(arguments))
