"""Totals, signs and mains currents derived from a layout and a realtime message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from custom_components.gridmate.devices.infinity import derive, parser


def _layout(*channels: tuple[int, str, int, str, str]) -> Any:
    return parser.parse_channel_config(
        json.dumps(
            {
                "inputChannels": [
                    {"ctInput": i, "name": n, "phase": p, "inputChannelType": t,
                     "inputChannelConnection": c}
                    for i, n, p, t, c in channels
                ]
            }
        )
    )  # fmt: skip


def _rt(*readings: tuple[int, int, float, int]) -> Any:
    return parser.parse_realtime(
        json.dumps(
            {
                "channelPowers": [
                    {"ctInput": i, "power": w, "current": round(a * 10), "phaseId": p,
                     "importEnergy": 3_600_000, "exportEnergy": 0}
                    for i, w, a, p in readings
                ]
            }
        )
    )  # fmt: skip


THREE_PHASE = _layout(
    (0, "Grid L1", 0, "CONSUMPTION", "GRID"),
    (1, "Grid L2", 1, "CONSUMPTION", "GRID"),
    (2, "Grid L3", 2, "CONSUMPTION", "GRID"),
    (3, "Solar", 0, "PRODUCTION", "GRID"),
)


def test_totals_and_signed_mains_currents() -> None:
    """Exporting on L1 gives a negative L1 current; home = grid + solar."""
    rt = _rt((0, -1150, 5.0, 0), (1, 460, 2.0, 1), (2, 230, 1.0, 2), (3, 3000, 13.0, 0))
    totals = derive.totals(THREE_PHASE, rt)
    assert totals.grid_power_w == -460
    assert totals.solar_power_w == 3000
    assert totals.home_power_w == 2540
    assert totals.grid_import_kwh == pytest.approx(3.0)
    assert totals.solar_energy_kwh == pytest.approx(1.0)
    assert totals.battery_power_w is None
    assert derive.mains_currents(THREE_PHASE, rt) == (-5.0, 2.0, 1.0)


def test_missing_channel_makes_sums_unknown() -> None:
    """A partial sum would be a wrong number: a missing channel makes the total unknown."""
    rt = _rt((0, 100, 1.0, 0), (1, 100, 1.0, 1), (3, 50, 0.2, 0))
    totals = derive.totals(THREE_PHASE, rt)
    assert totals.grid_power_w is None
    assert totals.home_power_w is None
    assert derive.mains_currents(THREE_PHASE, rt) == (1.0, 1.0, None)


def test_single_phase_grid_and_no_grid() -> None:
    """A one-channel grid load is a single-phase connection; without grid there is no feed."""
    single = _layout((0, "Grid", 0, "CONSUMPTION", "GRID"))
    assert derive.mains_currents(single, _rt((0, 690, 3.0, 0))) == (3.0, 0.0, 0.0)
    nogrid = _layout((0, "Boiler", 0, "CONSUMPTION", "SUBMETER"))
    assert derive.mains_currents(nogrid, _rt((0, 690, 3.0, 0))) is None
    assert derive.totals(nogrid, _rt((0, 690, 3.0, 0))).home_power_w is None
