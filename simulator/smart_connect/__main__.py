"""Run the Smart Connect simulator until Ctrl-C / SIGTERM.

    python -m simulator.smart_connect --host 127.0.0.1 --modbus-port 1502 --http-port 8080 \
        --password demo-pass --serial 0123456789AB --variant full \
        [--mqtt-broker mqtt://127.0.0.1:1883 --site home] [--telegram belgium]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .http_api import HTTP_USER
from .mqtt import PhaseNames
from .simulator import DEFAULT_PASSWORD, DEFAULT_SERIAL, DEFAULT_SITE, SmartConnectSimulator
from .telegram import TelegramSpec
from .variants import Variant


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator.smart_connect",
        description="Xemex Smart Connect simulator: Modbus TCP (EMpro map) + HTTP API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--modbus-port", type=int, default=1502, help="0 = any free port")
    parser.add_argument("--http-port", type=int, default=8080, help="0 = any free port")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="HTTP password (user 'user')")
    parser.add_argument("--serial", default=DEFAULT_SERIAL)
    parser.add_argument("--variant", choices=[v.value for v in Variant], default=Variant.FULL)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replay", metavar="CSV", help="CSV time series (columns = register keys)")
    parser.add_argument("--firmware", help="firmware version to report (default per variant)")
    parser.add_argument(
        "--no-serial-in-api", action="store_true", help="omit Serial from GET /api/v1/firmware"
    )
    parser.add_argument(
        "--http-delay", type=float, default=0.0, help="seconds added to every HTTP request"
    )
    parser.add_argument("--static", action="store_true", help="values do not move by themselves")
    parser.add_argument(
        "--mqtt-broker", help="publish to this broker, mqtt://host:port (default: no MQTT)"
    )
    parser.add_argument("--site", default=DEFAULT_SITE, help="site in the MQTT topics")
    parser.add_argument("--mqtt-username", default="")
    parser.add_argument("--mqtt-password", default="")
    parser.add_argument(
        "--telegram",
        choices=["auto", "none", *[spec.value for spec in TelegramSpec]],
        default="auto",
        help="P1 standard of /api/v1/telegram (auto: the variant's)",
    )
    parser.add_argument(
        "--telegram-resolution",
        action="store_true",
        help="round every value to the resolution of a P1 telegram",
    )
    parser.add_argument(
        "--phase-names",
        choices=[PhaseNames.TABLE, PhaseNames.MANUAL_EXAMPLE],
        default=PhaseNames.TABLE,
        help="spell MQTT phase objects l1 (field table) or 11 (the manual's example)",
    )
    parser.add_argument("--available-firmware", help="offer this firmware version as an update")
    parser.add_argument("--counters-period", type=int, default=60, help="s between counters")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    """Start the simulator, print where it listens, wait for a stop signal."""
    sim = SmartConnectSimulator(
        args.variant,
        password=args.password,
        serial=args.serial,
        seed=args.seed,
        serial_in_api=not args.no_serial_in_api,
        firmware_version=args.firmware,
        live=not args.static,
        http_delay=args.http_delay,
        replay=args.replay,
        telegram=None if args.telegram == "none" else args.telegram,
        telegram_resolution=args.telegram_resolution,
        mqtt_broker=args.mqtt_broker,
        mqtt_site=args.site,
        mqtt_username=args.mqtt_username,
        mqtt_password=args.mqtt_password,
        phase_names=args.phase_names,
        counters_period=args.counters_period,
        available_firmware=args.available_firmware,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    modbus_port, http_port = await sim.start(args.host, args.modbus_port, args.http_port)
    try:
        print(
            f"Smart Connect simulator ({sim.variant}, firmware {sim.http.firmware_version}, "
            f"serial {sim.serial})\n"
            f"  Modbus TCP: {args.host}:{modbus_port}\n"
            f"  HTTP API:   http://{args.host}:{http_port}/api/v1/status "
            f"(user {HTTP_USER!r}, password {args.password!r})\n"
            f"  MQTT:       {sim.mqtt_topic('<metric>') if sim.mqtt else 'not publishing'}\n"
            "Ctrl-C to stop.",
            flush=True,
        )
        await stop.wait()
    finally:
        await sim.stop()
        print("Smart Connect simulator stopped.", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    asyncio.run(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
