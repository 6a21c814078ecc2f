"""MeterValues parsing: units, phases, garbage and ordering."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.gridmate.devices.chargers.ocpp.meter_values import (
    Measurements,
    merge_meter_values,
    parse_timestamp,
)


def _element(*samples: dict[str, Any], timestamp: str = "2025-06-01T12:00:00Z") -> dict[str, Any]:
    return {"timestamp": timestamp, "sampled_value": list(samples)}


def _parse(*elements: dict[str, Any]) -> tuple[Measurements, int]:
    return merge_meter_values(Measurements(), elements)


def test_units_and_defaults() -> None:
    """No measurand means the energy register in Wh; kWh and kW are scaled."""
    meas, skipped = _parse(
        _element(
            {"value": "1500"},
            {"value": "7.4", "measurand": "Power.Active.Import", "unit": "kW"},
            {"value": "88", "measurand": "SoC", "unit": "Percent", "location": "EV"},
            {"value": "313.15", "measurand": "Temperature", "unit": "K", "location": "Body"},
            {"value": "16", "measurand": "Current.Offered"},
        )
    )
    assert skipped == 0
    assert meas.energy_wh == 1500.0
    assert meas.power_w == 7400.0
    assert meas.soc_pct == 88.0
    assert meas.temperature_c == pytest.approx(40.0)
    assert meas.current_offered == 16.0
    assert meas.sampled_at is not None
    kwh, _ = _parse(_element({"value": "12.345", "unit": "kWh"}))
    assert kwh.energy_wh == pytest.approx(12345.0)


def test_phases() -> None:
    """Per-phase currents and voltages; a power sum when only phases are sent."""
    meas, _ = _parse(
        _element(
            *(
                {"value": str(10 + n), "measurand": "Current.Import", "phase": f"L{n}"}
                for n in (1, 2, 3)
            ),
            *(
                {"value": "231", "measurand": "Voltage", "phase": f"L{n}-N", "unit": "V"}
                for n in (1, 2, 3)
            ),
            *(
                {"value": "2000", "measurand": "Power.Active.Import", "phase": f"L{n}"}
                for n in (1, 2, 3)
            ),
        )
    )
    assert meas.currents == (11.0, 12.0, 13.0)
    assert meas.voltages == (231.0, 231.0, 231.0)
    assert meas.power_w == 6000.0


def test_single_phase_and_line_to_line() -> None:
    """A current without phase is L1; line-to-line voltages only when nothing else comes."""
    meas, _ = _parse(
        _element(
            {"value": "9.5", "measurand": "Current.Import"},
            {"value": "400", "measurand": "Voltage", "phase": "L1-L2"},
            {"value": "400", "measurand": "Voltage", "phase": "L2-L3"},
        )
    )
    assert meas.currents == (9.5, None, None)
    assert meas.voltages[0] == pytest.approx(230.94, abs=0.01)
    assert meas.voltages[2] is None


def test_total_beats_phase_sum() -> None:
    """A total power wins over the sum of the phases."""
    meas, _ = _parse(
        _element(
            {"value": "100", "measurand": "Power.Active.Import", "phase": "L1"},
            {"value": "5000", "measurand": "Power.Active.Import"},
        )
    )
    assert meas.power_w == 5000.0


@pytest.mark.parametrize(
    "sample",
    [
        {"value": "nan", "measurand": "Power.Active.Import"},
        {"value": "inf"},
        {"value": "", "measurand": "Current.Import"},
        {"value": "12 A", "measurand": "Current.Import"},
        {"value": "100", "measurand": "Power.Active.Import", "unit": "A"},  # wrong unit
        {"value": "100", "measurand": "Energy.Active.Import.Register", "format": "SignedData"},
        {"value": "100", "measurand": "Current.Import", "location": "Inlet"},
        {"value": "120", "measurand": "SoC"},  # impossible state of charge
        {"value": "100", "measurand": "Current.Import", "phase": "N"},
        {"value": "100", "measurand": "RPM"},
        "not a dict",
    ],
)
def test_garbage_is_skipped(sample: Any) -> None:
    """Nothing unreadable or out of range turns into a number."""
    before = Measurements(power_w=1.0, energy_wh=2.0, currents=(3.0, 3.0, 3.0), soc_pct=50.0)
    meas, skipped = merge_meter_values(before, [_element(sample)])
    assert (meas.power_w, meas.energy_wh, meas.currents, meas.soc_pct) == (
        1.0,
        2.0,
        (3.0, 3.0, 3.0),
        50.0,
    )
    assert skipped in (0, 1)


def test_latest_element_wins_within_a_message() -> None:
    """Elements are applied in timestamp order, whatever order they came in."""
    meas, _ = _parse(
        _element({"value": "300"}, timestamp="2025-06-01T12:02:00Z"),
        _element({"value": "100"}, timestamp="2025-06-01T12:00:00Z"),
        _element({"value": "200"}, timestamp="2025-06-01T12:01:00Z"),
    )
    assert meas.energy_wh == 300.0


def test_clock_jumping_back_does_not_freeze_values() -> None:
    """A later message with an older timestamp (charger clock reset) still updates."""
    first, _ = _parse(_element({"value": "500"}, timestamp="2030-01-01T00:00:00Z"))
    second, _ = merge_meter_values(
        first, [_element({"value": "600"}, timestamp="1970-01-01T00:00:10Z")]
    )
    assert second.energy_wh == 600.0


def test_camel_case_and_missing_lists() -> None:
    """sampledValue spelled the wire way works; a missing list is simply nothing."""
    meas, _ = merge_meter_values(
        Measurements(), [{"timestamp": "x", "sampledValue": [{"value": "42"}]}, {"timestamp": "y"}]
    )
    assert meas.energy_wh == 42.0
    assert meas.sampled_at is None


def test_parse_timestamp() -> None:
    """ISO 8601 with Z or an offset; naive or garbage is None."""
    assert parse_timestamp("2025-06-01T12:00:00Z") is not None
    assert parse_timestamp("2025-06-01T12:00:00.123+02:00") is not None
    assert parse_timestamp("2025-06-01T12:00:00") is None
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(17) is None


@given(
    st.lists(
        st.fixed_dictionaries(
            {"value": st.one_of(st.text(max_size=8), st.floats().map(str))},
            optional={
                "measurand": st.sampled_from(
                    ["Current.Import", "Voltage", "Power.Active.Import", "SoC", "Bogus"]
                ),
                "phase": st.sampled_from(["L1", "L2", "L3", "N", "L1-N", "L1-L2", "bad"]),
                "unit": st.sampled_from(["W", "kW", "A", "V", "Wh", "Percent", "??"]),
            },
        ),
        max_size=12,
    )
)
def test_never_crashes_and_never_gives_non_finite(samples: list[dict[str, Any]]) -> None:
    """Any mix of samples parses to finite numbers or None."""
    meas, _ = merge_meter_values(Measurements(), [_element(*samples)])
    values = [meas.energy_wh, meas.power_w, meas.soc_pct, *meas.currents, *meas.voltages]
    for value in values:
        assert value is None or math.isfinite(value)
