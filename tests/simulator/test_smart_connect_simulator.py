"""The Smart Connect simulator, checked from the outside with raw clients (not Gridmate's driver).

Raw pymodbus ``AsyncModbusTcpClient`` and aiohttp requests on 127.0.0.1; expected register words
are computed by hand from IEEE-754 so the word order is pinned independently of any encoder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import math
import os
from pathlib import Path
import signal
import sys

import aiohttp
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ExceptionResponse, ModbusPDU
import pytest

from custom_components.gridmate.devices.smart_connect.registers import (
    BLOCKS,
    REGISTERS,
    REGISTERS_BY_KEY,
    Quantity,
)
from simulator.smart_connect import (
    CsvReplay,
    SmartConnectSimulator,
    Variant,
    decode_float32,
    encode_float32,
    float32,
)

PASSWORD = "label-pass"
SERIAL = "A1B2C3D4E5F6"
AUTH = {"Authorization": aiohttp.encode_basic_auth("user", PASSWORD)}
REPO_ROOT = Path(__file__).resolve().parents[2]

type SimFactory = Callable[..., Awaitable[SmartConnectSimulator]]


@pytest.fixture
async def make_sim(socket_enabled: None) -> AsyncIterator[SimFactory]:
    """Start simulators on 127.0.0.1 (free ports) and stop them after the test."""
    started: list[SmartConnectSimulator] = []

    async def factory(variant: str = "full", **kwargs: object) -> SmartConnectSimulator:
        kwargs.setdefault("password", PASSWORD)
        kwargs.setdefault("serial", SERIAL)
        sim = SmartConnectSimulator(variant, **kwargs)  # type: ignore[arg-type]
        started.append(sim)
        await sim.start("127.0.0.1")
        return sim

    yield factory
    for sim in started:
        await sim.stop()


@contextlib.asynccontextmanager
async def modbus(sim: SmartConnectSimulator) -> AsyncIterator[AsyncModbusTcpClient]:
    """A raw pymodbus client, no automatic reconnect."""
    client = AsyncModbusTcpClient(
        "127.0.0.1", port=sim.modbus_port, reconnect_delay=0, timeout=1, retries=0
    )
    assert await client.connect()
    try:
        yield client
    finally:
        client.close()


async def read(
    client: AsyncModbusTcpClient, address: int, count: int, fc: int = 3, unit: int = 1
) -> ModbusPDU:
    """One read transaction with function code 3 or 4."""
    if fc == 3:
        return await client.read_holding_registers(address, count=count, device_id=unit)
    return await client.read_input_registers(address, count=count, device_id=unit)


def decode_block(start: int, words: list[int]) -> dict[str, float]:
    """Decode the registers of a block read by key (independent of the simulator's image)."""
    out = {}
    for reg in REGISTERS:
        offset = reg.address - start
        if 0 <= offset < len(words) - 1:
            out[reg.key] = decode_float32(words[offset], words[offset + 1])
    return out


def http_url(sim: SmartConnectSimulator, path: str) -> str:
    """Absolute URL of an API path."""
    return f"http://127.0.0.1:{sim.http_port}{path}"


async def wait_until(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Poll ``condition`` until true."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (the simulator's state has no events)
            await asyncio.sleep(0.005)


# -- encoding (no sockets) ---------------------------------------------------------------------


def test_encoder_hand_computed_words() -> None:
    """230.0 = 0x43660000 goes out low word first: [0x0000, 0x4366]."""
    assert encode_float32(230.0) == (0x0000, 0x4366)
    assert encode_float32(-1500.0) == (0x8000, 0xC4BB)  # 0xC4BB8000
    assert encode_float32(1234.5) == (0x5000, 0x449A)  # 0x449A5000
    assert encode_float32(0.5) == (0x0000, 0x3F00)
    assert decode_float32(0x0000, 0x4366) == 230.0
    assert math.isnan(decode_float32(*encode_float32(math.nan)))
    assert decode_float32(*encode_float32(1e40)) == math.inf  # beyond float32: inf


# -- Modbus ------------------------------------------------------------------------------------


async def test_word_order_on_the_wire(make_sim: SimFactory) -> None:
    """Known values arrive as hand-computed raw words, low word first."""
    sim = await make_sim()
    sim.set_values({"voltage_l1": 230.0, "active_power_l1": -1500.0, "energy_import": 1234.5})
    async with modbus(sim) as client:
        assert (await read(client, 0x8006, 2)).registers == [0x0000, 0x4366]
        assert (await read(client, 0x801E, 2)).registers == [0x8000, 0xC4BB]
        assert (await read(client, 0x8100, 2)).registers == [0x5000, 0x449A]


async def test_full_map_reads_in_three_transactions(make_sim: SimFactory) -> None:
    """Each block reads in one transaction, gaps are 0, and the values equal the snapshot."""
    sim = await make_sim()
    decoded: dict[str, float] = {}
    async with modbus(sim) as client:
        for block in BLOCKS:
            response = await read(client, block.start, block.count)
            assert not response.isError(), block
            assert len(response.registers) == block.count
            decoded |= decode_block(block.start, response.registers)
            if block.name == "instant":
                gaps = (0x800C, 0x800D, 0x8014, 0x8015)
                assert [response.registers[a - block.start] for a in gaps] == [0, 0, 0, 0]
            if block.name == "energy":
                assert response.registers[2:6] == [0, 0, 0, 0]  # 0x8102-0x8105
    snapshot = sim.snapshot()
    assert len(snapshot) == len(REGISTERS) == 49
    assert decoded == snapshot
    await sim.wait_modbus_idle()
    assert sim.transactions == 3
    assert sim.connections_accepted == 1
    assert len(sim.connection_hold_times) == 1


async def test_fc3_equals_fc4_and_any_unit_id(make_sim: SimFactory) -> None:
    """Holding and input registers are the same data; every unit id is answered."""
    sim = await make_sim()
    async with modbus(sim) as client:
        holding = await read(client, 0x8006, 0x2A, fc=3, unit=1)
        for unit in (0, 1, 7, 247):
            response = await read(client, 0x8006, 0x2A, fc=4, unit=unit)
            assert response.registers == holding.registers


@pytest.mark.parametrize(
    ("address", "count"),
    [(0x8000, 6), (0x8004, 4), (0x8030, 1), (0x802E, 4), (0x8108, 2), (0x8C38, 2), (0, 2)],
)
async def test_outside_the_map_is_exception_2(
    make_sim: SimFactory, address: int, count: int
) -> None:
    """Any address outside the three blocks answers illegal data address."""
    sim = await make_sim()
    async with modbus(sim) as client:
        response = await read(client, address, count)
        assert isinstance(response, ExceptionResponse)
        assert response.exception_code == 2


async def test_writes_are_refused(make_sim: SimFactory) -> None:
    """The device is read-only: FC 6/16 answer illegal function."""
    sim = await make_sim()
    async with modbus(sim) as client:
        response = await client.write_register(0x8006, 1)
        assert isinstance(response, ExceptionResponse)
        assert response.exception_code == 1


async def test_short_variant_serves_only_the_short_map(make_sim: SimFactory) -> None:
    """Older firmware: voltage, current and active power only; the rest (gaps too) is exc 2."""
    sim = await make_sim("short")
    short_keys = {reg.key for reg in REGISTERS if reg.in_short_map}
    assert set(sim.snapshot()) == short_keys
    assert len(short_keys) == 10
    async with modbus(sim) as client:
        ok = await read(client, 0x8006, 6)
        assert decode_block(0x8006, ok.registers) == {
            k: v for k, v in sim.snapshot().items() if k.startswith("voltage")
        }
        assert not (await read(client, 0x800E, 6, fc=4)).isError()
        assert not (await read(client, 0x801E, 6)).isError()
        assert not (await read(client, 0x8016, 2)).isError()
        for address, count in [
            (0x8006, 0x2A),  # the whole instant block crosses unsupported registers
            (0x800C, 2),  # gap
            (0x8018, 2),  # total reactive power
            (0x8024, 2),
            (0x8100, 8),
            (0x8C00, 0x38),
        ]:
            response = await read(client, address, count)
            assert isinstance(response, ExceptionResponse), hex(address)
            assert response.exception_code == 2


async def test_one_client_at_a_time(make_sim: SimFactory) -> None:
    """A second connection is closed while the first is open; counters record it."""
    sim = await make_sim()
    async with modbus(sim) as first:
        assert not (await read(first, 0x8006, 2)).isError()
        second = AsyncModbusTcpClient(
            "127.0.0.1", port=sim.modbus_port, reconnect_delay=0, timeout=1, retries=0
        )
        try:
            await second.connect()  # the kernel accepts; the device closes at once
            await wait_until(lambda: sim.connections_refused == 1)
            await wait_until(lambda: not second.connected)
            with pytest.raises(ModbusException):
                await read(second, 0x8006, 2)
        finally:
            second.close()
        assert not (await read(first, 0x8006, 2)).isError()  # the first is unaffected
    await sim.wait_modbus_idle()
    async with modbus(sim) as third:
        assert not (await read(third, 0x8006, 2)).isError()
    await sim.wait_modbus_idle()
    assert sim.connections_accepted == 2
    assert sim.connections_refused == 1
    assert sim.transactions == 3
    assert len(sim.connection_hold_times) == 2
    assert all(0 < held < 5 for held in sim.connection_hold_times)


async def test_hold_modbus_connection_like_a_charger(make_sim: SimFactory) -> None:
    """While another client (an EV charger) holds the socket, we are refused."""
    sim = await make_sim()
    async with sim.hold_modbus_connection(poll_interval=0.02):
        assert sim.modbus_client_connected
        await wait_until(lambda: sim.transactions >= 2)  # the charger polls
        client = AsyncModbusTcpClient(
            "127.0.0.1", port=sim.modbus_port, reconnect_delay=0, timeout=1, retries=0
        )
        await client.connect()
        await wait_until(lambda: sim.connections_refused == 1)
        client.close()
        with pytest.raises(ConnectionRefusedError):
            async with sim.hold_modbus_connection():
                pass
    assert sim.gate.active is None  # the charger let go
    async with modbus(sim) as client:
        assert not (await read(client, 0x8006, 2)).isError()


async def test_modbus_offline_and_back_on_the_same_port(make_sim: SimFactory) -> None:
    """stop_modbus closes the listener and the client; start_modbus reopens the same port."""
    sim = await make_sim()
    port = sim.modbus_port
    async with modbus(sim) as client:
        assert not (await read(client, 0x8006, 2)).isError()
        await sim.stop_modbus()
        await wait_until(lambda: not client.connected)
    assert not sim.modbus_serving
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)
    assert await sim.start_modbus() == port
    async with modbus(sim) as client:
        assert not (await read(client, 0x8006, 2)).isError()


async def test_overrides_nan_inf_absurd_and_raw(make_sim: SimFactory) -> None:
    """set_values and set_raw serve exactly what the test asks for, until cleared."""
    sim = await make_sim()
    sim.set_values({"voltage_l1": math.nan, "voltage_l2": math.inf, "current_l1": 1e30})
    sim.set_raw(0x8016, [0x0000, 0x7FC0])  # a NaN written as raw words
    async with modbus(sim) as client:
        words = (await read(client, 0x8006, 0x2A)).registers
    values = decode_block(0x8006, words)
    assert math.isnan(values["voltage_l1"])
    assert values["voltage_l2"] == math.inf
    assert values["current_l1"] == float32(1e30)
    assert words[0x8016 - 0x8006 : 0x8018 - 0x8006] == [0x0000, 0x7FC0]
    assert math.isnan(sim.snapshot()["active_power"])
    sim.step(5)  # overrides survive updates
    assert math.isnan(sim.snapshot()["voltage_l1"])
    sim.clear_overrides()
    assert 200 < sim.snapshot()["voltage_l1"] < 260
    with pytest.raises(ValueError, match="not served"):
        sim.set_raw(0x8030, [1, 2])
    with pytest.raises(KeyError):
        sim.set_values({"voltage_l4": 1.0})


# -- variants ----------------------------------------------------------------------------------


async def test_dsmr42_zero_voltage_and_ten_second_updates(make_sim: SimFactory) -> None:
    """DSMR 4.2: voltages are 0 on the wire; registers change only every 10 s."""
    sim = await make_sim("dsmr42")
    async with modbus(sim) as client:
        words = (await read(client, 0x8006, 6)).registers
    assert words == [0] * 6
    before = sim.snapshot()
    sim.step(9)
    assert sim.snapshot() == before
    sim.step(1)
    after = sim.snapshot()
    assert after != before
    assert after["voltage_l1"] == after["voltage_l2"] == after["voltage_l3"] == 0.0
    assert (
        after["energy_import"] + after["energy_export"]
        > before["energy_import"] + before["energy_export"]
    )


async def test_tic_per_phase_power_never_negative(make_sim: SimFactory) -> None:
    """TIC: per-phase active power is 0 on export, the total stays negative."""
    sim = await make_sim("tic")
    sim.pin_power(-1500.0, 300.0, 200.0)
    async with modbus(sim) as client:
        values = decode_block(0x8006, (await read(client, 0x8006, 0x2A)).registers)
        extended = decode_block(0x8C00, (await read(client, 0x8C00, 0x38)).registers)
    assert values["active_power_l1"] == 0.0
    assert values["active_power_l2"] == 300.0
    assert values["active_power_l3"] == 200.0
    assert values["active_power"] == -1000.0
    assert values["current_l1"] > 0  # TIC currents carry no sign
    assert extended["active_power_delivery_l1"] == 0.0
    assert extended["active_power_delivery"] == 1000.0
    full = SmartConnectSimulator("full")
    full.pin_power(-1500.0, 300.0, 200.0)
    assert full.snapshot()["active_power_l1"] == -1500.0
    assert full.snapshot()["current_l1"] < 0


async def test_kwh_variant_units_and_firmware(make_sim: SimFactory) -> None:
    """Firmware 5.0.x serves active energy in kWh; reactive energy is unchanged."""
    sim = await make_sim("kwh")
    reference = SmartConnectSimulator("full")
    sim.step(30)
    reference.step(30)
    kwh, wh = sim.snapshot(), reference.snapshot()
    model = reference.model.values()  # unrounded Wh
    assert kwh["energy_import"] == float32(model["energy_import"] / 1000)
    assert kwh["energy_export"] == float32(model["energy_export"] / 1000)
    assert math.isclose(kwh["energy_import"] * 1000, wh["energy_import"], rel_tol=1e-6)
    assert kwh["reactive_energy_q1"] == wh["reactive_energy_q1"]
    assert kwh["active_power"] == wh["active_power"]
    async with (
        aiohttp.ClientSession(headers=AUTH) as session,
        session.get(http_url(sim, "/api/v1/firmware")) as resp,
    ):
        assert (await resp.json())["Version"] == "5.0.3"


# -- the site model ------------------------------------------------------------------------------


def test_values_move_deterministically_and_stay_consistent() -> None:
    """Same seed, same values; live values move; physics holds; energies only grow."""
    a, b = SmartConnectSimulator(seed=7), SmartConnectSimulator(seed=7)
    start = a.snapshot()
    previous = start
    seen_export = seen_import = False
    for _ in range(60):
        a.step(10)
        b.step(10)
        now = a.snapshot()
        assert now == b.snapshot()
        assert now["energy_import"] >= previous["energy_import"]
        assert now["energy_export"] >= previous["energy_export"]
        check_consistent(now)
        seen_export |= now["active_power"] < 0
        seen_import |= now["active_power"] > 0
        previous = now
    assert previous != start
    assert previous["energy_import"] > start["energy_import"]
    assert previous["energy_export"] > start["energy_export"]
    assert seen_export
    assert seen_import
    assert SmartConnectSimulator(seed=8).snapshot() == start  # t=0 is the same site...
    other = SmartConnectSimulator(seed=8)
    other.step(600)
    assert other.snapshot() != previous  # ...but the walk differs per seed


def check_consistent(v: dict[str, float]) -> None:
    """The relations a real meter's values keep (float32 tolerance)."""

    def close(x: float, y: float) -> bool:
        return math.isclose(x, y, rel_tol=1e-5, abs_tol=1e-2)

    for n in (1, 2, 3):
        p, q, s = v[f"active_power_l{n}"], v[f"reactive_power_l{n}"], v[f"apparent_power_l{n}"]
        assert 215 < v[f"voltage_l{n}"] < 245
        assert s >= abs(p) - 1e-2
        assert close(s, math.hypot(p, q))
        assert close(abs(v[f"current_l{n}"]) * v[f"voltage_l{n}"], s)
        assert (v[f"current_l{n}"] < 0) == (p < 0)
        assert close(v[f"active_power_demand_l{n}"], max(p, 0))
        assert close(v[f"active_power_delivery_l{n}"], max(-p, 0))
        assert close(v[f"reactive_power_demand_l{n}"], max(q, 0))
        assert close(v[f"reactive_power_delivery_l{n}"], max(-q, 0))
    total = sum(v[f"active_power_l{n}"] for n in (1, 2, 3))
    assert close(v["active_power"], total)
    assert close(v["reactive_power"], sum(v[f"reactive_power_l{n}"] for n in (1, 2, 3)))
    assert close(v["apparent_power"], sum(v[f"apparent_power_l{n}"] for n in (1, 2, 3)))
    assert -1 <= v["power_factor"] <= 1
    assert close(v["power_factor"], v["active_power"] / v["apparent_power"])
    assert close(v["active_power_demand"], max(total, 0))
    assert close(v["active_power_delivery"], max(-total, 0))
    for reg in REGISTERS:
        if reg.quantity in (Quantity.ACTIVE_ENERGY, Quantity.REACTIVE_ENERGY, Quantity.COUNT):
            assert v[reg.key] >= 0


def test_csv_replay_drives_the_model(tmp_path: Path) -> None:
    """CSV columns named by register key drive the site; other keys override served values."""
    csv_file = tmp_path / "trace.csv"
    csv_file.write_text(
        "t,active_power_l1,active_power_l2,active_power_l3,voltage_l1,voltage_dips_l1\n"
        "0,1000,500,250,231,4\n"
        "5,-2000,-1000,0,235,5\n",
        encoding="utf-8",
    )
    sim = SmartConnectSimulator(replay=csv_file)
    first = sim.snapshot()
    assert first["active_power"] == 1750.0
    assert first["voltage_l1"] == 231.0
    assert first["voltage_dips_l1"] == 4.0
    sim.step(4)
    assert sim.snapshot()["active_power"] == 1750.0
    sim.step(1)
    second = sim.snapshot()
    assert second["active_power"] == -3000.0
    assert second["active_power_delivery_l1"] == 2000.0
    assert second["voltage_dips_l1"] == 5.0
    assert second["energy_import"] > first["energy_import"]  # 5 s at 1750 W were integrated
    sim.step(5)  # past the end: loops
    assert sim.snapshot()["active_power"] == 1750.0
    check_consistent(sim.snapshot())
    with pytest.raises(ValueError, match="unknown CSV columns"):
        CsvReplay.from_text("t,power\n0,1\n")
    no_t = CsvReplay.from_text("active_power\n300\n-300\n")
    assert no_t.at(0) == {"active_power": 300.0}
    assert no_t.at(1) == {"active_power": -300.0}


async def test_live_values_move(make_sim: SimFactory) -> None:
    """With live=True the registers change once per second by themselves."""
    sim = await make_sim(live=True)
    before = sim.snapshot()
    await wait_until(lambda: sim.snapshot() != before, within=2.5)
    assert sim.model.t >= 1


# -- HTTP API ----------------------------------------------------------------------------------


async def test_http_basic_auth(make_sim: SimFactory) -> None:
    """Missing or wrong credentials give 401 with a Basic challenge; the right ones 200."""
    sim = await make_sim()
    async with aiohttp.ClientSession() as session:
        for headers in (
            {},
            {"Authorization": aiohttp.encode_basic_auth("user", "wrong")},
            {"Authorization": aiohttp.encode_basic_auth("admin", PASSWORD)},
        ):
            async with session.get(http_url(sim, "/api/v1/status"), headers=headers) as resp:
                assert resp.status == 401
                assert resp.headers["WWW-Authenticate"].startswith("Basic")
        async with session.get(
            http_url(sim, "/api/v1/status"), headers={"Authorization": "Basic !!!"}
        ) as resp:
            assert resp.status == 401
        async with session.get(http_url(sim, "/api/v1/status"), headers=AUTH) as resp:
            assert resp.status == 200
            status = await resp.json()
        async with session.get(http_url(sim, "/api/v1/config"), headers=AUTH) as resp:
            assert resp.status == 200
            config = await resp.json()
    assert status["MeterType"] == "PhoenixContact-EMPro"
    assert set(config) >= {"MeterType", "DefaultNetIf", "Ethernet", "WiFi", "MQTT"}
    assert set(config["Ethernet"]["StaticIPv4"]) == {"IpAddress", "Netmask", "Gateway", "DNS"}
    assert set(config["WiFi"]["ConnectionData"]) == {"WiFiSSID", "WiFiPassword"}
    assert set(config["MQTT"]) == {"Broker", "Site", "Username", "Password"}
    assert sim.http.unauthorized == 4


async def test_http_one_session_at_a_time(make_sim: SimFactory) -> None:
    """A request while another is served (or the web UI is open) gets 503 + Retry-After."""
    sim = await make_sim(http_delay=0.3)
    async with aiohttp.ClientSession(headers=AUTH) as session:

        async def get() -> tuple[int, str | None]:
            async with session.get(http_url(sim, "/api/v1/status")) as resp:
                return resp.status, resp.headers.get("Retry-After")

        slow = asyncio.create_task(get())
        await wait_until(lambda: sim.http.busy)
        assert await get() == (503, "1")
        assert await slow == (200, None)

        sim.http.request_delay = 0.0
        await sim.hold_http_session(0.3)
        assert await get() == (503, "1")
        await wait_until(lambda: not sim.http.busy, within=2)
        assert await get() == (200, None)
    assert sim.http.busy_rejections == 2


async def test_http_patch_merges_config(make_sim: SimFactory) -> None:
    """PATCH changes only the fields given; malformed JSON is 400."""
    sim = await make_sim()
    async with aiohttp.ClientSession(headers=AUTH) as session:
        url = http_url(sim, "/api/v1/config")
        patch = {"MQTT": {"Site": "site-new"}, "WiFi": {"ConnectionData": {"WiFiSSID": "Lab"}}}
        async with session.patch(url, json=patch) as resp:
            assert resp.status == 200
        async with session.get(url) as resp:
            config = await resp.json()
        assert config["MQTT"]["Site"] == "site-new"
        assert config["MQTT"]["Broker"] == "mqtts://broker.xemex-cloud.eu:8883"
        assert config["WiFi"]["ConnectionData"] == {
            "WiFiSSID": "Lab",
            "WiFiPassword": "wifi-secret",
        }
        assert config["Ethernet"]["StaticIPv4"]["IpAddress"] == "192.168.10.101"
        for body in ("{not json", "[1, 2]"):
            async with session.patch(
                url, data=body, headers={"Content-Type": "application/json"}
            ) as resp:
                assert resp.status == 400
        async with session.get(url) as resp:
            assert await resp.json() == config


async def test_http_firmware_reset_telegram(make_sim: SimFactory) -> None:
    """Firmware GET/POST with its state change, reset, and the telegram endpoint."""
    sim = await make_sim(available_firmware="5.3.0")
    sim.http.firmware_update_seconds = 0.2
    async with aiohttp.ClientSession(headers=AUTH) as session:
        async with session.get(http_url(sim, "/api/v1/firmware")) as resp:
            assert await resp.json() == {
                "Version": "5.2.1",
                "Serial": SERIAL,
                "Status": "Idle",
                "AvailableVersion": "5.3.0",
            }
        async with session.post(http_url(sim, "/api/v1/firmware")) as resp:
            assert resp.status == 202
            assert (await resp.json())["Status"] == "Updating"
        async with session.get(http_url(sim, "/api/v1/firmware")) as resp:
            assert (await resp.json())["Status"] == "Updating"
        async with session.post(http_url(sim, "/api/v1/firmware")) as resp:
            assert resp.status == 409  # one update at a time
        await asyncio.sleep(0.3)
        async with session.get(http_url(sim, "/api/v1/firmware")) as resp:
            assert await resp.json() == {"Version": "5.3.0", "Serial": SERIAL, "Status": "Idle"}
        async with session.post(http_url(sim, "/api/v1/firmware")) as resp:
            assert resp.status == 409  # nothing newer offered
        async with session.post(http_url(sim, "/api/v1/reset")) as resp:
            assert resp.status == 200
        async with session.get(http_url(sim, "/api/v1/telegram")) as resp:
            assert resp.status == 200
            assert (await resp.text()).startswith("/ISK5")
    assert sim.http.resets == 1
    no_serial = await make_sim("full", serial_in_api=False)
    async with (
        aiohttp.ClientSession(headers=AUTH) as session,
        session.get(http_url(no_serial, "/api/v1/firmware")) as resp,
    ):
        assert await resp.json() == {"Version": "5.2.1", "Status": "Idle"}
    old_firmware = await make_sim("short")
    async with (
        aiohttp.ClientSession(headers=AUTH) as session,
        session.get(http_url(old_firmware, "/api/v1/telegram")) as resp,
    ):
        assert resp.status == 404  # older firmware has no telegram endpoint


async def test_http_offline_and_back(make_sim: SimFactory) -> None:
    """stop_http/start_http take the API away and back on the same port."""
    sim = await make_sim()
    port = sim.http_port
    await sim.stop_http()
    async with aiohttp.ClientSession(headers=AUTH) as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(http_url(sim, "/api/v1/status"))
        assert await sim.start_http() == port
        async with session.get(http_url(sim, "/api/v1/status")) as resp:
            assert resp.status == 200


# -- CLI ---------------------------------------------------------------------------------------


async def test_cli_runs_until_sigterm(socket_enabled: None) -> None:
    """``python -m simulator.smart_connect`` prints where it listens and stops on SIGTERM."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator.smart_connect",
        "--modbus-port",
        "0",
        "--http-port",
        "0",
        "--variant",
        "short",
        "--password",
        "cli-pass",
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert proc.stdout is not None
    try:
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 20)).decode() for _ in range(3)]
        assert "short" in lines[0]
        modbus_port = int(lines[1].rsplit(":", 1)[1])
        http_part = lines[2].split("http://127.0.0.1:", 1)[1]
        http_port = int(http_part.split("/", 1)[0])
        client = AsyncModbusTcpClient("127.0.0.1", port=modbus_port, reconnect_delay=0)
        assert await client.connect()
        assert not (await client.read_input_registers(0x8006, count=2)).isError()
        client.close()
        async with (
            aiohttp.ClientSession(
                headers={"Authorization": aiohttp.encode_basic_auth("user", "cli-pass")}
            ) as session,
            session.get(f"http://127.0.0.1:{http_port}/api/v1/firmware") as resp,
        ):
            assert resp.status == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0


def test_register_table_assumptions() -> None:
    """The simulator serves exactly the manual's 49 registers inside the three blocks."""
    assert len(REGISTERS_BY_KEY) == 49
    sim = SmartConnectSimulator()
    served = set(sim.profile.served_addresses)
    for reg in REGISTERS:
        assert {reg.address, reg.address + 1} <= served
    assert Variant("dsmr42") is Variant.DSMR42
