"""Modbus RTU over a pseudo-terminal pair: round trip, several meters on one bus."""

from __future__ import annotations

import asyncio
import time

import pytest

from custom_components.gridmate.devices.meters.client import MeterTimeout, ModbusMeter
from custom_components.gridmate.devices.meters.profiles import PROFILES_BY_ID, Measurand
from simulator.meters import Mode, SimulatedMeter, crc16, demo_values

from .conftest import TIMEOUT, RtuFactory


def test_crc16_reference_frame() -> None:
    # Read holding registers, unit 1, address 0, count 2: the textbook frame 01 03 00 00 00 02 C4 0B
    assert crc16(bytes.fromhex("010300000002")).to_bytes(2, "little") == bytes.fromhex("C40B")


@pytest.mark.parametrize(
    "profile_id", ["eastron_sdm630", "cg_em340", "abb_b23", "sinotimer_dts6619", "phoenix_empro"]
)
async def test_rtu_round_trip(rtu_bus: RtuFactory, profile_id: str) -> None:
    profile = PROFILES_BY_ID[profile_id]
    values = demo_values(profile, exporting=True)
    _, bus = await rtu_bus({11: SimulatedMeter(profile=profile, values=values)})
    reading = await ModbusMeter(bus, unit=11, profile=profile).poll()
    for measurand, value in values.items():
        quantum = profile.registers[measurand].scale * 0.51  # integer types round
        assert reading.get(measurand) == pytest.approx(value, rel=1e-6, abs=quantum), measurand
    if profile.sums_phase_power:
        assert reading.get(Measurand.POWER) == pytest.approx(
            sum(values[m] for m in (Measurand.POWER_L1, Measurand.POWER_L2, Measurand.POWER_L3)),
            abs=2.0,
        )


async def test_rtu_bus_with_a_silent_meter(rtu_bus: RtuFactory) -> None:
    good, silent = PROFILES_BY_ID["cg_em111"], PROFILES_BY_ID["eastron_sdm230"]
    server, bus = await rtu_bus(
        {
            11: SimulatedMeter(profile=good),
            12: SimulatedMeter(profile=silent, mode=Mode.SILENT),
        }
    )
    answering = ModbusMeter(bus, unit=11, profile=good)
    quiet = ModbusMeter(bus, unit=12, profile=silent)

    async def timed(meter: ModbusMeter) -> float:
        started = time.monotonic()
        await meter.poll()
        return time.monotonic() - started

    for _ in range(2):
        results = await asyncio.gather(timed(quiet), timed(answering), return_exceptions=True)
        assert isinstance(results[0], MeterTimeout)
        assert isinstance(results[1], float)
        assert results[1] < TIMEOUT + 0.5
    assert server.meters[12].requests == 2
    reading = await answering.poll()
    assert reading.get(Measurand.VOLTAGE_L1) == pytest.approx(231.1)
