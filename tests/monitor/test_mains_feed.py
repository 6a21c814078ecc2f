"""The monitor as mains meter: signed per-phase grid currents, every sample, stale -> None."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.gridmate.kinds import mains_feed_of

from .conftest import Clock, Feeder, setup_monitor


def _grid_currents(payload: dict[str, object], ct_inputs: tuple[int, ...]) -> list[float]:
    """Signed grid currents straight from the payload (0.1 A, sign of the power)."""
    channels = {e["ctInput"]: e for e in payload["channelPowers"]}  # type: ignore[attr-defined]
    out = []
    for ct in ct_inputs:
        entry = channels[ct]
        amps = entry["current"] / 10
        out.append(-amps if entry["power"] < 0 else amps)
    return out


async def test_mains_feed_samples(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Import is +, export is -, each realtime message is a sample, silence ends the feed."""
    entry = await setup_monitor(hass, feeder)
    feed = mains_feed_of(entry)
    assert feed is not None
    assert feed.name == entry.title
    calls: list[object] = []
    unsubscribe = feed.subscribe(lambda: calls.append(feed.latest()))
    payload = feeder.realtime(dt=0.0)
    await hass.async_block_till_done()
    sample = feed.latest()
    assert sample is not None
    assert list(sample.currents) == pytest.approx(_grid_currents(payload, (0, 1, 2)))
    assert all(current > 0 for current in sample.currents)  # importing at noon with the EV on
    assert sample.measured_at == clock.t
    assert sample.power_w == sum(payload["channelPowers"][i]["power"] for i in range(3))
    feeder.model.hour = 14.5  # EV done, sun strong: exporting
    payload = feeder.realtime(dt=0.0)
    await hass.async_block_till_done()
    sample = feed.latest()
    assert sample is not None
    assert list(sample.currents) == pytest.approx(_grid_currents(payload, (0, 1, 2)))
    assert all(current < 0 for current in sample.currents)
    feeder.realtime(dt=0.0)  # the same values again are still a new sample
    await hass.async_block_till_done()
    assert len(calls) == 3
    await clock.advance(11)
    assert feed.latest() is None
    assert calls[-1] is None  # told when it went stale
    unsubscribe()
    feeder.realtime()
    await hass.async_block_till_done()
    assert len(calls) == 4
