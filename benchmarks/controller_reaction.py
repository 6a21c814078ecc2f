"""Figures for the controller in Home Assistant: reaction time end to end, CPU per step.

    python -m benchmarks.controller_reaction [--trials 40] [--seed 1]

A Home Assistant (test instance, real event loop and timers) runs Gridmate with three entries:
a Smart Connect (the mains meter, polled over Modbus TCP every second: "a 1 s meter"), a
SmartEVSE (REST) and a controller steering it. Both simulators listen on 127.0.0.1 in this
process; a site loop ticks the SmartEVSE firmware every second and serves house + car - solar
at the meter.

Each trial changes the site at a random moment and measures the time from the new value
being served by the meter simulator to the new current arriving at the SmartEVSE simulator
(its REST handler storing the override current):

- overload: a 10 A load appears on L2 while the car charges at 16 A in fast mode (the cut is
  the same in smart mode: decreases are never delayed); the charger must drop to 10 A;
- surplus increase: in solar mode the export rises by 9 A (3 A per phase); the charger must
  rise by 3 A. Trials are spaced beyond the command gate's raise interval (1 s here), so the
  gate does not add to the figure; with the default 5 s a raise can wait up to 5 s more.

CPU per controller step is read from the runtime's own counters (process time): "decide" is
reading the inputs, the core step and the book-keeping; "whole step" adds handing out the
commands and writing the entities that changed. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
import random
import statistics
import sys
import time
from typing import Any
from unittest.mock import patch

from aiohttp.resolver import AsyncResolver

ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Site:
    """House, solar and the SmartEVSE's draw, served by the meter simulator."""

    def __init__(self, meter: Any, evse: Any) -> None:
        self.meter = meter
        self.evse = evse
        self.house = [5.0, 5.0, 5.0]
        self.solar = 0.0
        self.served_at = 0.0

    def publish(self) -> None:
        ev = self.evse.model.ev_currents_a
        values: dict[str, float] = {}
        for phase in range(3):
            current = self.house[phase] + ev[phase] - self.solar
            values[f"current_l{phase + 1}"] = current
            values[f"active_power_l{phase + 1}"] = current * 230.0
            values[f"voltage_l{phase + 1}"] = 230.0
        self.meter.set_values(values)
        self.served_at = time.monotonic()

    async def run(self) -> None:
        """The firmware's 1 s timer, and the meter following the car."""
        while True:
            await asyncio.sleep(1.0)
            self.evse.advance(1)
            self.publish()


class OverrideProbe:
    """Records when the SmartEVSE simulator stores a new override current."""

    def __init__(self, evse: Any) -> None:
        self.events: list[tuple[float, float]] = []
        model = evse.model
        original = model.set_override

        def set_override(deci_amps: int) -> None:
            self.events.append((time.monotonic(), deci_amps / 10))
            original(deci_amps)

        model.set_override = set_override

    async def wait_for(
        self, arrived: Callable[[float], bool], after: float, within: float = 15.0
    ) -> float | None:
        """Seconds from `after` until an override for which `arrived` holds, or None."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for at, value in self.events:
                if at >= after and arrived(value):
                    return at - after
            await asyncio.sleep(0.005)
        return None


async def _setup(hass: Any, meter: Any, evse: Any, *, mode: str) -> Any:
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    meter_entry = MockConfigEntry(
        domain="gridmate",
        unique_id=meter.serial,
        title=f"Smart Connect {meter.serial}",
        data={
            "kind": "smart_connect",
            "host": f"127.0.0.1:{meter.http_port}",
            "password": "demo-pass",
            "port": meter.modbus_port,
            "interface": "p1",
            "serial": meter.serial,
        },
        options={"scan_interval": 1},
    )
    charger_entry = MockConfigEntry(
        domain="gridmate",
        unique_id=f"smartevse_{evse.serial}",
        title=f"SmartEVSE {evse.serial}",
        data={
            "kind": "charger",
            "charger_type": "smartevse",
            "host": f"127.0.0.1:{evse.port}",
            "mqtt_prefix": "",
            "serial": str(evse.serial),
        },
        options={"scan_interval": 2},
    )
    for entry in (meter_entry, charger_entry):
        entry.add_to_hass(hass)
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"{entry.title} did not set up: {entry.reason}")
    controller = MockConfigEntry(
        domain="gridmate",
        unique_id="bench_controller",
        title="Bench",
        data={
            "kind": "controller",
            "name": "Bench",
            "mains": {"source": "entry", "entry_id": meter_entry.entry_id},
            "circuit": {},
            "battery": {},
            "chargers": [
                {
                    "charger_id": "evse",
                    "charger_source": "entry",
                    "name": "SmartEVSE",
                    "entry_id": charger_entry.entry_id,
                    "priority": 0,
                    "first_phase": 0,
                    "phases": 3,
                }
            ],
        },
        options={
            "phases": 3,
            "voltage": 230.0,
            "main_fuse": 25.0,
            "stale_timeout": 10.0,
            "safe_current": 0.0,
            "raise_interval": 1.0,
            "start_delay": 0.0,
            "min_switch_time": 0.0,
        },
    )
    controller.add_to_hass(hass)
    if not await hass.config_entries.async_setup(controller.entry_id):
        raise RuntimeError(f"controller did not set up: {controller.reason}")
    from custom_components.gridmate.control import ChargeMode

    runtime = controller.runtime_data
    runtime.controls.mode = ChargeMode(mode)
    runtime.controls_changed()
    await hass.async_block_till_done()
    return runtime


async def run_trials(kind: str, trials: int, rng: random.Random) -> dict[str, Any]:
    """One Home Assistant, one site, `trials` reactions of one kind."""
    from homeassistant.loader import DATA_CUSTOM_COMPONENTS
    from pytest_homeassistant_custom_component.common import async_test_home_assistant

    import custom_components.gridmate  # noqa: F401  (register the integration for the loader)
    from simulator.smart_connect import SmartConnectSimulator
    from simulator.smartevse import SmartEvseSimulator

    meter = SmartConnectSimulator("full")
    evse = SmartEvseSimulator(max_gets_per_s=None)
    await meter.start()
    await evse.start()
    evse.plug_in(max_current=32, phases=3)
    probe = OverrideProbe(evse)
    site = Site(meter, evse)
    if kind == "surplus":
        site.solar = 14.0  # 27 A exported: 9 A per phase
    site.publish()
    dns = AsyncResolver()
    dns.real_close = dns.close  # type: ignore[attr-defined]  # what HA's shutdown calls
    resolver = patch("homeassistant.helpers.aiohttp_client._async_make_resolver", return_value=dns)
    reactions: list[float] = []
    missed = 0
    resolver.start()
    try:
        async with async_test_home_assistant() as hass:
            hass.data.pop(DATA_CUSTOM_COMPONENTS, None)
            runtime = await _setup(
                hass, meter, evse, mode="fast" if kind == "overload" else "solar"
            )
            site_task = asyncio.create_task(site.run())

            # the new current arrived: below 11 A after the overload (10 A fit), at least
            # 11 A after the surplus rose (12 A fit), and back for the next trial
            def cut(amps: float) -> bool:
                return amps <= 10.05

            def full(amps: float) -> bool:
                return amps >= 15.95

            def raised(amps: float) -> bool:
                return amps >= 10.95

            def lowered(amps: float) -> bool:
                return amps <= 9.55

            settle = full if kind == "overload" else lowered
            if await probe.wait_for(settle, 0.0, within=20) is None:
                raise RuntimeError(f"the charger never settled: {probe.events}")
            await asyncio.sleep(2.0)
            steps0 = runtime.steps
            cpu0, total0 = runtime.step_cpu_s, runtime.step_total_cpu_s
            for _ in range(trials):
                await asyncio.sleep(rng.uniform(0.0, 1.0))  # a random moment in the second
                if kind == "overload":
                    site.house[1] = 15.0
                    site.publish()
                    reaction = await probe.wait_for(cut, site.served_at)
                    site.house[1] = 5.0  # back: the car returns to 16 A
                    await asyncio.sleep(0.05)
                    site.publish()
                    await probe.wait_for(full, site.served_at)
                else:
                    site.solar = 17.0  # 36 A exported: 12 A per phase
                    site.publish()
                    reaction = await probe.wait_for(raised, site.served_at)
                    site.solar = 14.0  # a cloud, back to 9 A per phase
                    await asyncio.sleep(0.05)
                    site.publish()
                    await probe.wait_for(lowered, site.served_at)
                if reaction is None:
                    missed += 1
                else:
                    reactions.append(reaction)
                await asyncio.sleep(rng.uniform(1.5, 2.5))  # beyond the raise interval
            steps = runtime.steps - steps0
            decide = (runtime.step_cpu_s - cpu0) / max(steps, 1)
            whole = (runtime.step_total_cpu_s - total0) / max(steps, 1)
            commands = runtime.links["evse"].gate.commands_sent
            site_task.cancel()
            await asyncio.gather(site_task, return_exceptions=True)
            for entry in hass.config_entries.async_entries("gridmate"):
                await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_stop(force=True)
    finally:
        resolver.stop()
        await evse.stop()
        await meter.stop()
    return {
        "kind": kind,
        "reactions": reactions,
        "missed": missed,
        "steps": steps,
        "decide_ms": decide * 1000,
        "whole_ms": whole * 1000,
        "commands": commands,
    }


def _report(fig: dict[str, Any]) -> None:
    reactions = fig["reactions"]
    label = {"overload": "overload (cut)", "surplus": "surplus increase"}[fig["kind"]]
    if not reactions:
        print(f"{label:18} no reaction measured ({fig['missed']} missed)")
        return
    print(
        f"{label:18} n={len(reactions):3}  median {statistics.median(reactions):.3f} s  "
        f"p95 {_pct(reactions, 0.95):.3f} s  max {max(reactions):.3f} s  "
        f"missed {fig['missed']}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("overload", "surplus"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        "Controller reaction on localhost: Smart Connect simulator (Modbus TCP, polled every "
        "1 s)\n-> Home Assistant + Gridmate controller -> SmartEVSE simulator (REST), "
        f"{args.trials} trials each\n"
    )
    kinds = ("overload", "surplus") if not args.only else (args.only,)
    figures = [await run_trials(kind, args.trials, rng) for kind in kinds]
    for fig in figures:
        _report(fig)
    print()
    for fig in figures:
        print(
            f"CPU per controller step ({fig['kind']} run, {fig['steps']} steps): "
            f"decide {fig['decide_ms']:.3f} ms, whole step {fig['whole_ms']:.3f} ms; "
            f"{fig['commands']} commands sent"
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(main())
