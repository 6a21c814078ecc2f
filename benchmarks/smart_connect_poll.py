"""Figures for the Smart Connect over Modbus TCP: cost of one poll, seen from both sides.

    python -m benchmarks.smart_connect_poll [--polls 200]

Runs the simulator in a separate process (so its CPU is not counted) and reports:
- Modbus transactions per full poll (target 3) and for the short map of older firmware;
- how long each poll holds the device's only TCP connection (target < 50 ms on localhost);
- CPU time per poll of the driver alone, and per Home Assistant coordinator update
  (driver + decoding + entity state writes) with the default and with all entities enabled.
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path
import statistics
import subprocess
import sys
import time
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import AsyncResolver

from benchmarks.common import percentile

ROOT = Path(__file__).resolve().parent.parent


async def _start_simulator(
    variant: str, modbus_port: int, http_port: int
) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, returns at once
        [
            sys.executable,
            "-m",
            "simulator.smart_connect",
            "--variant",
            variant,
            "--modbus-port",
            str(modbus_port),
            "--http-port",
            str(http_port),
            "--static",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", http_port)
            writer.close()
            await asyncio.sleep(0.2)  # let the Modbus listener come up too
            return proc
        await asyncio.sleep(0.1)
    proc.kill()
    raise RuntimeError("simulator did not start")


async def driver_figures(
    variant: str, polls: int, modbus_port: int, http_port: int
) -> dict[str, Any]:
    """Poll with the driver alone: transactions, socket hold time, CPU per poll."""
    from custom_components.gridmate.devices.smart_connect.modbus import SmartConnectModbus

    proc = await _start_simulator(variant, modbus_port, http_port)
    try:
        modbus = SmartConnectModbus("127.0.0.1", modbus_port)
        plan = await modbus.probe()
        held: list[float] = []
        transactions: list[int] = []
        cpu = 0.0
        for _ in range(polls):
            await asyncio.sleep(0.06)  # our own close must reach the device between polls
            started = time.process_time()
            reading = await modbus.read(plan, energy_wh=True)
            cpu += time.process_time() - started
            held.append(reading.stats.held_seconds)
            transactions.append(reading.stats.transactions)
        await modbus.close()
    finally:
        proc.terminate()
        proc.wait()
    return {
        "variant": variant,
        "registers": len(plan.registers),
        "transactions": statistics.mode(transactions),
        "held_median_ms": statistics.median(held) * 1000,
        "held_p95_ms": percentile(held, 0.95) * 1000,
        "held_max_ms": max(held) * 1000,
        "cpu_per_poll_ms": cpu / polls * 1000,
    }


async def coordinator_figures(
    polls: int, modbus_port: int, http_port: int, *, all_entities: bool
) -> dict[str, Any]:
    """CPU per coordinator update inside a real (test) Home Assistant."""
    from homeassistant.helpers import entity_registry as er
    from homeassistant.loader import DATA_CUSTOM_COMPONENTS
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.gridmate  # noqa: F401  (register the integration for the loader)

    proc = await _start_simulator("full", modbus_port, http_port)
    # Home Assistant's session resolves through zeroconf, which a bare test instance lacks.
    dns = AsyncResolver()
    dns.real_close = dns.close  # type: ignore[attr-defined]  # what HA's shutdown calls
    resolver = patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=dns)
    try:
        resolver.start()
        async with async_test_home_assistant() as hass:
            hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
            entry = MockConfigEntry(
                domain="gridmate",
                unique_id="0123456789AB",
                title="Smart Connect 0123456789AB",
                data={
                    "kind": "smart_connect",
                    "host": f"127.0.0.1:{http_port}",
                    "password": "demo-pass",
                    "port": modbus_port,
                    "interface": "p1",
                    "serial": "0123456789AB",
                },
                options={"scan_interval": 60},
            )
            entry.add_to_hass(hass)
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            if all_entities:
                registry = er.async_get(hass)
                for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
                    registry.async_update_entity(ent.entity_id, disabled_by=None)
                await hass.config_entries.async_reload(entry.entry_id)
                await hass.async_block_till_done()
            if not hasattr(entry, "runtime_data"):
                raise RuntimeError(f"Gridmate did not set up: {entry.state} {entry.reason}")
            coordinator = entry.runtime_data.meter
            enabled = len(hass.states.async_entity_ids("sensor"))
            cpu = 0.0
            for _ in range(polls):
                await asyncio.sleep(0.06)
                started = time.process_time()
                await coordinator.async_refresh()
                await hass.async_block_till_done()
                cpu += time.process_time() - started
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    finally:
        resolver.stop()
        proc.terminate()
        proc.wait()
    return {"entities": enabled, "cpu_per_update_ms": cpu / polls * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=200)
    args = parser.parse_args()
    print(f"Smart Connect over Modbus TCP, localhost, {args.polls} polls each\n")
    print(
        f"{'firmware map':14} {'values':>6} {'transactions':>12} {'held median':>12} "
        f"{'held p95':>9} {'held max':>9} {'driver CPU/poll':>16}"
    )
    for n, variant in enumerate(("full", "short")):
        fig = await driver_figures(variant, args.polls, 25020 + n, 28080 + n)
        print(
            f"{variant:14} {fig['registers']:>6} {fig['transactions']:>12} "
            f"{fig['held_median_ms']:>9.2f} ms {fig['held_p95_ms']:>6.2f} ms "
            f"{fig['held_max_ms']:>6.2f} ms {fig['cpu_per_poll_ms']:>13.3f} ms"
        )
    print()
    for n, all_entities in enumerate((False, True)):
        fig = await coordinator_figures(args.polls, 25030 + n, 28090 + n, all_entities=all_entities)
        label = "all entities" if all_entities else "default entities"
        print(
            f"Home Assistant coordinator update ({label}, {fig['entities']} sensors): "
            f"{fig['cpu_per_update_ms']:.3f} ms CPU"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(main())
