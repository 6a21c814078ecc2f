"""A meter's currents as the controller sees them: the mains feed and the EV/circuit feeds."""

from __future__ import annotations

import time

from homeassistant.core import HomeAssistant
import pytest

from custom_components.gridmate.devices.meters.profiles import PROFILES_BY_ID, Measurand
from custom_components.gridmate.kinds import mains_feed_of
from custom_components.gridmate.meter import meter_feed
from simulator.meters import Mode, SimulatedMeter, demo_values

from .conftest import TcpServerFactory, meter_entry, poll, setup_entry, simulated, tcp_data


async def test_mains_meter_feeds_signed_currents_on_every_poll(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """Unsigned currents take the phase power's sign; every poll notifies, even unchanged."""
    sdm = PROFILES_BY_ID["eastron_sdm630"]  # currents are magnitudes on the wire
    values = demo_values(sdm)
    values[Measurand.POWER_L2] = -800.0  # L2 exports (solar on L2), L1/L3 import
    server = await tcp_server({11: SimulatedMeter(profile=sdm, values=values)})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, sdm.id)))
    feed = mains_feed_of(entry)
    assert feed is not None
    assert feed.name == "Meter 11"
    before = time.monotonic()
    calls: list[None] = []
    unsubscribe = feed.subscribe(lambda: calls.append(None))
    await poll(hass)
    await poll(hass)
    sample = feed.latest()
    assert sample is not None
    assert sample.currents == pytest.approx((7.25, -3.5, 1.75))
    assert sample.power_w == pytest.approx(values[Measurand.POWER])
    assert before <= sample.measured_at <= time.monotonic()
    assert len(calls) == 2  # same values twice: still two samples
    unsubscribe()


async def test_inverted_mains_meter_feeds_export_as_negative(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    server = await tcp_server({11: simulated("cg_em340")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "cg_em340"), inverted=True))
    sample = mains_feed_of(entry).latest()
    assert sample is not None
    assert sample.currents == pytest.approx((-7.25, -3.5, -1.75))


async def test_feed_is_empty_while_the_meter_is_unavailable(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """A dead meter yields no sample (the controller then falls back to its safe current)."""
    server = await tcp_server({11: simulated("eastron_sdm630")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    feed = mains_feed_of(entry)
    first = feed.latest()
    assert first is not None
    server.meters[11].mode = Mode.SILENT
    await poll(hass)
    kept = feed.latest()  # a tolerated failure: the old sample, with its old time
    assert kept is not None
    assert kept.measured_at == first.measured_at
    for _ in range(3):
        await poll(hass, 5)
    assert feed.latest() is None


async def test_only_a_mains_meter_is_a_mains_feed(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """EV and circuit meters expose the same feed through `meter_feed`, not as mains."""
    server = await tcp_server({11: simulated("eastron_sdm230"), 12: simulated("cg_em340")})
    ev = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm230"), role="ev"))
    circuit = await setup_entry(hass, meter_entry(tcp_data(server, "cg_em340", 12), role="circuit"))
    assert mains_feed_of(ev) is None
    assert mains_feed_of(circuit) is None
    ev_sample = meter_feed(ev).latest()
    assert ev_sample is not None
    assert ev_sample.currents == pytest.approx((7.25, 0.0, 0.0))  # one phase: L2/L3 carry 0
    assert meter_feed(circuit).latest().currents == pytest.approx((7.25, 3.5, 1.75))
