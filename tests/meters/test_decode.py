"""Decoder and read planner, without sockets."""

from __future__ import annotations

import itertools
import math
import struct

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.gridmate.devices.meters.decode import (
    FitProblem,
    MeterReading,
    ReadBlock,
    check_fit,
    decode_reading,
    image_from_blocks,
    is_not_available,
    plan_reads,
    words_to_raw,
)
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

HIGH, LOW = WordOrder.HIGH_FIRST, WordOrder.LOW_FIRST


def test_words_to_raw_known_patterns() -> None:
    # Phoenix Contact EMpro manual example: 123.456 = 0x42F6E979, sent low word first.
    assert words_to_raw([0xE979, 0x42F6], DataType.FLOAT32, LOW) == pytest.approx(123.456, 1e-6)
    assert words_to_raw([0x42F6, 0xE979], DataType.FLOAT32, HIGH) == pytest.approx(123.456, 1e-6)
    # Carlo Gavazzi ET112 frame (ioBroker issue 286): 09 1B 00 00 -> 2331 (233.1 V)
    assert words_to_raw([0x091B, 0x0000], DataType.INT32, LOW) == 2331
    assert words_to_raw([0xFFFF], DataType.INT16, HIGH) == -1
    assert words_to_raw([0xFFFF], DataType.UINT16, HIGH) == 65535
    assert words_to_raw([0xFFFF, 0xFFFE], DataType.INT32, HIGH) == -2
    assert words_to_raw([0x0001, 0x0000], DataType.UINT32, HIGH) == 65536
    assert words_to_raw([0, 0, 1, 0], DataType.INT64, HIGH) == 65536
    assert words_to_raw([0, 1, 0, 0], DataType.UINT64, LOW) == 65536
    with pytest.raises(ValueError, match="needs 2"):
        words_to_raw([1], DataType.FLOAT32, HIGH)


def test_abb_not_available_markers() -> None:
    assert is_not_available([0xFFFF, 0xFFFF], DataType.UINT32, HIGH)
    assert is_not_available([0x7FFF, 0xFFFF], DataType.INT32, HIGH)
    assert is_not_available([0xFFFF] * 4, DataType.UINT64, HIGH)
    assert not is_not_available([0xFFFF, 0xFFFE], DataType.UINT32, HIGH)
    assert not is_not_available([0xFFFF, 0xFFFF], DataType.INT32, HIGH)  # that is -1


def _one(measurand: Measurand, spec: RegisterSpec, **kwargs: object) -> MeterProfile:
    return MeterProfile(
        id="t",
        vendor="t",
        model="t",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=HIGH,
        registers={measurand: spec},
        status=Status.USER,
        source="test",
        **kwargs,  # type: ignore[arg-type]
    )


def _f32_words(value: float) -> list[int]:
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


@pytest.mark.parametrize(
    ("measurand", "value"),
    [
        (Measurand.VOLTAGE_L1, math.nan),
        (Measurand.POWER, math.inf),
        (Measurand.POWER, -math.inf),
        (Measurand.VOLTAGE_L1, 1e9),  # out of range
        (Measurand.VOLTAGE_L1, -5.0),
        (Measurand.POWER_FACTOR, 1.5),
        (Measurand.ENERGY_IMPORT, -1.0),
        (Measurand.FREQUENCY, 400.0),
    ],
)
def test_nan_inf_and_out_of_range_are_unknown(measurand: Measurand, value: float) -> None:
    profile = _one(measurand, RegisterSpec(address=10, data_type=DataType.FLOAT32))
    image = {(4, 10): _f32_words(value)[0], (4, 11): _f32_words(value)[1]}
    assert decode_reading(profile, image).get(measurand) is None


def test_abb_all_ones_is_unknown_and_other_values_decode() -> None:
    abb = PROFILES_BY_ID["abb_b23"]
    image = {(3, 0x5B00): 0xFFFF, (3, 0x5B01): 0xFFFF, (3, 0x5B14): 0x7FFF, (3, 0x5B15): 0xFFFF}
    image |= {(3, 0x5000 + i): 0xFFFF for i in range(4)}
    image |= {(3, 0x5B02): 0, (3, 0x5B03): 2301}
    reading = decode_reading(abb, image)
    assert reading.get(Measurand.VOLTAGE_L1) is None
    assert reading.get(Measurand.POWER) is None
    assert reading.get(Measurand.ENERGY_IMPORT) is None
    assert reading.get(Measurand.VOLTAGE_L2) == pytest.approx(230.1)
    assert Measurand.VOLTAGE_L3 in reading  # provided but missing from the image -> None
    assert reading.get(Measurand.VOLTAGE_L3) is None


def _image_from_values(profile: MeterProfile, values: dict[Measurand, float]) -> dict:
    image: dict[tuple[int, int], int] = {}
    for measurand, value in values.items():
        spec = profile.registers[measurand]
        assert spec.data_type is DataType.FLOAT32
        words = _f32_words(value / spec.scale)
        if profile.word_order_of(spec) is LOW:
            words.reverse()
        fc = int(profile.function_code_of(spec))
        image[(fc, spec.address)], image[(fc, spec.address + 1)] = words
    return image


def test_unsigned_current_takes_sign_of_phase_power() -> None:
    sdm = PROFILES_BY_ID["eastron_sdm630"]
    values = {
        Measurand.CURRENT_L1: 5.0,
        Measurand.CURRENT_L2: 4.0,
        Measurand.CURRENT_L3: 3.0,
        Measurand.POWER_L1: -1150.0,
        Measurand.POWER_L2: 920.0,
        Measurand.POWER_L3: 0.0,
    }
    reading = decode_reading(sdm, _image_from_values(sdm, values))
    assert reading.get(Measurand.CURRENT_L1) == -5.0
    assert reading.get(Measurand.CURRENT_L2) == 4.0
    assert reading.get(Measurand.CURRENT_L3) == 3.0
    del values[Measurand.POWER_L2]
    reading = decode_reading(sdm, _image_from_values(sdm, values))
    assert reading.get(Measurand.CURRENT_L2) is None  # magnitude without a sign: unknown


def test_inverted_negates_power_and_current_and_swaps_energies() -> None:
    sdm = PROFILES_BY_ID["eastron_sdm630"]
    values = {
        Measurand.VOLTAGE_L1: 230.0,
        Measurand.CURRENT_L1: 5.0,
        Measurand.POWER_L1: 1150.0,
        Measurand.POWER: 1150.0,
        Measurand.ENERGY_IMPORT: 1000.0,
        Measurand.ENERGY_EXPORT: 2000.0,
    }
    image = _image_from_values(sdm, values)
    plain = decode_reading(sdm, image)
    inverted = decode_reading(sdm, image, inverted=True)
    assert inverted.get(Measurand.VOLTAGE_L1) == plain.get(Measurand.VOLTAGE_L1) == 230.0
    assert inverted.get(Measurand.CURRENT_L1) == -5.0
    assert inverted.get(Measurand.POWER_L1) == -1150.0
    assert inverted.get(Measurand.POWER) == -1150.0
    assert inverted.get(Measurand.ENERGY_IMPORT) == pytest.approx(2000.0)
    assert inverted.get(Measurand.ENERGY_EXPORT) == pytest.approx(1000.0)


def test_missing_total_power_is_sum_of_phases() -> None:
    sino = PROFILES_BY_ID["sinotimer_dts6619"]
    image = {(4, 0x08): 1000, (4, 0x09): 0xFFFF - 499, (4, 0x0A): 250}
    reading = decode_reading(sino, image)
    assert reading.get(Measurand.POWER) == 1000 - 500 + 250
    del image[(4, 0x09)]
    assert decode_reading(sino, image).get(Measurand.POWER) is None


def test_custom_map_decodes_each_spec() -> None:
    profile = custom_profile(
        {
            Measurand.POWER: CustomRegister(
                function_code=FunctionCode.HOLDING,
                address=100,
                data_type=DataType.INT32,
                word_order=LOW,
                scale=0.1,
            ),
            Measurand.ENERGY_IMPORT: CustomRegister(
                function_code=FunctionCode.INPUT,
                address=100,
                data_type=DataType.UINT16,
                scale=1000.0,
            ),
        }
    )
    plan = plan_reads(profile)
    assert plan == (
        ReadBlock(FunctionCode.HOLDING, 100, 2),
        ReadBlock(FunctionCode.INPUT, 100, 1),
    )
    image = image_from_blocks([(plan[0], [0xFFF6, 0xFFFF]), (plan[1], [42])])
    reading = decode_reading(profile, image)
    assert reading.get(Measurand.POWER) == pytest.approx(-1.0)
    assert reading.get(Measurand.ENERGY_IMPORT) == 42_000.0


def test_plan_reads_coalesces_profiles() -> None:
    counts = {p.id: len(plan_reads(p)) for p in PROFILES}
    assert counts["cg_em340"] == 1  # 0x00..0x4F in one read
    assert counts["eastron_sdm630"] == 2  # 80-register reads: 0x00..0x23, 0x34..0x4B
    assert counts["phoenix_empro"] == 2  # instant block + energy block
    assert counts["schneider_iem3x5x"] == 5  # gaps not read
    assert counts["ivy_em118090"] == 0
    assert plan_reads(PROFILES_BY_ID["eastron_sdm630"], [Measurand.POWER]) == (
        ReadBlock(FunctionCode.INPUT, 0x34, 2),
    )


def test_plan_respects_gap_limit_and_refused_ranges() -> None:
    regs = {
        Measurand.POWER_L1: RegisterSpec(address=0, data_type=DataType.INT16),
        Measurand.POWER_L2: RegisterSpec(address=5, data_type=DataType.INT16),
        Measurand.POWER_L3: RegisterSpec(address=20, data_type=DataType.INT16),
    }

    def profile(**kwargs: object) -> MeterProfile:
        return MeterProfile(
            id="t",
            vendor="t",
            model="t",
            phases=3,
            function_code=FunctionCode.INPUT,
            word_order=HIGH,
            registers=regs,
            status=Status.USER,
            source="t",
            **kwargs,  # type: ignore[arg-type]
        )

    assert len(plan_reads(profile(max_gap=0))) == 3
    assert plan_reads(profile(max_gap=4)) == (
        ReadBlock(FunctionCode.INPUT, 0, 6),
        ReadBlock(FunctionCode.INPUT, 20, 1),
    )
    assert plan_reads(profile(max_gap=100)) == (ReadBlock(FunctionCode.INPUT, 0, 21),)
    assert len(plan_reads(profile(max_gap=100, refused=((10, 12),)))) == 2
    assert len(plan_reads(profile(max_gap=100, max_registers_per_read=10))) == 2


@settings(max_examples=200, deadline=None)
@given(
    addresses=st.lists(st.integers(0, 2000), min_size=1, max_size=14, unique=True),
    max_gap=st.integers(0, 200),
    limit=st.integers(4, 125),
    refused=st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 50)), max_size=3),
)
def test_plan_covers_everything_within_limits(
    addresses: list[int], max_gap: int, limit: int, refused: list[tuple[int, int]]
) -> None:
    measurands = list(Measurand)[: len(addresses)]
    refused_ranges = tuple((lo, lo + n) for lo, n in refused)
    # A wanted register inside a refused range is a broken profile; keep them apart.
    addresses = [
        a for a in addresses if not any(lo <= a + 3 and a < hi for lo, hi in refused_ranges)
    ]
    addresses = [
        a for i, a in enumerate(sorted(addresses)) if i == 0 or a >= sorted(addresses)[i - 1] + 4
    ]
    if not addresses:
        return
    regs = {
        m: RegisterSpec(address=a, data_type=DataType.INT64)
        for m, a in zip(measurands, addresses, strict=False)
    }
    profile = MeterProfile(
        id="t",
        vendor="t",
        model="t",
        phases=3,
        function_code=FunctionCode.HOLDING,
        word_order=HIGH,
        registers=regs,
        status=Status.USER,
        source="t",
        max_gap=max_gap,
        max_registers_per_read=limit,
        refused=refused_ranges,
    )
    plan = plan_reads(profile)
    for block in plan:
        assert 1 <= block.count <= limit
        assert not any(lo < block.end and block.start < hi for lo, hi in refused_ranges)
    for spec in regs.values():
        assert any(b.start <= spec.address and spec.address + 4 <= b.end for b in plan)
    # No two neighbouring blocks could have been merged.
    for left, right in itertools.pairwise(plan):
        mergeable = (
            right.end - left.start <= limit
            and right.start - left.end <= max_gap
            and not any(lo < right.end and left.start < hi for lo, hi in refused_ranges)
        )
        assert not mergeable


def _reading(**values: float | None) -> MeterReading:
    return MeterReading(values={Measurand(k): v for k, v in values.items()})


def test_check_fit_accepts_a_grid_reading() -> None:
    ok = _reading(voltage_l1=231.0, voltage_l2=0.0, voltage_l3=0.0, frequency=50.0, power=10.0)
    assert check_fit(ok) == ()  # a 3-phase meter on a 1-phase connection is fine
    assert check_fit(_reading(power=-300.0, energy_import=1.0)) == ()  # SDM72D v1: no voltage


def test_check_fit_flags_wrong_profiles() -> None:
    assert check_fit(_reading()) == (FitProblem.NO_VALUES,)
    assert check_fit(_reading(voltage_l1=None, power=None)) == (FitProblem.NO_VALUES,)
    # Chint's 0x2000 (line-to-line) read as the L1 voltage
    assert FitProblem.LINE_VOLTAGE in check_fit(_reading(voltage_l1=400.2, voltage_l2=399.0))
    # kWh read where volts were expected, or a word-order mix-up
    assert FitProblem.NO_GRID_VOLTAGE in check_fit(_reading(voltage_l1=2.3, voltage_l2=0.0))
    assert FitProblem.FREQUENCY in check_fit(_reading(voltage_l1=230.0, frequency=5.0))
    assert FitProblem.UNKNOWN_VALUES in check_fit(_reading(voltage_l1=230.0, power=None))


def _float32_words(value: float) -> list[int]:
    high, low = struct.unpack(">HH", struct.pack(">f", value))
    return [high, low]


@pytest.mark.parametrize(
    ("data_type", "words", "scale", "expected"),
    [
        (DataType.FLOAT32, _float32_words(231.1), 1.0, 231.1),  # 231.10000610351562 on the wire
        (DataType.FLOAT32, _float32_words(0.95), 1000.0, 950.0),  # kWh -> Wh
        (DataType.INT16, [2301], 0.1, 230.1),  # 2301 * 0.1 = 230.10000000000002
        (DataType.INT32, [0xFFFF, 0xE7C5], 0.001, -6.203),
        (DataType.UINT64, [0, 0, 0x0001, 0xE240], 0.01, 1234.56),
    ],
)
def test_values_carry_no_binary_noise(
    data_type: DataType, words: list[int], scale: float, expected: float
) -> None:
    """Exactly the decimal the meter meant, so states read 231.1 and not 231.10000610351562."""
    profile = MeterProfile(
        id="t",
        vendor="t",
        model="t",
        phases=3,
        function_code=FunctionCode.INPUT,
        word_order=HIGH,
        registers={Measurand.POWER: RegisterSpec(address=0, data_type=data_type, scale=scale)},
        status=Status.USER,
        source="t",
    )
    image = {(4, i): w for i, w in enumerate(words)}
    assert decode_reading(profile, image).get(Measurand.POWER) == expected


def test_an_odd_scale_is_left_alone() -> None:
    profile = custom_profile(
        {
            Measurand.POWER: CustomRegister(
                function_code=FunctionCode.INPUT,
                address=0,
                data_type=DataType.INT16,
                scale=1 / 3,
            )
        }
    )
    reading = decode_reading(profile, {(4, 0): 100})
    assert reading.get(Measurand.POWER) == 100 * (1 / 3)
