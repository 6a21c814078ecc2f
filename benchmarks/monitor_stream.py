"""Figures for the monitor kind: Home Assistant's cost of a realtime stream with 28 channels.

    python -m benchmarks.monitor_stream [--messages 300] [--rate 10]

A real mosquitto broker, the Infinity simulator in its own process (so its CPU is not counted)
publishing the 28-measuring-point installation, and a real (test) Home Assistant with its MQTT
integration and a Gridmate monitor entry. For each run it prints:
- the entities the installation gets (default set, then all enabled);
- CPU time of the Home Assistant process per realtime message (socket read, MQTT dispatch,
  decoding, totals, checks, entity updates and state writes), after subtracting the idle
  CPU of the same process measured with the stream paused;
- state writes per message and per minute at the gateway's 1 Hz, against the writes an
  integration that writes every entity on every message would make;
with steady readings and with 1 % measurement noise (what real CTs show).
The simulator publishes faster than 1 Hz to collect enough messages quickly; each message is
processed on its own, so the per-message figures hold at 1 Hz. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
import contextlib
from pathlib import Path
import subprocess
import sys
import time
from typing import Any
from unittest.mock import PropertyMock, patch

from benchmarks.common import mosquitto

ROOT = Path(__file__).resolve().parent.parent
UUID = "6eefadeb-5c08-47cd-87b6-9897acb9fb8f"
SERIAL = "5010000123"


def _simulator(port: int, rate: float, jitter: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.infinity",
            "--port",
            str(port),
            "--installation",
            "large",
            "--interval",
            str(1 / rate),
            "--jitter",
            str(jitter),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _until(predicate: Any, within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def run(
    port: int, *, messages: int, rate: float, jitter: float, all_entities: bool
) -> dict[str, Any]:
    """One measured stream inside a test Home Assistant."""
    from homeassistant.components import mqtt
    from homeassistant.components.mqtt.const import CONFIG_ENTRY_MINOR_VERSION, CONFIG_ENTRY_VERSION
    from homeassistant.const import CONF_PORT, EVENT_STATE_CHANGED
    from homeassistant.core import Event, callback
    from homeassistant.helpers import entity_registry as er
    from homeassistant.loader import DATA_CUSTOM_COMPONENTS
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.gridmate  # noqa: F401  (register the integration for the loader)

    sim = _simulator(port, rate, jitter)
    # "All entities": created enabled, as if the user had enabled every disabled one.
    enabled = (
        patch(
            "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
            new_callable=PropertyMock,
            return_value=True,
        )
        if all_entities
        else contextlib.nullcontext()
    )
    try:
        with patch("homeassistant.config.load_yaml_config_file", return_value={}), enabled:
            async with async_test_home_assistant() as hass:
                hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
                broker = MockConfigEntry(
                    domain=mqtt.DOMAIN,
                    data={mqtt.CONF_BROKER: "127.0.0.1", CONF_PORT: port},
                    version=CONFIG_ENTRY_VERSION,
                    minor_version=CONFIG_ENTRY_MINOR_VERSION,
                )
                broker.add_to_hass(hass)
                await hass.config_entries.async_setup(broker.entry_id)
                await hass.async_block_till_done()
                await _until(lambda: mqtt.is_connected(hass), 10, "HA's MQTT client")
                entry = MockConfigEntry(
                    domain="gridmate",
                    unique_id=SERIAL,
                    title=f"Smappee Genius {SERIAL}",
                    data={
                        "kind": "monitor",
                        "service_location": UUID,
                        "topic_prefix": "servicelocation",
                        "serial": SERIAL,
                    },
                )
                entry.add_to_hass(hass)
                await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                await _until(
                    lambda: (
                        getattr(entry, "runtime_data", None) is not None
                        and entry.runtime_data.hub.totals is not None
                    ),
                    15,
                    "the first realtime message",
                )
                await asyncio.sleep(1.0)  # every platform added its entities
                hub = entry.runtime_data.hub
                ours = {
                    item.entity_id
                    for item in er.async_entries_for_config_entry(
                        er.async_get(hass), entry.entry_id
                    )
                    if item.disabled_by is None
                }
                channels = len(hub.realtime.channels) if hub.realtime else 0

                # Idle cost of this process with the stream paused (SIGSTOP the simulator).
                sim.send_signal(19)
                await asyncio.sleep(0.5)
                idle_start, idle_cpu = time.monotonic(), time.process_time()
                await asyncio.sleep(3.0)
                idle_per_s = (time.process_time() - idle_cpu) / (time.monotonic() - idle_start)
                sim.send_signal(18)

                writes: Counter[str] = Counter()

                @callback
                def count(event: Event[Any]) -> None:
                    if event.data["entity_id"] in ours:
                        writes[event.data["entity_id"].split(".")[0]] += 1

                unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, count)
                warm = hub.stats.messages["realtime"] + 20  # first code paths warmed up
                await _until(lambda: hub.stats.messages["realtime"] >= warm, 60, "warm-up")
                first = hub.stats.messages["realtime"]
                writes.clear()
                started, cpu = time.monotonic(), time.process_time()
                await _until(
                    lambda: hub.stats.messages["realtime"] - first >= messages,
                    messages / rate * 3 + 10,
                    "the messages",
                )
                cpu = time.process_time() - cpu
                elapsed = time.monotonic() - started
                received = hub.stats.messages["realtime"] - first
                unsubscribe()
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.config_entries.async_unload(broker.entry_id)
                await hass.async_block_till_done()
                await hass.async_stop(force=True)
    finally:
        sim.terminate()
        sim.wait()
    total_writes = sum(writes.values())
    return {
        "channels": channels,
        "entities": len(ours),
        "messages": received,
        "cpu_ms": (cpu - idle_per_s * elapsed) / received * 1000,
        "cpu_raw_ms": cpu / received * 1000,
        "idle_ms_per_s": idle_per_s * 1000,
        "writes_per_message": total_writes / received,
        "writes_per_minute": total_writes / received * 60,
        "naive_per_minute": len(ours) * 60,
        "by_domain": dict(writes),
    }


async def main() -> None:
    """Four runs: steady and noisy readings, default and all entities."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second")
    args = parser.parse_args()
    print(
        f"Monitor realtime stream through mosquitto, {args.messages} messages at "
        f"{args.rate:g}/s per run\n"
    )
    print(
        f"{'readings':10} {'entities':>15} {'channels':>8} {'CPU/message':>12} "
        f"{'(raw)':>9} {'writes/msg':>10} {'writes/min @1Hz':>16} {'write-all/min':>14}"
    )
    with mosquitto() as port:
        for jitter, label in ((0.0, "steady"), (0.01, "1% noise")):
            for all_entities in (False, True):
                fig = await run(
                    port,
                    messages=args.messages,
                    rate=args.rate,
                    jitter=jitter,
                    all_entities=all_entities,
                )
                which = "all" if all_entities else "default"
                print(
                    f"{label:10} {fig['entities']:>6} ({which:>7}) {fig['channels']:>8} "
                    f"{fig['cpu_ms']:>9.3f} ms {fig['cpu_raw_ms']:>6.3f} ms "
                    f"{fig['writes_per_message']:>10.1f} {fig['writes_per_minute']:>16.0f} "
                    f"{fig['naive_per_minute']:>14}"
                )
    print(
        "\nCPU/message: Home Assistant process CPU per realtime message, idle CPU subtracted "
        "(raw: not subtracted). writes: state_changed events of the monitor's entities."
    )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(main())
