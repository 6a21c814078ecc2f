"""Run the Gridmate demo site: simulated devices plus a real Home Assistant.

`scripts/demo` starts the Smart Connect simulator (Modbus TCP + HTTP API) and a SmartEVSE
simulator (REST, a car plugged in) in this process and `hass -c config` as a child, with the
configuration seeded so a newcomer only has to log in: onboarding done, a `demo` / `demo`
login, a Gridmate Smart Connect entry, a SmartEVSE entry and a controller in solar mode
steering the SmartEVSE from the Smart Connect. A recorded sunny day (house load per phase and
solar production, `benchmarks/traces/`) is replayed from late morning: the meter serves
house + car - solar every second, so solar charging starts within a minute or two.

`scripts/demo --check` does the same headless in a throw-away configuration, with fixed meter
values and the controller in fast mode: it waits until the entities have values, prints them,
compares the meter's with what the simulator serves, checks that the controller is active and
that the SmartEVSE got the current the controller decided, and exits 0 only if all match.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any
import uuid

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.solar_day import read_trace  # noqa: E402
from custom_components.gridmate.devices.smart_connect.registers import (  # noqa: E402
    REGISTERS_BY_KEY,
    Quantity,
)
from custom_components.gridmate.smart_connect.sensor import ENABLED_BY_DEFAULT  # noqa: E402
from simulator.smart_connect import SmartConnectSimulator  # noqa: E402
from simulator.smartevse import SmartEvseSimulator  # noqa: E402

LOGIN = ("demo", "demo")
SERIAL = "0123456789AB"
SIM_PASSWORD = "demo-pass"
EVSE_SERIAL = 51446
CONTROLLER_ID = "gridmate_demo_controller"
CONTROLLER = "sensor.home"  # entity ids of the controller device "Home"
TRACES = ROOT / "benchmarks" / "traces"
VOLTAGE = 230.0
# Entities the check compares: the measurements enabled by default.
CHECKED_KEYS = tuple(
    key
    for key in sorted(ENABLED_BY_DEFAULT)
    if key in REGISTERS_BY_KEY and REGISTERS_BY_KEY[key].quantity is not Quantity.COUNT
)


def _entity_id(key: str) -> str:
    name = {"active_power": "power"}.get(key, key).replace("active_power_", "power_")
    return f"sensor.smart_connect_{SERIAL.lower()}_{name}"


def seed_config(
    config: Path,
    *,
    modbus_port: int,
    http_port: int,
    evse_port: int,
    mode: str | None = None,
) -> None:
    """Write what a newcomer would otherwise click through (idempotent)."""
    storage = config / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    link = config / "custom_components"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components", target_is_directory=True)

    onboarding = storage / "onboarding"
    if not onboarding.exists():
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["user", "core_config", "analytics", "integration"]},
                }
            )
        )

    # The login: Home Assistant's own auth script adds it to the homeassistant provider; the
    # user itself is created at the first login.
    provider = storage / "auth_provider.homeassistant"
    if not provider.exists() or '"demo"' not in provider.read_text():
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "hass"),
                "--script",
                "auth",
                "-c",
                str(config),
                "add",
                *LOGIN,
            ],
            check=True,
            capture_output=True,
        )

    # The Gridmate entries, pointing at the simulators. Home Assistant migrates the old minor
    # storage version on start and keeps whatever the user added since.
    entries_file = storage / "core.config_entries"
    stored: dict[str, Any] = (
        json.loads(entries_file.read_text())
        if entries_file.exists()
        else {
            "version": 1,
            "minor_version": 1,
            "key": "core.config_entries",
            "data": {"entries": []},
        }
    )
    entries: list[dict[str, Any]] = stored["data"]["entries"]
    meter_id = _upsert(
        entries,
        unique_id=SERIAL,
        title=f"Smart Connect {SERIAL}",
        data={
            "kind": "smart_connect",
            "host": f"127.0.0.1:{http_port}",
            "password": SIM_PASSWORD,
            "port": modbus_port,
            "interface": "p1",
            "serial": SERIAL,
        },
        options={"scan_interval": 1},
    )
    evse_id = _upsert(
        entries,
        unique_id=f"smartevse_{EVSE_SERIAL}",
        title=f"SmartEVSE {EVSE_SERIAL}",
        data={
            "kind": "charger",
            "charger_type": "smartevse",
            "host": f"127.0.0.1:{evse_port}",
            "mqtt_prefix": "",
            "serial": str(EVSE_SERIAL),
        },
        options={"scan_interval": 2},
    )
    _upsert(
        entries,
        unique_id=CONTROLLER_ID,
        title="Home",
        entry_id=CONTROLLER_ID,
        data={
            "kind": "controller",
            "name": "Home",
            "mains": {"source": "entry", "entry_id": meter_id},
            "circuit": {},
            "battery": {},
            "chargers": [
                {
                    "charger_id": "evse",
                    "charger_source": "entry",
                    "name": "SmartEVSE",
                    "entry_id": evse_id,
                    "priority": 0,
                    "first_phase": 0,
                    "phases": 3,
                }
            ],
        },
        options={
            "phases": 3,
            "voltage": VOLTAGE,
            "main_fuse": 25.0,
            "stale_timeout": 10.0,
            "safe_current": 0.0,
            "raise_interval": 5.0,
            "start_delay": 30.0,
            "min_switch_time": 60.0,
        },
        keep_options=True,
    )
    entries_file.write_text(json.dumps(stored, indent=2))
    # The controller's own controls (charge mode, ...): seeded once, then the user's.
    controls = storage / f"gridmate.controller.{CONTROLLER_ID}"
    if not controls.exists() or mode is not None:
        controls.write_text(
            json.dumps(
                {
                    "version": 1,
                    "minor_version": 1,
                    "key": f"gridmate.controller.{CONTROLLER_ID}",
                    "data": {"mode": mode or "solar"},
                }
            )
        )


def _upsert(
    entries: list[dict[str, Any]],
    *,
    unique_id: str,
    title: str,
    data: dict[str, Any],
    options: dict[str, Any],
    entry_id: str | None = None,
    keep_options: bool = False,
) -> str:
    """Add a Gridmate entry, or point the existing one at this run's simulators."""
    for entry in entries:
        if entry["domain"] == "gridmate" and entry.get("unique_id") == unique_id:
            entry["data"] = data
            if not keep_options:
                entry["options"] = options
            return str(entry["entry_id"])
    entries.append(
        {
            "entry_id": entry_id or uuid.uuid4().hex,
            "version": 1,
            "minor_version": 1,
            "domain": "gridmate",
            "title": title,
            "data": data,
            "options": options,
            "pref_disable_new_entities": False,
            "pref_disable_polling": False,
            "source": "user",
            "unique_id": unique_id,
            "disabled_by": None,
        }
    )
    return str(entries[-1]["entry_id"])


class ReplayedDay:
    """A recorded day at the meter: house + the SmartEVSE's car - solar, every second.

    The car is plugged in while the trace says so; its draw is whatever the SmartEVSE's
    firmware (simulated) gives it, i.e. what the controller decided.
    """

    def __init__(
        self, meter: SmartConnectSimulator, evse: SmartEvseSimulator, trace: Path, start_s: int
    ) -> None:
        self.meter = meter
        self.evse = evse
        self.rows = read_trace(trace)
        self.t = start_s

    def serve(self, house: tuple[float, float, float], solar_w: float) -> None:
        """Meter values for this house load and production (W) with the car's draw now."""
        ev = self.evse.model.ev_currents_a
        values: dict[str, float] = {}
        total = 0.0
        for phase in range(3):
            power = house[phase] + ev[phase] * VOLTAGE - solar_w / 3
            total += power
            values[f"active_power_l{phase + 1}"] = power
            values[f"current_l{phase + 1}"] = power / VOLTAGE
            values[f"voltage_l{phase + 1}"] = VOLTAGE
        values["active_power"] = total
        self.meter.set_values(values)

    def second(self) -> None:
        row = self.rows[self.t % len(self.rows)]
        self.t += 1
        plugged = self.evse.model.vehicle.plugged
        if row.ev_connected and not plugged:
            self.evse.plug_in(max_current=16, phases=3)
        elif not row.ev_connected and plugged:
            self.evse.unplug()
        self.evse.advance(1)
        self.serve(row.house, row.solar_w)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time()
        while True:
            next_tick += 1.0
            await asyncio.sleep(max(next_tick - loop.time(), 0.0))
            self.second()


async def _token(session: aiohttp.ClientSession, base: str) -> str:
    """Log in through Home Assistant's login flow, as the web UI does."""
    client_id = f"{base}/"
    async with session.post(
        f"{base}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    ) as resp:
        flow = await resp.json()
    async with session.post(
        f"{base}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": LOGIN[0], "password": LOGIN[1]},
    ) as resp:
        result = await resp.json()
    async with session.post(
        f"{base}/auth/token",
        data={"grant_type": "authorization_code", "code": result["result"], "client_id": client_id},
    ) as resp:
        return str((await resp.json())["access_token"])


async def _wait_http(session: aiohttp.ClientSession, base: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with session.get(f"{base}/manifest.json") as resp:
                if resp.status == 200:
                    return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Home Assistant did not answer at {base} within {within:.0f} s")


def _expected(sim: SmartConnectSimulator) -> dict[str, float]:
    served = sim.snapshot()
    out = {}
    for key in CHECKED_KEYS:
        value = served[key]
        if REGISTERS_BY_KEY[key].quantity is Quantity.ACTIVE_ENERGY:
            value /= 1000.0  # the simulated firmware (5.2.1) counts Wh; Home Assistant shows kWh
        out[key] = value
    return out


async def _states(session: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> Any:
    async with session.get(f"{base}/api/states", headers=headers) as resp:
        return {s["entity_id"]: s["state"] for s in await resp.json()}


async def check(
    sim: SmartConnectSimulator, evse: SmartEvseSimulator, base: str, within: float
) -> bool:
    """Wait for the entities, print them, compare with the simulators."""
    target = f"{CONTROLLER}_smartevse_target_current"
    async with aiohttp.ClientSession() as session:
        await _wait_http(session, base, within)
        headers = {"Authorization": f"Bearer {await _token(session, base)}"}
        deadline = time.monotonic() + within
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            states = await _states(session, base, headers)
            if all(
                states.get(_entity_id(k)) not in (None, "unknown", "unavailable")
                for k in CHECKED_KEYS
            ):
                break
            await asyncio.sleep(1)
        # the controller: active, and the SmartEVSE holds the current it decided
        while time.monotonic() < deadline:
            states = await _states(session, base, headers)
            shown = states.get(target, "unknown")
            if (
                states.get(f"{CONTROLLER}_status") == "active"
                and shown not in ("unknown", "unavailable")
                and abs(float(shown) - evse.override_current) < 0.05
                and evse.override_current > 0
            ):
                break
            await asyncio.sleep(1)
    expected = _expected(sim)
    ok = True
    print(f"{'entity':55} {'Home Assistant':>16} {'simulator':>16}")
    for key in CHECKED_KEYS:
        shown = states.get(_entity_id(key), "missing")
        try:
            match = abs(float(shown) - expected[key]) <= 1e-6 * max(1.0, abs(expected[key]))
        except ValueError:
            match = False
        ok &= match
        verdict = "ok" if match else "MISMATCH"
        print(f"{_entity_id(key):55} {shown:>16} {expected[key]:>16.7g} {verdict}")
    status = states.get(f"{CONTROLLER}_status", "missing")
    ok_status = status == "active"
    print(
        f"{CONTROLLER + '_status':55} {status:>16} {'active':>16} "
        f"{'ok' if ok_status else 'MISMATCH'}"
    )
    shown = states.get(target, "missing")
    try:
        ok_current = abs(float(shown) - evse.override_current) < 0.05 and evse.override_current > 0
    except ValueError:
        ok_current = False
    print(
        f"{target:55} {shown:>16} {evse.override_current:>16g} {'ok' if ok_current else 'MISMATCH'}"
    )
    return ok and ok_status and ok_current


async def _run_check_site(evse: SmartEvseSimulator) -> None:
    """The check's site: fixed meter values, the charger's firmware ticking."""
    while True:
        await asyncio.sleep(1.0)
        evse.advance(1)


async def main() -> int:
    """Run the demo (or the check) until done or interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="headless: verify and exit")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant HTTP port")
    parser.add_argument("--modbus-port", type=int, default=15020)
    parser.add_argument("--http-port", type=int, default=18080, help="simulator HTTP API port")
    parser.add_argument("--evse-port", type=int, default=18082, help="SmartEVSE REST port")
    parser.add_argument("--timeout", type=float, default=180, help="seconds --check may wait")
    parser.add_argument(
        "--day",
        default="clear_summer",
        choices=sorted(p.name.removesuffix(".csv.gz") for p in TRACES.glob("*.csv.gz")),
        help="recorded day to replay (benchmarks/traces)",
    )
    parser.add_argument("--start", default="11:00", help="time of day the replay starts at (HH:MM)")
    args = parser.parse_args()

    workdir: Path | None = None
    ok = False
    if args.check:
        # A throw-away configuration on other ports: the check never touches the user's demo.
        workdir = Path(tempfile.mkdtemp(prefix="gridmate-demo-check-"))
        config = workdir / "config"
        config.mkdir()
        shutil.copy(ROOT / "config" / "configuration.yaml", config / "configuration.yaml")
        args.port, args.modbus_port, args.http_port, args.evse_port = 18123, 15021, 18081, 18083
    else:
        config = ROOT / "config"

    # The replayed day moves the meter once a second; the check serves fixed values so it can
    # compare (the controller then charges at full current: fast mode, room on every phase).
    sim = SmartConnectSimulator("full", password=SIM_PASSWORD, serial=SERIAL)
    await sim.start(modbus_port=args.modbus_port, http_port=args.http_port)
    evse = SmartEvseSimulator(serial=EVSE_SERIAL)
    await evse.start(port=args.evse_port)
    hour, _, minute = args.start.partition(":")
    day = ReplayedDay(
        sim, evse, TRACES / f"{args.day}.csv.gz", int(hour) * 3600 + int(minute or 0) * 60
    )
    if args.check:
        evse.plug_in(max_current=16, phases=3)
        day.serve((5 * VOLTAGE, 5 * VOLTAGE, 5 * VOLTAGE), 0.0)
    seed_config(
        config,
        modbus_port=args.modbus_port,
        http_port=args.http_port,
        evse_port=args.evse_port,
        mode="fast" if args.check else None,
    )
    site = asyncio.create_task(_run_check_site(evse) if args.check else day.run())
    base = f"http://127.0.0.1:{args.port}"

    log = (workdir or config) / "hass-demo.log"
    with log.open("w") as out:
        hass = await asyncio.create_subprocess_exec(
            str(ROOT / ".venv" / "bin" / "hass"),
            "-c",
            str(config),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "GRIDMATE_DEMO_PORT": str(args.port)},
        )
    try:
        if args.check:
            ok = await check(sim, evse, base, args.timeout)
            print("demo check:", "values match the simulator" if ok else "MISMATCH", flush=True)
            if not ok:
                print(f"(Home Assistant log: {log})")
            return 0 if ok else 1
        print(
            f"\nSmart Connect simulator: Modbus TCP 127.0.0.1:{sim.modbus_port}, "
            f"HTTP API http://127.0.0.1:{sim.http_port} (password {SIM_PASSWORD})\n"
            f"SmartEVSE simulator: http://127.0.0.1:{evse.port} (serial {EVSE_SERIAL})\n"
            f"Replaying {args.day} from {args.start}: the controller 'Home' charges the car "
            f"on solar (select.home_charge_mode)\n"
            f"Home Assistant: {base}  (login {LOGIN[0]} / {LOGIN[1]}; starting, give it ~20 s)\n"
            f"Log: {log}\nCtrl-C stops everything.\n",
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set() and hass.returncode is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1)
        return 0 if hass.returncode in (None, 0) else 1
    finally:
        if hass.returncode is None:
            hass.terminate()
            try:
                await asyncio.wait_for(hass.wait(), 30)
            except TimeoutError:
                hass.kill()
        site.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await site
        await evse.stop()
        await sim.stop()
        if workdir is not None and ok:
            shutil.rmtree(workdir, ignore_errors=True)  # kept on failure, for its log


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
