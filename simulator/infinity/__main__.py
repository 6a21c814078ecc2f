"""Run the Infinity gateway simulator until Ctrl-C / SIGTERM.

    python -m simulator.infinity --host 127.0.0.1 --port 1883 --variant publish_index

It publishes `servicelocation/<uuid>/...` on the given broker: retained configuration topics,
realtime every second, and answers relay commands on `plug/<nodeId>/setstate`.
"""

from __future__ import annotations

import argparse
import signal
import threading

from .installation import large_installation
from .simulator import DEFAULT_SERIAL, DEFAULT_UUID, VARIANTS, InfinitySimulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator.infinity",
        description="Smappee Infinity gateway simulator (local MQTT).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--variant", choices=VARIANTS, default="ct_input")
    parser.add_argument("--uuid", default=DEFAULT_UUID)
    parser.add_argument("--serial", default=DEFAULT_SERIAL)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between realtime")
    parser.add_argument("--hour", type=float, default=12.25, help="simulated time of day")
    parser.add_argument(
        "--speed", type=float, default=0.0, help="simulated hours per real second (0 = still)"
    )
    parser.add_argument("--aggregated-interval", type=float, default=300.0)
    parser.add_argument(
        "--installation",
        choices=("default", "large"),
        default="default",
        help="default: 14 measuring points; large: 28 (the Power Box's limit)",
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, help="relative noise on readings (e.g. 0.01)"
    )
    parser.add_argument("--clear-retained", action="store_true", help="clear retained on exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Start, wait for a signal, stop."""
    args = parse_args(argv)
    sim = InfinitySimulator(
        args.host,
        args.port,
        variant=args.variant,
        uuid=args.uuid,
        serial=args.serial,
        interval=args.interval,
        hour=args.hour,
        speed=args.speed,
        aggregated_interval=args.aggregated_interval,
        installation=large_installation() if args.installation == "large" else None,
        jitter=args.jitter,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    sim.start()
    print(
        f"Infinity simulator ({args.variant}): servicelocation/{args.uuid} "
        f"on {args.host}:{args.port}"
    )
    done.wait()
    sim.stop(clear_retained=args.clear_retained)


if __name__ == "__main__":
    main()
