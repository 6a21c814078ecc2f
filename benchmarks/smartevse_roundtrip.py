"""Command round trip of the SmartEVSE integration, REST and MQTT, inside a real Home Assistant.

    python -m benchmarks.smartevse_roundtrip [--commands 100]

For each transport a (test) Home Assistant loads a SmartEVSE entry pointing at the simulator;
the benchmark then changes the override current through the number entity's service and
measures, per command:
- applied: service call -> the simulator's firmware model holds the new value;
- back: service call -> Home Assistant's entity shows it (state written).

Transports:
- REST: `POST /settings?override_current=...`, then `GET /settings` (the integration polls
  right after a command).
- MQTT, publish at once: `<prefix>/Set/CurrentOverride` through mosquitto; the simulator
  publishes its new state immediately, Home Assistant's MQTT delivers it.
- MQTT, firmware tick: the same, but the simulator publishes at its next 1 s timer tick, as
  the firmware does (`lastMqttUpdate = 10`): the figure a real SmartEVSE gives.

Everything runs on 127.0.0.1; the simulator shares the benchmark's process and event loop
(its MQTT client has its own thread). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
import random
import statistics
import tempfile
import time
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import AsyncResolver

from benchmarks.common import mosquitto, percentile
from simulator.smartevse import SmartEvseSimulator

ENTITY = "number.smartevse_51446_override_current"


async def _round_trips(
    commands: int, *, broker: int | None, publish_on_tick: bool
) -> dict[str, list[float]]:
    from homeassistant.components import mqtt
    from homeassistant.components.mqtt.const import (
        CONFIG_ENTRY_MINOR_VERSION,
        CONFIG_ENTRY_VERSION,
    )
    from homeassistant.core import Event, EventStateChangedData, callback
    from homeassistant.helpers.event import async_track_state_change_event
    from homeassistant.loader import DATA_CUSTOM_COMPONENTS
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.gridmate  # noqa: F401  (register the integration for the loader)

    sim = SmartEvseSimulator(
        broker=("127.0.0.1", broker) if broker else None,
        max_gets_per_s=None,
        live=publish_on_tick,
        publish_on_tick=publish_on_tick,
    )
    await sim.start()
    applied_at: dict[float, float] = {}
    model = sim.model
    on_change = model.on_change

    def watch() -> None:
        applied_at.setdefault(model.override_current / 10, time.perf_counter())
        if on_change is not None:
            on_change()

    model.on_change = watch
    dns = AsyncResolver()
    dns.real_close = dns.close  # type: ignore[attr-defined]  # what HA's shutdown calls
    resolver = patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=dns)
    applied: list[float] = []
    back: list[float] = []
    config_dir = tempfile.TemporaryDirectory()
    (Path(config_dir.name) / "configuration.yaml").write_text("", encoding="utf-8")
    try:
        resolver.start()
        async with async_test_home_assistant(config_dir=config_dir.name) as hass:
            hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
            if broker:
                mqtt_entry = MockConfigEntry(
                    domain=mqtt.DOMAIN,
                    data={mqtt.CONF_BROKER: "127.0.0.1", "port": broker},
                    version=CONFIG_ENTRY_VERSION,
                    minor_version=CONFIG_ENTRY_MINOR_VERSION,
                )
                mqtt_entry.add_to_hass(hass)
                await hass.config_entries.async_setup(mqtt_entry.entry_id)
                await hass.async_block_till_done()
                client = hass.data[mqtt.DATA_MQTT].client
                deadline = time.monotonic() + 10
                while not client.connected:
                    if time.monotonic() > deadline:
                        raise RuntimeError("Home Assistant's MQTT did not connect")
                    await asyncio.sleep(0.02)
            entry = MockConfigEntry(
                domain="gridmate",
                unique_id="smartevse_51446",
                title="SmartEVSE 51446",
                data={
                    "kind": "charger",
                    "charger_type": "smartevse",
                    "host": f"127.0.0.1:{sim.port}",
                    "mqtt_prefix": sim.mqtt_prefix if broker else "",
                    "serial": "51446",
                },
                options={"scan_interval": 60},
            )
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            if not hasattr(entry, "runtime_data"):
                raise RuntimeError(f"Gridmate did not set up: {entry.state} {entry.reason}")
            await asyncio.sleep(1.0)  # MQTT subscriptions settle
            shown: dict[str, float] = {}

            @callback
            def state_changed(event: Event[EventStateChangedData]) -> None:
                new = event.data["new_state"]
                if new is not None:
                    shown.setdefault(new.state, time.perf_counter())

            unsub = async_track_state_change_event(hass, [ENTITY], state_changed)
            pause = random.Random(4)
            for n in range(commands):
                target = round(8.0 + (n % 40) * 0.2, 1)
                if abs(target - sim.override_current) < 0.05:
                    target = round(target + 0.1, 1)
                applied_at.pop(target, None)
                shown.clear()
                started = time.perf_counter()
                await hass.services.async_call(
                    "number", "set_value", {"entity_id": ENTITY, "value": target}, blocking=True
                )
                deadline = started + 5.0
                while str(target) not in shown:
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"{target} A never came back")
                    await asyncio.sleep(0.001)
                applied.append((applied_at[target] - started) * 1000)
                back.append((shown[str(target)] - started) * 1000)
                # A random pause: commands land at every phase of the firmware's 1 s tick.
                await asyncio.sleep(pause.uniform(0.05, 1.05) if publish_on_tick else 0.05)
            unsub()
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    finally:
        resolver.stop()
        await sim.stop()
        config_dir.cleanup()
    return {"applied": applied, "back": back}


def _line(name: str, figures: dict[str, list[float]]) -> str:
    applied, back = figures["applied"], figures["back"]
    return (
        f"{name:28} {statistics.median(applied):9.1f} {percentile(applied, 0.95):9.1f} "
        f"{statistics.median(back):9.1f} {percentile(back, 0.95):9.1f} {max(back):9.1f}"
    )


async def main() -> None:
    """Run every transport and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"SmartEVSE override-current round trip, {args.commands} commands each (ms)\n")
    print(
        f"{'transport':28} {'applied':>9} {'p95':>9} {'in HA':>9} {'p95':>9} {'max':>9}\n"
        f"{'':28} {'median':>9} {'':>9} {'median':>9}"
    )
    results: dict[str, Any] = {}
    results["REST"] = await _round_trips(args.commands, broker=None, publish_on_tick=False)
    print(_line("REST (POST + GET)", results["REST"]))
    with mosquitto() as port:
        results["MQTT"] = await _round_trips(args.commands, broker=port, publish_on_tick=False)
        print(_line("MQTT, publish at once", results["MQTT"]))
        ticks = max(20, args.commands // 4)
        results["tick"] = await _round_trips(ticks, broker=port, publish_on_tick=True)
        print(_line(f"MQTT, firmware 1 s tick ({ticks})", results["tick"]))


if __name__ == "__main__":
    asyncio.run(main())
