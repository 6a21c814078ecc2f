"""Run a meter simulator: ``python -m simulator.meters --profile eastron_sdm630 --unit 11``."""

from __future__ import annotations

import argparse
import asyncio

from custom_components.gridmate.devices.meters.profiles import PROFILES_BY_ID

from . import Mode, RtuPtyMeterServer, SimulatedMeter, TcpMeterServer, demo_values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--profile",
        action="append",
        required=True,
        help="profile id; repeat for several meters (unit ids count up from --unit)",
    )
    parser.add_argument("--unit", type=int, default=11, help="first unit id (default 11)")
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.NORMAL.value)
    parser.add_argument("--exporting", action="store_true", help="negative power / currents")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tcp", default="127.0.0.1:5020", help="host:port (default)")
    where.add_argument("--rtu", action="store_true", help="RTU on a pseudo-terminal")
    parser.add_argument("--baudrate", type=int, default=None, help="emulate RTU wire time")
    parser.add_argument(
        "--turnaround-ms",
        type=float,
        default=0.0,
        help="answer this long after each request (a real meter's processing time)",
    )
    return parser


async def _run(args: argparse.Namespace) -> None:
    meters = {
        args.unit + i: SimulatedMeter(
            profile=PROFILES_BY_ID[pid],
            values=demo_values(PROFILES_BY_ID[pid], exporting=args.exporting),
            mode=Mode.SLOW if args.turnaround_ms and args.mode == "normal" else Mode(args.mode),
            delay_s=args.turnaround_ms / 1000 if args.turnaround_ms else 2.0,
            warmup_s=60.0,
        )
        for i, pid in enumerate(args.profile)
    }
    if args.rtu:
        rtu = RtuPtyMeterServer(meters, baudrate=args.baudrate)
        print(f"RTU on {await rtu.start()} (units {sorted(meters)})", flush=True)
    else:
        host, _, port = args.tcp.rpartition(":")
        tcp = TcpMeterServer(meters)
        port_number = await tcp.start(host, int(port))
        print(f"TCP on {host}:{port_number} (units {sorted(meters)})", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """Entry point."""
    asyncio.run(_run(_parser().parse_args()))


if __name__ == "__main__":
    main()
