"""Run an Infinergi simulator against a central system until Ctrl-C / SIGTERM.

    python -m simulator.ocpp --url ws://127.0.0.1:9000 --id infinergi-01 --plugged

Type commands on stdin while it runs: `plug`, `unplug`, `swipe <tag>`, `error <code>`,
`clear`, `drop`, `status`, `quit`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import stat
import sys

from .charge_point import AuthorizationMode, Car, InfinergiSimulator, SimulatorConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator.ocpp",
        description="SEMAR Infinergi OCPP 1.6J charge point simulator.",
    )
    parser.add_argument("--url", default="ws://127.0.0.1:9000", help="central system endpoint")
    parser.add_argument("--id", default="infinergi-01", help="Charge Point ID")
    parser.add_argument("--password", help="HTTP Basic auth password (security profile 1)")
    parser.add_argument("--model", default="INFINERGI-3T-DR")
    parser.add_argument("--serial", default="21/000-000001")
    parser.add_argument("--phases", type=int, choices=(1, 3), default=3)
    parser.add_argument("--wiring-limit", type=float, default=32.0, help="A per phase")
    parser.add_argument(
        "--auth", choices=[mode.value for mode in AuthorizationMode], default="disabled"
    )
    parser.add_argument("--static-tag", help="static ID tag (default: end of the serial)")
    parser.add_argument("--meter-interval", type=int, default=10, help="s between MeterValues")
    parser.add_argument("--car-current", type=float, default=16.0, help="A the car takes")
    parser.add_argument("--plugged", action="store_true", help="a car is plugged in at start")
    parser.add_argument("--soc", action="store_true", help="the car reports its SoC")
    return parser.parse_args(argv)


async def _commands(sim: InfinergiSimulator, stop: asyncio.Event, car: Car) -> None:
    loop = asyncio.get_running_loop()
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return
    if not (sys.stdin.isatty() or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return  # /dev/null or a file: nobody types commands
    reader = asyncio.StreamReader()
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (OSError, ValueError):  # no usable stdin (a service, a closed pipe)
        return
    while not stop.is_set():
        line = (await reader.readline()).decode().strip()
        if not line:
            if reader.at_eof():
                return
            continue
        word, _, arg = line.partition(" ")
        if word == "plug":
            await sim.plug_in(car)
        elif word == "unplug":
            await sim.unplug()
        elif word == "swipe":
            await sim.swipe(arg)
        elif word == "error":
            await sim.raise_error(arg.upper())
        elif word == "clear":
            await sim.clear_error()
        elif word == "drop":
            await sim.drop_connection(pause=2)
        elif word == "quit":
            stop.set()
        print(json.dumps(sim.snapshot()), flush=True)


async def run(args: argparse.Namespace) -> None:
    """Connect, optionally plug a car in, run until stopped."""
    sim = InfinergiSimulator(
        SimulatorConfig(
            url=args.url,
            charge_point_id=args.id,
            password=args.password,
            model=args.model,
            serial=args.serial,
            phases=args.phases,
            wiring_limit=args.wiring_limit,
            auth_mode=AuthorizationMode(args.auth),
            static_tag=args.static_tag,
            meter_interval=args.meter_interval,
        )
    )
    car = Car(max_current=args.car_current, phases=args.phases, sends_soc=args.soc)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await sim.start()
    print(f"Infinergi simulator {args.id} -> {args.url}/{args.id}", flush=True)
    if args.plugged:
        with contextlib.suppress(TimeoutError):
            await sim.wait_until(lambda: sim.booted, within=60)
        await sim.plug_in(car)
    commands = loop.create_task(_commands(sim, stop, car))
    await stop.wait()
    commands.cancel()
    await sim.stop()


def main() -> None:
    """Entry point."""
    asyncio.run(run(parse_args()))


if __name__ == "__main__":
    main()
