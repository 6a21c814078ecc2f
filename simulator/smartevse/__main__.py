"""Run a SmartEVSE simulator: ``python -m simulator.smartevse [--port 8080] [--broker HOST:PORT]``.

REST on 127.0.0.1:<port>; with ``--broker`` it also publishes under ``SmartEVSE-<serial>``
and takes ``<prefix>/Set/...`` commands. The firmware clock ticks once a second; ``--car``
plugs a car in, so the charger charges.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from .http_api import Variant
from .simulator import DEFAULT_SERIAL, SmartEvseSimulator


async def _main(args: argparse.Namespace) -> None:
    broker = None
    if args.broker:
        host, _, port = args.broker.rpartition(":")
        broker = (host or "127.0.0.1", int(port))
    sim = SmartEvseSimulator(
        args.variant,
        serial=args.serial,
        broker=broker,
        mains_meter=args.mains_meter,
        live=True,
        publish_on_tick=True,
    )
    await sim.start(args.host, args.port)
    if args.car:
        sim.plug_in()
    print(f"SmartEVSE simulator {sim.serial} ({sim.variant}) on {sim.url}", flush=True)
    if broker:
        print(f"MQTT prefix {sim.mqtt_prefix} on {broker[0]}:{broker[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await sim.stop()


def main() -> None:
    """Parse the arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--serial", type=int, default=DEFAULT_SERIAL)
    parser.add_argument("--variant", choices=[v.value for v in Variant], default="upstream")
    parser.add_argument("--broker", help="MQTT broker HOST:PORT")
    parser.add_argument("--mains-meter", default="API", help="API, Sensorbox or Disabled")
    parser.add_argument("--car", action="store_true", help="plug a car in")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
