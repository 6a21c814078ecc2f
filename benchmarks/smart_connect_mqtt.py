"""Figures for the Smart Connect over MQTT: publish -> HA state latency and CPU per message.

    python -m benchmarks.smart_connect_mqtt [--messages 1000] [--interval-ms 20]

Runs, all on 127.0.0.1:
- a mosquitto broker (installed by scripts/setup);
- the Smart Connect simulator in its own process (HTTP API only: firmware and telegram);
- a Home Assistant test instance with its own MQTT integration connected to the broker and a
  Gridmate Smart Connect entry using the MQTT transport (default entities);
- a publisher process (paho-mqtt, like the device) sending ``power_instant`` messages.

Latency is from the moment the publisher hands a message to its MQTT client to the moment
Home Assistant fires the power sensor's state change (CLOCK_MONOTONIC, shared by the
processes). CPU is Home Assistant's process time per message (its MQTT client thread included),
with and without the idle baseline subtracted. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
from unittest.mock import patch

from benchmarks.common import free_port, percentile, start_mosquitto

ROOT = Path(__file__).resolve().parent.parent
SERIAL = "0123456789AB"
TS0 = 1_781_179_200


def _payload(seq: int) -> dict[str, Any]:
    """A realistic power_instant: every field, the power carrying the sequence number."""
    phase = {"U": 230.1, "I": 4, "P": 300, "P+": 300, "P-": 0, "Q": None, "Q+": None}
    phase |= {"Q-": None, "S": 300, "VSAGS": 0, "VSWELLS": 0}
    return {
        "ts": TS0 + seq,
        "P": 1000 + seq,
        "P+": 1000 + seq,
        "P-": 0,
        "E_IMPORT": 56_500_909 + seq,
        "E_EXPORT": 25_593_421,
        "U12": None,
        "U31": None,
        "U32": None,
        "l1": phase,
        "l2": phase,
        "l3": phase,
        "Q": None,
        "Q+": None,
        "Q-": None,
        "EQ1": None,
        "EQ2": None,
        "EQ3": None,
        "EQ4": None,
        "PFAIL": 19,
        "LPFAIL": 4,
        "PF": 1,
        "S": 900,
    }


def publisher_main(port: int, count: int, interval: float) -> None:
    """The device side: publish `count` messages, print the send times (JSON) at the end."""
    from paho.mqtt.client import CallbackAPIVersion, Client

    client = Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topic = f"devices/bench/smart-connect/{SERIAL}/data/power_instant"
    bodies = [json.dumps(_payload(seq)) for seq in range(count)]
    sent: list[float] = []
    next_at = time.monotonic()
    for body in bodies:
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
        sent.append(time.monotonic())
        client.publish(topic, body, qos=0)
    time.sleep(0.5)
    client.loop_stop()
    client.disconnect()
    print(json.dumps(sent), flush=True)


def _start_simulator(http_port: int, modbus_port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.smart_connect",
            "--http-port",
            str(http_port),
            "--modbus-port",
            str(modbus_port),
            "--serial",
            SERIAL,
            "--static",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", http_port), timeout=0.2).close()
            return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("simulator did not start")


async def measure(messages: int, interval: float) -> dict[str, Any]:
    """Run the whole chain once; return latency and CPU figures."""
    from aiohttp.resolver import AsyncResolver
    from homeassistant.components import mqtt
    from homeassistant.components.mqtt.const import (
        CONFIG_ENTRY_MINOR_VERSION,
        CONFIG_ENTRY_VERSION,
    )
    from homeassistant.const import EVENT_STATE_CHANGED
    from homeassistant.core import Event, callback
    from homeassistant.helpers import entity_registry as er
    from homeassistant.loader import DATA_CUSTOM_COMPONENTS
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.gridmate  # noqa: F401  (register the integration for the loader)

    broker_port, http_port, modbus_port = free_port(), free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="gridmate-bench-"))
    (workdir / "configuration.yaml").write_text("", encoding="utf-8")
    broker = start_mosquitto(broker_port, workdir)
    sim = _start_simulator(http_port, modbus_port)
    dns = AsyncResolver()
    dns.real_close = dns.close  # type: ignore[attr-defined]  # what HA's shutdown calls
    resolver = patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=dns)
    try:
        resolver.start()
        async with async_test_home_assistant(config_dir=str(workdir)) as hass:
            hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
            mqtt_entry = MockConfigEntry(
                domain=mqtt.DOMAIN,
                data={mqtt.CONF_BROKER: "127.0.0.1", "port": broker_port},
                version=CONFIG_ENTRY_VERSION,
                minor_version=CONFIG_ENTRY_MINOR_VERSION,
            )
            mqtt_entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(mqtt_entry.entry_id)
            await hass.async_block_till_done()
            client = hass.data[mqtt.DATA_MQTT].client
            while not client.connected:  # noqa: ASYNC110 - paho's state has no event to await
                await asyncio.sleep(0.02)
            entry = MockConfigEntry(
                domain="gridmate",
                unique_id=SERIAL,
                title=f"Smart Connect {SERIAL}",
                data={
                    "kind": "smart_connect",
                    "host": f"127.0.0.1:{http_port}",
                    "password": "demo-pass",
                    "port": modbus_port,
                    "interface": "tic",  # no telegram poll: measure the MQTT path alone
                    "serial": SERIAL,
                    "transport": "mqtt",
                },
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            while client._pending_subscriptions or client._pending_operations:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            await asyncio.sleep(1.5)  # the subscription acknowledged by the broker
            power = er.async_get(hass).async_get_entity_id(
                "sensor", "gridmate", f"{SERIAL}_active_power"
            )
            entities = len(hass.states.async_entity_ids("sensor"))
            received: dict[int, float] = {}

            @callback
            def on_change(event: Event[Any]) -> None:
                if event.data["entity_id"] == power:
                    new = event.data["new_state"]
                    with contextlib.suppress(TypeError, ValueError):
                        received[round(float(new.state)) - 1000] = time.monotonic()

            unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, on_change)
            duration = messages * interval
            idle_start = time.process_time()
            await asyncio.sleep(duration)
            idle_cpu = time.process_time() - idle_start

            publisher = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.smart_connect_mqtt",
                "--publisher",
                str(broker_port),
                str(messages),
                str(interval),
                cwd=str(ROOT),
                stdout=asyncio.subprocess.PIPE,
            )
            busy_start = time.process_time()
            stdout, _ = await publisher.communicate()
            busy_cpu = time.process_time() - busy_start
            await asyncio.sleep(0.3)
            unsub()
            sent = json.loads(stdout.decode().strip().splitlines()[-1])
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.config_entries.async_unload(mqtt_entry.entry_id)
            await hass.async_stop(force=True)
    finally:
        resolver.stop()
        sim.terminate()
        broker.terminate()
        sim.wait()
        broker.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    latencies = [received[seq] - sent[seq] for seq in range(len(sent)) if seq in received]
    busy_seconds = len(sent) * interval + 0.5
    return {
        "sent": len(sent),
        "received": len(latencies),
        "entities": entities,
        "latency_median_ms": statistics.median(latencies) * 1000,
        "latency_p95_ms": percentile(latencies, 0.95) * 1000,
        "latency_max_ms": max(latencies) * 1000,
        "cpu_per_message_ms": busy_cpu / len(sent) * 1000,
        "cpu_net_per_message_ms": (busy_cpu - idle_cpu * busy_seconds / duration)
        / len(sent)
        * 1000,
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--interval-ms", type=float, default=20.0)
    parser.add_argument("--publisher", nargs=3, metavar=("PORT", "COUNT", "INTERVAL"))
    args = parser.parse_args()
    if args.publisher:
        port, count, interval = args.publisher
        publisher_main(int(port), int(count), float(interval))
        return
    figures = asyncio.run(measure(args.messages, args.interval_ms / 1000))
    print(
        f"Smart Connect over MQTT, localhost: {figures['sent']} power_instant messages, one every "
        f"{args.interval_ms:g} ms, {figures['entities']} enabled sensors\n"
        f"  received as state changes: {figures['received']}\n"
        f"  publish -> state change: median {figures['latency_median_ms']:.2f} ms, "
        f"p95 {figures['latency_p95_ms']:.2f} ms, max {figures['latency_max_ms']:.2f} ms\n"
        f"  Home Assistant CPU per message: {figures['cpu_per_message_ms']:.3f} ms "
        f"({figures['cpu_net_per_message_ms']:.3f} ms above idle)"
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
