"""The client against the simulator over Modbus TCP: every profile, quirks, shared bus, errors."""

from __future__ import annotations

import asyncio
import logging
import math
import time

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.gridmate.devices.meters.client import (
    MeterExceptionResponse,
    MeterTimeout,
    MeterUnreachable,
    MeterWarmingUp,
    ModbusBus,
    ModbusMeter,
    SerialBusConfig,
    TcpBusConfig,
)
from custom_components.gridmate.devices.meters.decode import plan_reads, words_to_raw
from custom_components.gridmate.devices.meters.profiles import (
    PROFILES,
    PROFILES_BY_ID,
    CustomRegister,
    DataType,
    FunctionCode,
    Measurand,
    MeterProfile,
    RegisterSpec,
    Status,
    WordOrder,
    custom_profile,
)
from simulator.meters import (
    Mode,
    RtuPtyMeterServer,
    SimulatedMeter,
    TcpMeterServer,
    demo_values,
    encode_value,
)

from .conftest import TIMEOUT, TcpFactory

USABLE = [p for p in PROFILES if p.usable]


def _tolerance(profile: MeterProfile, measurand: Measurand, value: float) -> float:
    spec = profile.registers.get(measurand)
    if spec is None:  # derived total power: sum of the phases' tolerances
        return sum(
            _tolerance(profile, m, 1e4)
            for m in (Measurand.POWER_L1, Measurand.POWER_L2, Measurand.POWER_L3)
            if m in profile.registers
        )
    quantum = abs(spec.scale) / 2 if spec.data_type is not DataType.FLOAT32 else 0.0
    return quantum + abs(value) * 1e-6 + 1e-9


def _expected(profile: MeterProfile, values: dict[Measurand, float]) -> dict[Measurand, float]:
    expected = dict(values)
    if profile.sums_phase_power:
        expected[Measurand.POWER] = sum(
            values[m]
            for m in (Measurand.POWER_L1, Measurand.POWER_L2, Measurand.POWER_L3)
            if m in values
        )
    return expected


@pytest.mark.parametrize("exporting", [False, True], ids=["import", "export"])
@pytest.mark.parametrize("profile", USABLE, ids=lambda p: p.id)
async def test_every_profile_decodes_what_the_simulator_encodes(
    tcp_bus: TcpFactory, profile: MeterProfile, exporting: bool
) -> None:
    values = demo_values(profile, exporting=exporting)
    _, bus = await tcp_bus({11: SimulatedMeter(profile=profile, values=values)})
    meter = ModbusMeter(bus, unit=11, profile=profile)
    reading = await meter.poll()
    expected = _expected(profile, values)
    assert set(reading.values) == set(expected) == set(profile.measurands)
    for measurand, value in expected.items():
        got = reading.get(measurand)
        assert got is not None, measurand
        assert abs(got - value) <= _tolerance(profile, measurand, value), (measurand, got, value)
    assert meter.last_poll is not None
    assert meter.last_poll.transactions == len(plan_reads(profile)) == len(meter.plan)


async def test_inverted_option_over_the_wire(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["eastron_sdm630"]
    values = demo_values(profile)
    _, bus = await tcp_bus({11: SimulatedMeter(profile=profile, values=values)})
    reading = await ModbusMeter(bus, unit=11, profile=profile, inverted=True).poll()
    assert reading.get(Measurand.POWER) == pytest.approx(-values[Measurand.POWER])
    assert reading.get(Measurand.CURRENT_L1) == pytest.approx(-values[Measurand.CURRENT_L1])
    assert reading.get(Measurand.POWER_L2) == pytest.approx(-values[Measurand.POWER_L2])
    assert reading.get(Measurand.VOLTAGE_L1) == pytest.approx(values[Measurand.VOLTAGE_L1])
    assert reading.get(Measurand.ENERGY_IMPORT) == pytest.approx(values[Measurand.ENERGY_EXPORT])
    assert reading.get(Measurand.ENERGY_EXPORT) == pytest.approx(values[Measurand.ENERGY_IMPORT])


async def test_custom_map_over_the_wire(tcp_bus: TcpFactory) -> None:
    profile = custom_profile(
        {
            Measurand.POWER: CustomRegister(
                function_code=FunctionCode.HOLDING,
                address=0x100,
                data_type=DataType.INT32,
                word_order=WordOrder.LOW_FIRST,
                scale=0.1,
            ),
            Measurand.CURRENT_L1: CustomRegister(
                function_code=FunctionCode.INPUT, address=0x10, data_type=DataType.INT16, scale=0.01
            ),
            Measurand.ENERGY_IMPORT: CustomRegister(
                function_code=FunctionCode.INPUT,
                address=0x20,
                data_type=DataType.INT64,
                scale=1.0,
            ),
            Measurand.ENERGY_EXPORT: CustomRegister(
                function_code=FunctionCode.HOLDING,
                address=0x200,
                data_type=DataType.FLOAT32,
                word_order=WordOrder.LOW_FIRST,
                scale=1000.0,
            ),
        }
    )
    values = {
        Measurand.POWER: -1234.5,
        Measurand.CURRENT_L1: -5.37,
        Measurand.ENERGY_IMPORT: 98_765_432.0,
        Measurand.ENERGY_EXPORT: 4_321_000.0,
    }
    _, bus = await tcp_bus({20: SimulatedMeter(profile=profile, values=values)})
    meter = ModbusMeter(bus, unit=20, profile=profile)
    reading = await meter.poll()
    for measurand, value in values.items():
        assert reading.get(measurand) == pytest.approx(value, rel=1e-6)
    assert meter.last_poll is not None
    assert meter.last_poll.transactions == 4  # gap 0 default: nothing is merged


def test_simulator_encoding_is_its_own() -> None:
    # Fixed patterns, checked by hand, so a mistake shared with the decoder cannot pass.
    assert encode_value(123.456, "float32", "low_first", 1.0) == [0xE979, 0x42F6]
    assert encode_value(233.1, "int32", "low_first", 0.1) == [0x091B, 0x0000]
    assert encode_value(-1.0, "int16", "high_first", 1.0) == [0xFFFF]
    assert encode_value(65536.0, "uint64", "high_first", 1.0) == [0, 0, 1, 0]


async def test_nan_inf_and_out_of_range_are_unknown_over_the_wire(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["eastron_sdm630"]
    values = demo_values(profile)
    values[Measurand.VOLTAGE_L1] = math.nan
    values[Measurand.POWER] = math.inf
    values[Measurand.CURRENT_L2] = 5000.0  # no house draws 5 kA
    values[Measurand.FREQUENCY] = -50.0
    _, bus = await tcp_bus({11: SimulatedMeter(profile=profile, values=values)})
    reading = await ModbusMeter(bus, unit=11, profile=profile).poll()
    for measurand in (
        Measurand.VOLTAGE_L1,
        Measurand.POWER,
        Measurand.CURRENT_L2,
        Measurand.FREQUENCY,
    ):
        assert reading.get(measurand) is None, measurand
    assert reading.get(Measurand.VOLTAGE_L2) == pytest.approx(values[Measurand.VOLTAGE_L2])


async def test_abb_all_ones_over_the_wire(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["abb_b23"]
    meter = SimulatedMeter(profile=profile)
    meter.set_raw(3, 0x5B0E, [0xFFFF, 0xFFFF])  # current L2 (uint32)
    meter.set_raw(3, 0x5B18, [0x7FFF, 0xFFFF])  # power L2 (int32)
    meter.set_raw(3, 0x5004, [0xFFFF] * 4)  # export (uint64)
    _, bus = await tcp_bus({11: meter})
    reading = await ModbusMeter(bus, unit=11, profile=profile).poll()
    assert reading.get(Measurand.CURRENT_L2) is None
    assert reading.get(Measurand.POWER_L2) is None
    assert reading.get(Measurand.ENERGY_EXPORT) is None
    assert reading.get(Measurand.CURRENT_L1) == pytest.approx(7.25)


async def test_shared_bus_one_silent_meter_does_not_stall_the_other(tcp_bus: TcpFactory) -> None:
    good, silent = PROFILES_BY_ID["cg_em340"], PROFILES_BY_ID["eastron_sdm630"]
    _, bus = await tcp_bus(
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

    for _ in range(3):
        results = await asyncio.gather(timed(quiet), timed(answering), return_exceptions=True)
        assert isinstance(results[0], MeterTimeout)
        # The good meter waited at most for the silent one's single timed-out request.
        assert isinstance(results[1], float)
        assert results[1] < TIMEOUT + 0.5
    assert quiet.last_poll is not None
    assert quiet.last_poll.transactions == 1  # a silent meter's poll stops at its first block


async def test_exception_response_is_typed_with_its_code(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["cg_em340"]
    _, bus = await tcp_bus(
        {11: SimulatedMeter(profile=profile, mode=Mode.EXCEPTION, exception_code=2)}
    )
    with pytest.raises(MeterExceptionResponse) as err:
        await ModbusMeter(bus, unit=11, profile=profile).poll()
    assert err.value.code == 2
    assert err.value.function_code == 4


async def test_wrong_unit_id_times_out(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["cg_em340"]
    _, bus = await tcp_bus({11: SimulatedMeter(profile=profile)})
    with pytest.raises(MeterTimeout):
        await ModbusMeter(bus, unit=12, profile=profile).poll()
    # The connection survives; the right unit still answers.
    await ModbusMeter(bus, unit=11, profile=profile).poll()


async def test_slow_meter_within_and_beyond_the_timeout(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["cg_em111"]
    sim = SimulatedMeter(profile=profile, mode=Mode.SLOW, delay_s=TIMEOUT / 3)
    _, bus = await tcp_bus({11: sim})
    meter = ModbusMeter(bus, unit=11, profile=profile)
    assert (await meter.poll()).get(Measurand.VOLTAGE_L1) == pytest.approx(231.1)
    assert meter.last_poll is not None
    assert meter.last_poll.duration_s >= TIMEOUT / 3 * len(meter.plan) * 0.9
    sim.delay_s = TIMEOUT * 2
    with pytest.raises(MeterTimeout):
        await meter.poll()


async def test_ivy_warm_up_is_reported_then_clears(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["ivy_dts353f_2"]
    sim = SimulatedMeter(profile=profile, mode=Mode.WARMUP, warmup_s=0.4, exception_code=6)
    _, bus = await tcp_bus({11: sim})
    now = [0.0]
    meter = ModbusMeter(bus, unit=11, profile=profile, clock=lambda: now[0])
    with pytest.raises(MeterWarmingUp) as err:
        await meter.poll()
    assert err.value.code == 6
    await asyncio.sleep(0.45)
    reading = await meter.poll()
    assert reading.get(Measurand.ENERGY_IMPORT) == pytest.approx(1_234_500.0)
    # After the profile's warm-up time an exception is an error again.
    sim.power_cycle()
    now[0] = profile.warmup_s + 1
    with pytest.raises(MeterExceptionResponse) as err2:
        await meter.poll()
    assert not isinstance(err2.value, MeterWarmingUp)


async def test_unreachable_gateway(socket_enabled: None) -> None:
    bus = ModbusBus(TcpBusConfig(host="127.0.0.1", port=1), timeout=TIMEOUT)
    with pytest.raises(MeterUnreachable):
        await ModbusMeter(bus, unit=11, profile=PROFILES_BY_ID["cg_em340"]).poll()
    await bus.close()


async def test_missing_serial_port_is_unreachable() -> None:
    bus = ModbusBus(SerialBusConfig(port="/dev/does-not-exist-gridmate"), timeout=TIMEOUT)
    with pytest.raises(MeterUnreachable):
        await ModbusMeter(bus, unit=11, profile=PROFILES_BY_ID["cg_em340"]).poll()
    await bus.close()


async def test_registry_shares_one_bus_per_gateway(registry) -> None:
    a = registry.acquire(TcpBusConfig(host="10.0.0.2"))
    b = registry.acquire(TcpBusConfig(host="10.0.0.2", port=502))
    c = registry.acquire(TcpBusConfig(host="10.0.0.3"))
    assert a is b
    assert a is not c
    serial = registry.acquire(SerialBusConfig(port="/dev/ttyUSB0"))
    with pytest.raises(ValueError, match="other settings"):
        registry.acquire(SerialBusConfig(port="/dev/ttyUSB0", baudrate=19200))
    assert len(registry) == 3
    await registry.release(a)
    assert len(registry) == 3
    await registry.release(b)
    await registry.release(c)
    await registry.release(serial)
    assert len(registry) == 0


def test_unit_id_range() -> None:
    bus = ModbusBus(TcpBusConfig(host="127.0.0.1"))
    with pytest.raises(ValueError, match="unit id"):
        ModbusMeter(bus, unit=0, profile=PROFILES_BY_ID["cg_em340"])


async def test_rtu_over_tcp_gateway(socket_enabled: None) -> None:
    profile = PROFILES_BY_ID["cg_em340"]
    values = demo_values(profile, exporting=True)
    server = TcpMeterServer(
        {11: SimulatedMeter(profile=profile, values=values), 12: SimulatedMeter(profile=profile)},
        rtu_over_tcp=True,
    )
    port = await server.start()
    bus = ModbusBus(TcpBusConfig(host="127.0.0.1", port=port, rtu_over_tcp=True), timeout=TIMEOUT)
    try:
        reading = await ModbusMeter(bus, unit=11, profile=profile).poll()
        assert reading.get(Measurand.POWER) == pytest.approx(values[Measurand.POWER])
        assert (await ModbusMeter(bus, unit=12, profile=profile).poll()).get(
            Measurand.POWER
        ) == pytest.approx(-values[Measurand.POWER])
        assert bus.transactions == 2
    finally:
        await bus.close()
        await server.stop()


async def test_warm_up_window_restarts_after_the_meter_was_silent(tcp_bus: TcpFactory) -> None:
    profile = PROFILES_BY_ID["ivy_dts353f_2"]
    sim = SimulatedMeter(profile=profile)
    _, bus = await tcp_bus({11: sim})
    now = [0.0]
    meter = ModbusMeter(bus, unit=11, profile=profile, clock=lambda: now[0])
    await meter.poll()
    now[0] = 1000.0
    sim.mode = Mode.SILENT  # power cut
    with pytest.raises(MeterTimeout):
        await meter.poll()
    sim.mode, sim.warmup_s = Mode.WARMUP, 60.0  # power back: exceptions for a while
    sim.power_cycle()
    now[0] = 1010.0
    with pytest.raises(MeterWarmingUp):
        await meter.poll()
    assert meter.unique_id == f"{bus.key}#11"


async def test_rtu_wire_time_emulation_at_9600_baud() -> None:
    profile = PROFILES_BY_ID["cg_em340"]  # one 80-register read: 8 + 165 bytes on the wire
    server = RtuPtyMeterServer({11: SimulatedMeter(profile=profile)}, baudrate=9600)
    path = await server.start()
    bus = ModbusBus(SerialBusConfig(port=path), timeout=1.0)
    try:
        meter = ModbusMeter(bus, unit=11, profile=profile)
        await meter.poll()
        assert meter.last_poll is not None
        assert meter.last_poll.duration_s >= (8 + 165) * 10 / 9600
    finally:
        await bus.close()
        await server.stop()


async def test_registry_sees_one_adapter_behind_two_paths(registry, tmp_path) -> None:
    link = tmp_path / "usb-FTDI-if00-port0"
    link.symlink_to("/dev/null")
    a = registry.acquire(SerialBusConfig(port=str(link)))
    b = registry.acquire(SerialBusConfig(port="/dev/null"))
    assert a is b
    await registry.release(a)
    await registry.release(b)
    assert len(registry) == 0


@settings(max_examples=300, deadline=None)
@given(
    data_type=st.sampled_from(list(DataType)),
    word_order=st.sampled_from(list(WordOrder)),
    raw=st.integers(-(2**31), 2**31 - 1),
    scale=st.sampled_from([0.001, 0.01, 0.1, 1.0, 10.0, 1000.0]),
)
def test_simulator_encoder_and_driver_decoder_agree(
    data_type: DataType, word_order: WordOrder, raw: int, scale: float
) -> None:
    lo, hi = {
        DataType.INT16: (-(2**15), 2**15 - 1),
        DataType.UINT16: (0, 2**16 - 1),
        DataType.UINT32: (0, 2**32 - 1),
        DataType.UINT64: (0, 2**32 - 1),
    }.get(data_type, (-(2**31), 2**31 - 1))
    raw = min(max(raw, lo), hi)
    if data_type is DataType.FLOAT32:
        raw = raw // 256  # exactly representable in float32
    words = encode_value(raw * scale, data_type.value, word_order.value, scale)
    assert len(words) == data_type.width
    assert words_to_raw(words, data_type, word_order) == pytest.approx(raw, abs=1e-6)


async def test_refused_range_is_never_read(tcp_bus: TcpFactory) -> None:
    profile = MeterProfile(
        id="t",
        vendor="t",
        model="t",
        phases=1,
        function_code=FunctionCode.INPUT,
        word_order=WordOrder.HIGH_FIRST,
        registers={
            Measurand.VOLTAGE_L1: RegisterSpec(address=0, data_type=DataType.FLOAT32),
            Measurand.POWER_L1: RegisterSpec(address=10, data_type=DataType.FLOAT32),
        },
        status=Status.USER,
        source="t",
        max_gap=50,
        refused=((4, 6),),
    )
    values = {Measurand.VOLTAGE_L1: 230.0, Measurand.POWER_L1: 500.0}
    _, bus = await tcp_bus({11: SimulatedMeter(profile=profile, values=values)})
    meter = ModbusMeter(bus, unit=11, profile=profile)
    reading = await meter.poll()
    assert reading.get(Measurand.POWER) == 500.0
    assert len(meter.plan) == 2
    with pytest.raises(MeterExceptionResponse) as err:
        await bus.read(11, FunctionCode.INPUT, 0, 12)  # what a naive planner would send
    assert err.value.code == 2


async def test_silent_and_late_meters_do_not_flood_the_log(
    tcp_bus: TcpFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """pymodbus logs an ERROR per unanswered request; a bus call keeps its log quiet."""
    profile = PROFILES_BY_ID["eastron_sdm630"]
    _, bus = await tcp_bus(
        {
            11: SimulatedMeter(profile=profile, mode=Mode.SILENT),
            12: SimulatedMeter(profile=profile, mode=Mode.SLOW, delay_s=TIMEOUT * 1.5),
            13: SimulatedMeter(profile=profile),
        }
    )
    caplog.set_level(logging.INFO)
    for unit in (11, 12, 11, 12):
        with pytest.raises(MeterTimeout):
            await ModbusMeter(bus, unit=unit, profile=profile).poll()
    await asyncio.sleep(TIMEOUT)  # the slow meter's late answer arrives
    assert (await ModbusMeter(bus, unit=13, profile=profile).poll()).get(Measurand.POWER)
    pymodbus_records = [r for r in caplog.records if r.name.startswith("pymodbus")]
    assert pymodbus_records == []


async def test_pymodbus_debug_logging_keeps_the_records_as_debug(
    tcp_bus: TcpFactory, caplog: pytest.LogCaptureFixture
) -> None:
    profile = PROFILES_BY_ID["eastron_sdm630"]
    _, bus = await tcp_bus({11: SimulatedMeter(profile=profile, mode=Mode.SILENT)})
    caplog.set_level(logging.DEBUG, logger="pymodbus")
    with pytest.raises(MeterTimeout):
        await ModbusMeter(bus, unit=11, profile=profile).poll()
    records = [r for r in caplog.records if r.name.startswith("pymodbus")]
    assert any("No response" in r.getMessage() for r in records)
    assert all(r.levelno == logging.DEBUG for r in records)


async def test_pymodbus_errors_outside_a_bus_call_are_untouched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Other pymodbus users (Home Assistant's modbus integration) keep their log."""
    logging.getLogger("pymodbus.logging").error("someone else's error")
    assert [r.levelno for r in caplog.records if r.name == "pymodbus.logging"] == [logging.ERROR]
