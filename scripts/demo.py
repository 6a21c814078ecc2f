"""Run the Gridmate demo site: simulated devices plus a real Home Assistant.

`scripts/demo` starts the Smart Connect simulator (Modbus TCP + HTTP API) in this process and
`hass -c config` as a child, with the configuration seeded so a newcomer only has to log in:
onboarding done, a `demo` / `demo` login, and a Gridmate Smart Connect entry pointing at the
simulator. `scripts/demo --check` does the same headless in a throw-away configuration: it
waits until the entities have values, prints them, compares them with what the simulator
serves, shuts everything down and exits 0 only if they match.
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

from custom_components.gridmate.devices.smart_connect.registers import (  # noqa: E402
    REGISTERS_BY_KEY,
    Quantity,
)
from custom_components.gridmate.smart_connect.sensor import ENABLED_BY_DEFAULT  # noqa: E402
from simulator.smart_connect import SmartConnectSimulator  # noqa: E402

LOGIN = ("demo", "demo")
SERIAL = "0123456789AB"
SIM_PASSWORD = "demo-pass"
# Entities the check compares: the measurements enabled by default.
CHECKED_KEYS = tuple(
    key
    for key in sorted(ENABLED_BY_DEFAULT)
    if key in REGISTERS_BY_KEY and REGISTERS_BY_KEY[key].quantity is not Quantity.COUNT
)


def _entity_id(key: str) -> str:
    name = {"active_power": "power"}.get(key, key).replace("active_power_", "power_")
    return f"sensor.smart_connect_{SERIAL.lower()}_{name}"


def seed_config(config: Path, *, modbus_port: int, http_port: int) -> None:
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

    # The Gridmate entry, pointing at the simulator. Home Assistant migrates the old minor
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
    data = {
        "kind": "smart_connect",
        "host": f"127.0.0.1:{http_port}",
        "password": SIM_PASSWORD,
        "port": modbus_port,
        "interface": "p1",
        "serial": SERIAL,
    }
    for entry in entries:
        if entry["domain"] == "gridmate" and entry.get("unique_id") == SERIAL:
            entry["data"] = data
            break
    else:
        entries.append(
            {
                "entry_id": uuid.uuid4().hex,
                "version": 1,
                "minor_version": 1,
                "domain": "gridmate",
                "title": f"Smart Connect {SERIAL}",
                "data": data,
                "options": {"scan_interval": 2},
                "pref_disable_new_entities": False,
                "pref_disable_polling": False,
                "source": "user",
                "unique_id": SERIAL,
                "disabled_by": None,
            }
        )
    entries_file.write_text(json.dumps(stored, indent=2))


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


async def check(sim: SmartConnectSimulator, base: str, within: float) -> bool:
    """Wait for the entities, print them, compare with the simulator."""
    async with aiohttp.ClientSession() as session:
        await _wait_http(session, base, within)
        headers = {"Authorization": f"Bearer {await _token(session, base)}"}
        deadline = time.monotonic() + within
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            async with session.get(f"{base}/api/states", headers=headers) as resp:
                all_states = await resp.json()
            states = {s["entity_id"]: s["state"] for s in all_states}
            if all(
                states.get(_entity_id(k)) not in (None, "unknown", "unavailable")
                for k in CHECKED_KEYS
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
    return ok


async def main() -> int:
    """Run the demo (or the check) until done or interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="headless: verify and exit")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant HTTP port")
    parser.add_argument("--modbus-port", type=int, default=15020)
    parser.add_argument("--http-port", type=int, default=18080, help="simulator HTTP API port")
    parser.add_argument("--timeout", type=float, default=180, help="seconds --check may wait")
    args = parser.parse_args()

    workdir: Path | None = None
    ok = False
    if args.check:
        # A throw-away configuration on other ports: the check never touches the user's demo.
        workdir = Path(tempfile.mkdtemp(prefix="gridmate-demo-check-"))
        config = workdir / "config"
        config.mkdir()
        shutil.copy(ROOT / "config" / "configuration.yaml", config / "configuration.yaml")
        args.port, args.modbus_port, args.http_port = 18123, 15021, 18081
    else:
        config = ROOT / "config"

    # Live values move once a second; the check serves a fixed snapshot so it can compare.
    sim = SmartConnectSimulator("full", password=SIM_PASSWORD, serial=SERIAL, live=not args.check)
    await sim.start(modbus_port=args.modbus_port, http_port=args.http_port)
    seed_config(config, modbus_port=args.modbus_port, http_port=args.http_port)
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
            ok = await check(sim, base, args.timeout)
            print("demo check:", "values match the simulator" if ok else "MISMATCH", flush=True)
            if not ok:
                print(f"(Home Assistant log: {log})")
            return 0 if ok else 1
        print(
            f"\nSmart Connect simulator: Modbus TCP 127.0.0.1:{sim.modbus_port}, "
            f"HTTP API http://127.0.0.1:{sim.http_port} (password {SIM_PASSWORD})\n"
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
        await sim.stop()
        if workdir is not None and ok:
            shutil.rmtree(workdir, ignore_errors=True)  # kept on failure, for its log


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
