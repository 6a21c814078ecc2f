"""The simulator speaks the gateway's units (written from the public sources, not our table)."""

from __future__ import annotations

import pytest

from simulator.infinity import InfinitySimulator


def test_units_on_the_wire() -> None:
    """Energy counters grow in joules, currents are in 0.1 A, phases count from 0."""
    sim = InfinitySimulator("127.0.0.1", 1, hour=12.25)
    before = {e["ctInput"]: e for e in sim.realtime_payload(0.0)["channelPowers"]}
    after = {e["ctInput"]: e for e in sim.realtime_payload(3600.0)["channelPowers"]}
    kitchen_before, kitchen = before[12], after[12]
    assert kitchen["power"] == 1800
    assert kitchen["importEnergy"] - kitchen_before["importEnergy"] == 1800 * 3600  # J in 1 h
    assert 80 <= kitchen["current"] <= 84  # 1800 W / (230 V x PF 0.95) = 8.2 A, as tenths
    assert kitchen["phaseId"] == 0
    assert {v["phaseId"] for v in sim.realtime_payload(0.0)["voltages"]} == {0, 1, 2}


@pytest.mark.parametrize(
    ("variant", "key"), [("ct_input", "ctInput"), ("publish_index", "publishIndex")]
)
def test_variants_key_channels_differently(variant: str, key: str) -> None:
    """Older firmware keys by CT input, newer by publish index; the two numberings differ."""
    sim = InfinitySimulator("127.0.0.1", 1, variant=variant)
    entries = sim.realtime_payload(0.0)["channelPowers"]
    assert all(key in entry for entry in entries)
    config = sim.channel_config_payload()
    if variant == "ct_input":
        assert len(config["inputChannels"]) == 16
    else:
        indexes = [m["publishIndex"] for m in config["dataProcessingSpecification"]["measurements"]]
        assert indexes[:14] != list(range(14))
