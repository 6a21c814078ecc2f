"""The raw P1 telegram parser (devices/smart_connect/telegram.py), without Home Assistant.

The telegrams are written here by hand, one per standard, and sealed with the simulator's own
CRC16 (checked against the standard check value and against dsmr_parser's CRC).
"""

from __future__ import annotations

from datetime import UTC, datetime
import json

from dsmr_parser.parsers import TelegramParser  # type: ignore[import-untyped]
import pytest

from custom_components.gridmate.devices.smart_connect.telegram import (
    TELEGRAM_FIELDS,
    Specification,
    TelegramChecksumError,
    TelegramTruncatedError,
    decode_identifier,
    detect_specification,
    extract_telegram_text,
    parse_telegram,
)
from simulator.smart_connect import MeterRecords, SiteModel, TelegramSpec, TelegramWriter, crc16
from simulator.smart_connect.telegram import hex_id, seal

METER = hex_id("E0044007131650618")
GAS = hex_id("G0039001652050216")

DSMR5 = [
    "/ISK5\\2M550T-1013",
    "",
    "1-3:0.2.8(50)",
    "0-0:1.0.0(260115093010W)",
    f"0-0:96.1.1({METER})",
    "1-0:1.8.1(012345.678*kWh)",
    "1-0:1.8.2(009876.543*kWh)",
    "1-0:2.8.1(000123.456*kWh)",
    "1-0:2.8.2(004567.890*kWh)",
    "0-0:96.14.0(0002)",
    "1-0:1.7.0(01.193*kW)",
    "1-0:2.7.0(00.000*kW)",
    "0-0:96.7.21(00010)",
    "0-0:96.7.9(00003)",
    "1-0:99.97.0(2)(0-0:96.7.19)(250610101010S)(0000000240*s)(251201083000W)(0000001800*s)",
    "1-0:32.32.0(00002)",
    "1-0:32.36.0(00000)",
    "0-0:96.13.0()",
    "1-0:32.7.0(230.1*V)",
    "1-0:31.7.0(005*A)",
    "1-0:21.7.0(01.193*kW)",
    "1-0:22.7.0(00.000*kW)",
    "0-1:24.1.0(003)",
    f"0-1:96.1.0({GAS})",
    "0-1:24.2.1(260115090500W)(04321.987*m3)",
]
DSMR4 = [
    "/KFM5KAIFA-METER",
    "",
    "1-3:0.2.8(42)",
    "0-0:1.0.0(260115093010W)",
    f"0-0:96.1.1({METER})",
    "1-0:1.8.1(000100.001*kWh)",
    "1-0:1.8.2(000200.002*kWh)",
    "1-0:2.8.1(000000.000*kWh)",
    "1-0:2.8.2(000000.000*kWh)",
    "0-0:96.14.0(0001)",
    "1-0:1.7.0(00.420*kW)",
    "1-0:2.7.0(00.000*kW)",
    "0-0:96.7.21(00004)",
    "0-0:96.7.9(00001)",
    "1-0:99.97.0(0)(0-0:96.7.19)",
    "0-0:96.13.1()",
    "0-0:96.13.0()",
    "1-0:31.7.0(002*A)",
    "1-0:21.7.0(00.420*kW)",
    "0-1:24.1.0(003)",
    f"0-1:96.1.0({GAS})",
    "0-1:24.2.1(260115090000W)(01000.500*m3)",
]
DSMR22 = [
    "/ISk5\\2MT382-1004",
    "",
    f"0-0:96.1.1({METER})",
    "1-0:1.8.1(00001.001*kWh)",
    "1-0:1.8.2(00002.002*kWh)",
    "1-0:2.8.1(00003.003*kWh)",
    "1-0:2.8.2(00004.004*kWh)",
    "0-0:96.14.0(0001)",
    "1-0:1.7.0(0001.01*kW)",
    "1-0:2.7.0(0000.00*kW)",
    "0-0:17.0.0(0999.00*kW)",
    "0-0:96.3.10(1)",
    "0-0:96.13.1()",
    "0-0:96.13.0()",
    "0-1:24.1.0(3)",
    f"0-1:96.1.0({GAS})",
    "0-1:24.3.0(260115090000)(08)(60)(1)(0-1:24.2.1)(m3)",
    "(00124.477)",
    "0-1:24.4.0(1)",
]
BELGIUM = [
    "/FLU5\\253769484_A",
    "",
    "0-0:96.1.4(50217)",
    f"0-0:96.1.1({METER})",
    "0-0:1.0.0(260115093010W)",
    "1-0:1.8.1(000512.345*kWh)",
    "1-0:1.8.2(000487.654*kWh)",
    "1-0:2.8.1(000011.111*kWh)",
    "1-0:2.8.2(000022.222*kWh)",
    "0-0:96.14.0(0001)",
    "1-0:1.4.0(02.351*kW)",
    "1-0:1.6.0(260108184500W)(04.876*kW)",
    "0-0:98.1.0(1)(1-0:1.6.0)(1-0:1.6.0)(260101000000W)(251220181500W)(05.120*kW)",
    "1-0:1.7.0(00.518*kW)",
    "1-0:2.7.0(00.000*kW)",
    "1-0:32.7.0(234.7*V)",
    "1-0:31.7.0(002.25*A)",
    "0-0:96.3.10(1)",
    "0-0:17.0.0(999.9*kW)",
    "1-0:31.4.0(999*A)",
    "0-0:96.13.0()",
    "0-1:24.1.0(003)",
    f"0-1:96.1.1({GAS})",
    "0-1:24.4.0(1)",
    "0-1:24.2.3(260115093000W)(00872.234*m3)",
]
LUXEMBOURG = [
    "/Lux5\\u253833655_D",
    "",
    "1-3:0.2.8(42)",
    "0-0:1.0.0(260115093010W)",
    f"0-0:42.0.0({METER})",
    "1-0:1.8.0(002327.867*kWh)",
    "1-0:2.8.0(000123.456*kWh)",
    "1-0:3.8.0(000000.000*kvarh)",
    "1-0:4.8.0(000000.000*kvarh)",
    "1-0:1.7.0(00.130*kW)",
    "1-0:2.7.0(00.000*kW)",
    "0-0:17.0.0(03.0*kVA)",
    "0-0:96.3.10(1)",
    "0-0:96.7.21(00003)",
    "0-0:96.7.9(00000)",
    "1-0:99.97.0(0)(0-0:96.7.19)",
    "0-0:96.13.0()",
    "1-0:32.7.0(236.0*V)",
    "1-0:31.7.0(000*A)",
]


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_crc16_is_the_p1_crc() -> None:
    """CRC-16/ARC check value, and the same CRC dsmr_parser computes."""
    assert crc16(b"123456789") == 0xBB3D
    body = "\r\n".join(DSMR5) + "\r\n!"
    assert crc16(body.encode()) == TelegramParser.crc16(body)


def test_dsmr5() -> None:
    """SMR 5: tariffs, tariff 2, gas every 5 minutes, the failure log's newest entry."""
    telegram = parse_telegram(seal(DSMR5, checksum=True))
    assert telegram.specification is Specification.DSMR_5
    assert telegram.values == {
        "energy_import_tariff_1": 12345.678,
        "energy_import_tariff_2": 9876.543,
        "energy_export_tariff_1": 123.456,
        "energy_export_tariff_2": 4567.89,
        "active_tariff": 2,
        "last_power_failure": _utc(2025, 12, 1, 7, 30),  # 08:30 CET
        "last_power_failure_duration": 1800,
        "meter_id": "E0044007131650618",
        "p1_version": "50",
    }
    assert telegram.gas is not None
    assert telegram.gas.channel == 1
    assert telegram.gas.equipment_id == "G0039001652050216"
    assert telegram.gas.value_m3 == 4321.987
    assert telegram.gas.measured_at == _utc(2026, 1, 15, 8, 5)
    assert telegram.skipped_lines == telegram.unknown_lines == 0


def test_dsmr4() -> None:
    """DSMR 4.2: hourly gas, an empty failure log (no last failure)."""
    telegram = parse_telegram(seal(DSMR4, checksum=True))
    assert telegram.specification is Specification.DSMR_4
    assert telegram.values["active_tariff"] == 1
    assert telegram.values["energy_import_tariff_2"] == 200.002
    assert telegram.values["p1_version"] == "42"
    assert telegram.values["last_power_failure"] is None
    assert telegram.gas is not None
    assert telegram.gas.value_m3 == 1000.5
    assert telegram.gas.measured_at == _utc(2026, 1, 15, 8, 0)


def test_dsmr22() -> None:
    """DSMR 2.2: no CRC, no version line, the two-line gas reading of 24.3.0."""
    telegram = parse_telegram(seal(DSMR22, checksum=False))
    assert telegram.specification is Specification.DSMR_2_2
    assert telegram.values["energy_export_tariff_2"] == 4.004
    assert "p1_version" not in telegram.values
    assert telegram.gas is not None
    assert telegram.gas.value_m3 == 124.477
    assert telegram.gas.measured_at == _utc(2026, 1, 15, 8, 0)
    assert telegram.unknown_lines == 0


def test_belgium_capacity_tariff() -> None:
    """e-MUCS: the quarter-hour average, this month's peak and when, gas on 24.2.3."""
    telegram = parse_telegram(seal(BELGIUM, checksum=True))
    assert telegram.specification is Specification.BELGIUM
    assert telegram.values["average_demand"] == 2.351
    assert telegram.values["peak_demand_month"] == 4.876
    assert telegram.values["peak_demand_month_time"] == _utc(2026, 1, 8, 17, 45)
    assert telegram.values["p1_version"] == "50217"
    assert telegram.values["meter_id"] == "E0044007131650618"
    assert telegram.gas is not None
    assert telegram.gas.value_m3 == 872.234
    assert telegram.gas.equipment_id == "G0039001652050216"


def test_luxembourg() -> None:
    """Smarty: logical device name as meter id; the lines its standard lacks are counted."""
    telegram = parse_telegram(seal(LUXEMBOURG, checksum=True))
    assert telegram.specification is Specification.LUXEMBOURG
    assert telegram.values["meter_id"] == "E0044007131650618"
    assert "energy_import_tariff_1" not in telegram.values
    assert telegram.gas is None
    assert telegram.unknown_lines == 4  # 3.8.0, 4.8.0, 17.0.0, 96.3.10


@pytest.mark.parametrize("spec", list(TelegramSpec))
def test_simulator_telegrams_parse(spec: TelegramSpec) -> None:
    """Every standard the simulator writes parses, with the meter's own numbers."""
    model = SiteModel(3)
    meter = MeterRecords(
        energy_import_wh=model.energy_import,
        energy_export_wh=model.energy_export,
        start_epoch=1_781_179_200,
    )
    for _ in range(1900):  # past a quarter hour and a 5-minute gas reading
        meter.tick(model.total_power)
        model.tick()
    telegram = parse_telegram(TelegramWriter(spec).write(model.values(), meter))
    assert telegram.specification.value == spec.value
    assert telegram.skipped_lines == 0
    if spec is not TelegramSpec.LUXEMBOURG:
        assert telegram.values["energy_import_tariff_1"] == pytest.approx(
            meter.energy_import[0] / 1000, abs=0.001
        )
        assert telegram.values["active_tariff"] == meter.active_tariff
        assert telegram.gas is not None
    if spec is TelegramSpec.BELGIUM:
        assert telegram.values["average_demand"] == pytest.approx(
            meter.average_demand_kw, abs=0.001
        )
        assert telegram.values["peak_demand_month"] == pytest.approx(
            meter.peak_demand_kw, abs=0.001
        )


def test_detection() -> None:
    """The standard comes from the telegram's own lines."""
    assert detect_specification("\r\n".join(DSMR5)) is Specification.DSMR_5
    assert detect_specification("\r\n".join(DSMR4)) is Specification.DSMR_4
    assert detect_specification("\r\n".join(DSMR22)) is Specification.DSMR_2_2
    assert detect_specification("\r\n".join(BELGIUM)) is Specification.BELGIUM
    assert detect_specification("\r\n".join(LUXEMBOURG)) is Specification.LUXEMBOURG


def test_wrong_crc_rejected() -> None:
    """One changed digit and the CRC no longer matches: the whole telegram is rejected."""
    text = seal(DSMR5, checksum=True).replace("012345.678", "012345.679")
    with pytest.raises(TelegramChecksumError):
        parse_telegram(text)


@pytest.mark.parametrize(
    "cut",
    [
        lambda t: t[: len(t) // 2],  # cut off in the middle
        lambda t: t.rsplit("!", 1)[0] + "!\r\n",  # the CRC lost
        lambda t: t.rsplit("!", 1)[0] + "!12\r\n",  # half a CRC
        lambda t: t[t.index("1-3") :],  # no start
        lambda t: "",
    ],
)
def test_truncated_rejected(cut: object) -> None:
    """No start, no end or no CRC: rejected as truncated."""
    text = seal(DSMR5, checksum=True)
    with pytest.raises(TelegramTruncatedError):
        parse_telegram(cut(text))  # type: ignore[operator]


def test_bad_lines_skipped_good_kept() -> None:
    """A malformed known line is skipped and counted; unknown OBIS lines too; rest parsed."""
    lines = list(DSMR5)
    lines[lines.index("0-0:96.14.0(0002)")] = "0-0:96.14.0(00*0*2)"  # two units: unparsable
    lines.insert(6, "1-0:1.8.1x(garbage")  # no closing bracket
    lines.insert(7, "1-0:15.8.0(000001.000*kWh)")  # exists, but not in SMR 5
    lines[lines.index("0-1:24.2.1(260115090500W)(04321.987*m3)")] = "0-1:24.2.1(oops)"
    telegram = parse_telegram(seal(lines, checksum=True))
    assert "active_tariff" not in telegram.values
    assert telegram.values["energy_import_tariff_2"] == 9876.543
    assert telegram.skipped_lines >= 2
    assert telegram.unknown_lines >= 1
    assert telegram.gas is None


def test_line_ends_case_and_wrapping() -> None:
    """LF-only line ends, a lower-case CRC and a JSON-wrapped answer are all understood."""
    text = seal(DSMR5, checksum=True)
    lower = text[:-6] + text[-6:].lower()
    assert parse_telegram(lower).values["active_tariff"] == 2
    assert parse_telegram(text.replace("\r\n", "\n")).values["active_tariff"] == 2
    wrapped = json.dumps({"telegram": text})
    assert parse_telegram(extract_telegram_text(wrapped)).values["active_tariff"] == 2
    assert extract_telegram_text("not json {") == "not json {"


def test_implausible_values_unknown() -> None:
    """Values that cannot be real are unknown, not shown as a number."""
    lines = list(DSMR5)
    lines[lines.index("1-0:1.8.2(009876.543*kWh)")] = "1-0:1.8.2(9999999999.9*kWh)"
    lines[lines.index("1-0:2.8.1(000123.456*kWh)")] = "1-0:2.8.1(000123.456*MWh)"
    lines[lines.index("0-0:96.14.0(0002)")] = "0-0:96.14.0(0042)"
    telegram = parse_telegram(seal(lines, checksum=True))
    assert telegram.values["energy_import_tariff_2"] is None
    assert telegram.values["energy_export_tariff_1"] is None  # unknown unit
    assert telegram.values["active_tariff"] is None


def test_identifiers() -> None:
    """Hex-encoded ASCII is decoded; anything else stays as it is."""
    assert decode_identifier(hex_id("E0044007131650618")) == "E0044007131650618"
    assert decode_identifier("00000000000000") == "00000000000000"
    assert decode_identifier("ABC") == "ABC"


def test_table_is_documented() -> None:
    """Every field has an OBIS code and a description (the docs table reads them)."""
    keys = [field.key for field in TELEGRAM_FIELDS]
    assert len(keys) == len(set(keys))
    for field in TELEGRAM_FIELDS:
        assert field.obis
        assert field.description
