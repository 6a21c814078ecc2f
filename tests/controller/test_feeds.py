"""EntityMainsFeed: grid currents from other integrations' sensors, on every report."""

from __future__ import annotations

import math
import time
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest

from custom_components.gridmate.feeds import EntityMainsFeed, MainsSample, signed_current

A = {"unit_of_measurement": "A"}
W = {"unit_of_measurement": "W"}
V = {"unit_of_measurement": "V"}
CURRENTS = ("sensor.i1", "sensor.i2", "sensor.i3")
POWERS = ("sensor.p1", "sensor.p2", "sensor.p3")


def _set(
    hass: HomeAssistant,
    values: dict[str, Any],
    attrs: dict[str, str] | None = None,
    *,
    timestamp: float | None = None,
) -> None:
    for entity_id, value in values.items():
        hass.states.async_set(entity_id, str(value), attrs, timestamp=timestamp)


def _currents(sample: MainsSample | None) -> tuple[float | None, ...]:
    assert sample is not None
    return tuple(None if c is None else round(c, 3) for c in sample.currents)


async def test_three_signed_currents(hass: HomeAssistant) -> None:
    """Signed current sensors pass through; a negative phase exports."""
    _set(hass, dict(zip(CURRENTS, (5.5, -3.25, 0), strict=True)), A)
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    calls: list[int] = []
    unsub = feed.subscribe(lambda: calls.append(1))
    sample = feed.latest()
    assert _currents(sample) == (5.5, -3.25, 0.0)
    assert sample is not None
    assert sample.complete
    assert sample.power_w is None
    assert calls == []  # seeding is not a new sample
    unsub()


async def test_unsigned_currents_take_the_sign_of_their_power(hass: HomeAssistant) -> None:
    """Meters that report currents unsigned: the phase's active power gives the direction."""
    _set(hass, dict(zip(CURRENTS, (4, 6, 2), strict=True)), A)
    _set(hass, dict(zip(POWERS, (920, -1380, 0), strict=True)), W)
    feed = EntityMainsFeed(hass, current_entities=CURRENTS, power_entities=POWERS)
    unsub = feed.subscribe(lambda: None)
    sample = feed.latest()
    assert _currents(sample) == (4.0, -6.0, 2.0)
    assert sample is not None
    assert sample.power_w == pytest.approx(-460)
    # a power sensor going unknown leaves that current as measured (unsigned = import: the
    # safe side for the fuse) and the total power unknown
    hass.states.async_set("sensor.p2", STATE_UNKNOWN, W)
    assert _currents(feed.latest()) == (4.0, 6.0, 2.0)
    assert feed.latest().power_w is None  # type: ignore[union-attr]
    unsub()


async def test_units_are_converted(hass: HomeAssistant) -> None:
    """mA and kW are scaled; a unit that is not electrical gives unknown, not a wrong number."""
    hass.states.async_set("sensor.i1", "2500", {"unit_of_measurement": "mA"})
    hass.states.async_set("sensor.i2", "7", {})  # no unit: taken as amperes
    hass.states.async_set("sensor.i3", "7", {"unit_of_measurement": "%"})
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (2.5, 7.0, None)
    assert not feed.latest().complete  # type: ignore[union-attr]
    unsub()

    _set(
        hass, {"sensor.p1": 2.3, "sensor.p2": -0.46, "sensor.p3": 0}, {"unit_of_measurement": "kW"}
    )
    feed = EntityMainsFeed(hass, power_entities=POWERS)
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (10.0, -2.0, 0.0)
    assert feed.latest().power_w == pytest.approx(1840)  # type: ignore[union-attr]
    unsub()


async def test_power_sensors_with_fixed_or_measured_voltage(hass: HomeAssistant) -> None:
    """P / U with the configured voltage, one voltage sensor, or one per phase."""
    _set(hass, dict(zip(POWERS, (2300, -1150, 460), strict=True)), W)
    feed = EntityMainsFeed(hass, power_entities=POWERS, voltage=230)
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (10.0, -5.0, 2.0)
    unsub()

    hass.states.async_set("sensor.u", "250", V)
    feed = EntityMainsFeed(hass, power_entities=POWERS, voltage_entities=["sensor.u"])
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (9.2, -4.6, 1.84)
    unsub()

    _set(hass, {"sensor.u1": 230, "sensor.u2": 0.25, "sensor.u3": 0}, V)
    hass.states.async_set("sensor.u2", "0.25", {"unit_of_measurement": "kV"})
    feed = EntityMainsFeed(
        hass, power_entities=POWERS, voltage_entities=["sensor.u1", "sensor.u2", "sensor.u3"]
    )
    unsub = feed.subscribe(lambda: None)
    # a phase whose voltage reads 0 V (DSMR 4.2 meters send none) cannot be derived
    assert _currents(feed.latest()) == (10.0, -4.6, None)
    unsub()


async def test_single_phase_installation(hass: HomeAssistant) -> None:
    """One sensor: L1 carries it, L2 and L3 carry nothing."""
    hass.states.async_set("sensor.i1", "12.5", A)
    feed = EntityMainsFeed(hass, current_entities=["sensor.i1"])
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (12.5, 0.0, 0.0)
    unsub()
    hass.states.async_set("sensor.p1", "-2300", W)
    feed = EntityMainsFeed(hass, power_entities=["sensor.p1"], voltage=230)
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (-10.0, 0.0, 0.0)
    unsub()


@pytest.mark.parametrize(
    "bad", [STATE_UNKNOWN, STATE_UNAVAILABLE, "twelve", "nan", "inf", "-inf", ""]
)
async def test_garbage_makes_the_phase_unknown(hass: HomeAssistant, bad: str) -> None:
    """Unknown, unavailable, text, NaN and infinity are never turned into a current."""
    _set(hass, dict(zip(CURRENTS, (1, 2, 3), strict=True)), A)
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    calls: list[int] = []
    unsub = feed.subscribe(lambda: calls.append(1))
    hass.states.async_set("sensor.i2", bad, A)
    assert calls == [1]  # going bad is news too: the consumer must react
    assert _currents(feed.latest()) == (1.0, None, 3.0)
    assert not feed.latest().complete  # type: ignore[union-attr]
    unsub()


async def test_every_report_is_a_sample(hass: HomeAssistant) -> None:
    """Same-value reports (state_reported) count: a steady meter is not a silent one."""
    _set(hass, dict(zip(CURRENTS, (1, 2, 3), strict=True)), A)
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    calls: list[float] = []
    unsub = feed.subscribe(lambda: calls.append(feed.latest().measured_at))  # type: ignore[union-attr]
    seeded = feed.latest()
    assert seeded is not None
    for _ in range(3):
        _set(hass, dict(zip(CURRENTS, (1, 2, 3), strict=True)), A)  # unchanged values
    assert len(calls) == 9
    assert calls == sorted(calls)
    assert calls[-1] >= seeded.measured_at
    hass.states.async_set("sensor.i1", "1.5", A)  # a change
    assert len(calls) == 10
    assert _currents(feed.latest()) == (1.5, 2.0, 3.0)
    # attribute-only changes are state changes too
    hass.states.async_set("sensor.i1", "1.5", {**A, "friendly_name": "L1"})
    assert len(calls) == 11
    unsub()
    hass.states.async_set("sensor.i1", "9", A)
    assert len(calls) == 11  # unsubscribed: nothing tracked any more


async def test_sample_is_as_old_as_its_quietest_sensor(hass: HomeAssistant) -> None:
    """Seeded values keep their age; a phase sensor gone quiet ages every new sample."""
    long_ago = time.time() - 120
    _set(hass, dict(zip(CURRENTS, (1, 2, 3), strict=True)), A, timestamp=long_ago)
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    unsub = feed.subscribe(lambda: None)
    seeded = feed.latest()
    assert seeded is not None
    assert time.monotonic() - seeded.measured_at == pytest.approx(120, abs=2)

    # L1 and L2 keep reporting, L3 does not: the sample stays two minutes old
    _set(hass, {"sensor.i1": 1, "sensor.i2": 2}, A)
    assert time.monotonic() - feed.latest().measured_at == pytest.approx(120, abs=2)  # type: ignore[union-attr]
    hass.states.async_set("sensor.i3", "3", A)
    assert time.monotonic() - feed.latest().measured_at < 1  # type: ignore[union-attr]
    unsub()


async def test_voltage_sensors_do_not_decide_the_age(hass: HomeAssistant) -> None:
    """A voltage sensor that rarely reports only scales; it cannot make the feed stale."""
    hass.states.async_set("sensor.u", "230", V, timestamp=time.time() - 600)
    _set(hass, dict(zip(POWERS, (230, 230, 230), strict=True)), W)
    feed = EntityMainsFeed(hass, power_entities=POWERS, voltage_entities=["sensor.u"])
    unsub = feed.subscribe(lambda: None)
    assert time.monotonic() - feed.latest().measured_at < 1  # type: ignore[union-attr]
    unsub()


async def test_missing_entities(hass: HomeAssistant) -> None:
    """No state yet: no sample; the first report makes one (with the rest unknown)."""
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    calls: list[int] = []
    unsub = feed.subscribe(lambda: calls.append(1))
    assert feed.latest() is None
    hass.states.async_set("sensor.i1", "4", A)
    assert calls == [1]
    assert _currents(feed.latest()) == (4.0, None, None)
    hass.states.async_remove("sensor.i1")
    assert calls == [1, 1]
    assert _currents(feed.latest()) == (None, None, None)
    unsub()


async def test_listeners_share_one_tracker(hass: HomeAssistant) -> None:
    """Two listeners, removed in any order (twice is harmless); a new subscriber re-seeds."""
    _set(hass, dict(zip(CURRENTS, (1, 2, 3), strict=True)), A)
    feed = EntityMainsFeed(hass, current_entities=CURRENTS)
    first: list[int] = []
    second: list[int] = []
    unsub_first = feed.subscribe(lambda: first.append(1))
    unsub_second = feed.subscribe(lambda: second.append(1))
    hass.states.async_set("sensor.i1", "5", A)
    assert (first, second) == ([1], [1])
    unsub_first()
    unsub_first()
    hass.states.async_set("sensor.i1", "6", A)
    assert (first, second) == ([1], [1, 1])
    unsub_second()
    hass.states.async_set("sensor.i1", "7", A)
    assert (first, second) == ([1], [1, 1])
    unsub = feed.subscribe(lambda: None)
    assert _currents(feed.latest()) == (7.0, 2.0, 3.0)
    unsub()


async def test_name_and_entities(hass: HomeAssistant) -> None:
    """The name lists the measuring sensors; entity_ids every sensor read."""
    feed = EntityMainsFeed(hass, power_entities=POWERS, voltage_entities=["sensor.u"])
    assert feed.name == "sensor.p1, sensor.p2, sensor.p3"
    assert feed.entity_ids == (*POWERS, "sensor.u")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"current_entities": CURRENTS[:2]},
        {"current_entities": CURRENTS, "power_entities": POWERS[:1]},
        {"current_entities": CURRENTS, "voltage_entities": ["sensor.u"]},
        {"power_entities": POWERS[:2]},
        {"power_entities": POWERS, "voltage_entities": ["sensor.u1", "sensor.u2"]},
        {"power_entities": POWERS, "voltage": 0},
        {"power_entities": POWERS, "voltage": math.nan},
        {"current_entities": ("sensor.i1", "sensor.i1", "sensor.i3")},
    ],
)
async def test_impossible_combinations_are_refused(
    hass: HomeAssistant, kwargs: dict[str, Any]
) -> None:
    """A feed that cannot describe an installation is a ValueError, not a silent guess."""
    with pytest.raises(ValueError, match=r"sensor|voltage"):
        EntityMainsFeed(hass, **kwargs)


@pytest.mark.parametrize(
    ("current", "power", "expected"),
    [
        (5.0, 1000.0, 5.0),
        (5.0, -1000.0, -5.0),
        (-5.0, 1000.0, 5.0),
        (-5.0, -1000.0, -5.0),
        (5.0, 0.0, 5.0),
        (-5.0, None, -5.0),
        (None, 1000.0, None),
    ],
)
def test_signed_current(current: float | None, power: float | None, expected: float | None) -> None:
    """The power's sign wins; without a power the current is kept as measured."""
    assert signed_current(current, power) == expected
