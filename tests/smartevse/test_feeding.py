"""Feeding the SmartEVSE its mains currents: from a Smart Connect, from any sensors, over MQTT.

The charger (simulated firmware) stops charging in Smart mode 11 s after the last mains data;
Gridmate must keep the data coming while its source is fresh and stop when it is not.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import itertools
import time
from typing import Any

from homeassistant.const import UnitOfElectricCurrent
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.smartevse.const import (
    CONF_MAINS_ENTRY,
    CONF_MAINS_L1,
    CONF_MAINS_L2,
    CONF_MAINS_L3,
    CONF_MAINS_MAX_AGE,
    CONF_MAINS_SOURCE,
    CONF_MQTT_PREFIX,
)
from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.kinds import mains_feed_of
from simulator.smart_connect import SmartConnectSimulator
from simulator.smartevse import SmartEvseSimulator
from tests.conftest import Broker, mqtt_settled
from tests.helpers import async_add_and_set_up
from tests.smart_connect.conftest import entry_data as smart_connect_data

from .conftest import entity, entry_data, poll

SENSORS = ("sensor.grid_l1", "sensor.grid_l2", "sensor.grid_l3")


def _get(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    return state.state if state else ""


@pytest.fixture
async def smart_connect(socket_enabled: None) -> AsyncGenerator[SmartConnectSimulator]:
    """A Smart Connect on the grid connection: 2300 W import on L1, 690 W export on L2."""
    sim = SmartConnectSimulator("full")
    sim.pin_power(2300.0, -690.0, 460.0)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def smart_connect_entry(
    hass: HomeAssistant, smart_connect: SmartConnectSimulator
) -> MockConfigEntry:
    """The Smart Connect's Gridmate entry, loaded."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smart Connect",
        unique_id=smart_connect.serial,
        data=smart_connect_data(smart_connect),
    )
    assert await async_add_and_set_up(hass, entry)
    return entry


async def _load(hass: HomeAssistant, sim: SmartEvseSimulator, **options: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SmartEVSE 51446",
        unique_id="smartevse_51446",
        data=entry_data(sim),
        options={CONF_MAINS_MAX_AGE: 15, **options},
    )
    assert await async_add_and_set_up(hass, entry)
    return entry


def _charging_in_smart_mode(sim: SmartEvseSimulator) -> None:
    sim.model.set_mode(1)
    sim.model.current_max = 32
    sim.model.current_max_circuit = 32
    sim.plug_in()


async def test_smart_connect_is_the_chargers_mains_meter(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    smart_connect: SmartConnectSimulator,
    smart_connect_entry: MockConfigEntry,
) -> None:
    """The Smart Connect's signed currents reach the charger, which charges in Smart mode."""
    _charging_in_smart_mode(simulator)
    entry = await _load(
        hass,
        simulator,
        **{CONF_MAINS_SOURCE: "entry", CONF_MAINS_ENTRY: smart_connect_entry.entry_id},
    )
    await poll(hass, 2)  # the feeding timer
    sample = mains_feed_of(smart_connect_entry).latest()  # type: ignore[union-attr]
    assert sample is not None
    sent = tuple(round(current * 10) for current in sample.currents)  # type: ignore[operator]
    assert sent[0] > 90
    assert sent[1] < -25  # export on L2 stays negative
    assert simulator.http.mains_posts[-1] == {
        "L1": str(sent[0]),
        "L2": str(sent[1]),
        "L3": str(sent[2]),
    }
    assert simulator.mains_currents == tuple(value / 10 for value in sent)
    assert _get(hass, entity("sensor", "mains_data_feed")) == "active"
    for _ in range(30):  # 30 firmware seconds, data kept coming: no timeout
        simulator.advance(1)
        await poll(hass, 2)
    await poll(hass, 5)
    assert simulator.error == "None"
    assert simulator.state == "Charging"
    assert _get(hass, entity("sensor", "mains_current_l2")) == str(sent[1] / 10)
    feeder = entry.runtime_data.feeder
    assert feeder is not None
    assert feeder.pushes >= 30


async def test_pushes_at_least_every_five_seconds(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    smart_connect_entry: MockConfigEntry,
) -> None:
    """Real time: with a steady meter the charger still hears from Gridmate every ~2 s."""
    await _load(
        hass,
        simulator,
        **{CONF_MAINS_SOURCE: "entry", CONF_MAINS_ENTRY: smart_connect_entry.entry_id},
    )
    start = len(simulator.http.mains_posts)
    stamps: list[float] = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 7.0:
        if len(simulator.http.mains_posts) > start + len(stamps):
            stamps.append(time.monotonic())
        await asyncio.sleep(0.02)
    assert len(stamps) >= 3
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert max(gaps) < 5.0


async def test_stale_source_stops_feeding_and_the_charger_fails_safe(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    smart_connect: SmartConnectSimulator,
    smart_connect_entry: MockConfigEntry,
) -> None:
    """The Smart Connect goes silent: pushing stops, the charger errors and stops charging."""
    _charging_in_smart_mode(simulator)
    entry = await _load(
        hass,
        simulator,
        **{CONF_MAINS_SOURCE: "entry", CONF_MAINS_ENTRY: smart_connect_entry.entry_id},
    )
    await poll(hass, 2)
    simulator.advance(3)
    assert simulator.state == "Charging"
    await smart_connect.stop_modbus()
    for seconds in (10, 20, 30):  # the Smart Connect's back-off, until it gives up
        await poll(hass, seconds)
    assert not smart_connect_entry.runtime_data.meter.last_update_success
    posts = len(simulator.http.mains_posts)
    await poll(hass, 2)
    await poll(hass, 2)
    assert len(simulator.http.mains_posts) == posts
    assert _get(hass, entity("sensor", "mains_data_feed")) == "stale"
    simulator.advance(12)
    await poll(hass, 5)
    assert simulator.error == "Communication Error"
    assert _get(hass, entity("sensor", "error")) == "communication"
    assert _get(hass, entity("binary_sensor", "charging")) == "off"
    status = entry.runtime_data.driver.status
    assert status is not None
    assert status.error_code == "communication"
    # The meter returns: feeding resumes and the charger recovers on its own.
    await smart_connect.start_modbus()
    await poll(hass, 60)
    await poll(hass, 2)
    assert len(simulator.http.mains_posts) > posts
    simulator.advance(3)
    await poll(hass, 5)
    assert simulator.error == "None"
    assert _get(hass, entity("sensor", "mains_data_feed")) == "active"


def _sensor(hass: HomeAssistant, entity_id: str, value: str) -> None:
    hass.states.async_set(
        entity_id,
        value,
        {"unit_of_measurement": UnitOfElectricCurrent.AMPERE, "device_class": "current"},
        force_update=True,
    )


async def test_any_current_sensors(hass: HomeAssistant, simulator: SmartEvseSimulator) -> None:
    """Three sensors of another integration; an unavailable phase stops the feeding."""
    for entity_id, value in zip(SENSORS, ("7.5", "-2.25", "0"), strict=True):
        _sensor(hass, entity_id, value)
    entry = await _load(
        hass,
        simulator,
        **{
            CONF_MAINS_SOURCE: "sensors",
            CONF_MAINS_L1: SENSORS[0],
            CONF_MAINS_L2: SENSORS[1],
            CONF_MAINS_L3: SENSORS[2],
        },
    )
    await poll(hass, 2)
    assert simulator.mains_currents == (7.5, -2.2, 0.0)  # -22.5 dA rounds to even
    _sensor(hass, SENSORS[0], "12.0")  # a new sample is pushed at once
    await hass.async_block_till_done(wait_background_tasks=True)
    feeder = entry.runtime_data.feeder
    assert feeder is not None
    feeder.last_push_at = None  # (the 1 s spacing is real time; skip it)
    _sensor(hass, SENSORS[0], "12.0")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.mains_currents[0] == 12.0
    posts = len(simulator.http.mains_posts)
    _sensor(hass, SENSORS[1], "unavailable")
    await poll(hass, 2)
    await poll(hass, 2)
    assert len(simulator.http.mains_posts) == posts
    assert feeder.status == "stale"


async def test_one_sensor_is_a_single_phase_connection(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """L1 only: L2 and L3 are sent as 0."""
    _sensor(hass, SENSORS[0], "9.1")
    await _load(hass, simulator, **{CONF_MAINS_SOURCE: "sensors", CONF_MAINS_L1: SENSORS[0]})
    await poll(hass, 2)
    assert simulator.mains_currents == (9.1, 0.0, 0.0)


async def test_old_samples_are_not_pushed(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """A sample older than the maximum age is stale even if the sensor still shows it."""
    for entity_id in SENSORS:
        _sensor(hass, entity_id, "3.0")
    entry = await _load(
        hass,
        simulator,
        **{
            CONF_MAINS_SOURCE: "sensors",
            CONF_MAINS_L1: SENSORS[0],
            CONF_MAINS_L2: SENSORS[1],
            CONF_MAINS_L3: SENSORS[2],
            CONF_MAINS_MAX_AGE: 15,
        },
    )
    await poll(hass, 2)
    feeder = entry.runtime_data.feeder
    assert feeder is not None
    assert feeder.status == "active"
    posts = len(simulator.http.mains_posts)
    feeder._clock = lambda: time.monotonic() + 16  # the sensors last reported 16 s ago
    await poll(hass, 2)
    assert len(simulator.http.mains_posts) == posts
    assert feeder.status == "stale"


async def test_charger_without_api_mains_meter_rejects(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """The charger ignores API data unless MAINS MET is API: reported, and fixed by fixing it."""
    _sensor(hass, SENSORS[0], "4.0")
    entry = await _load(
        hass, simulator, **{CONF_MAINS_SOURCE: "sensors", CONF_MAINS_L1: SENSORS[0]}
    )
    simulator.model.mains_meter = "Sensorbox"  # changed on the charger after setup
    await poll(hass, 2)
    assert _get(hass, entity("sensor", "mains_data_feed")) == "rejected"  # its answer said so
    await poll(hass, 5)  # the poll shows the meter type: no more pushes
    posts = len(simulator.http.mains_posts)
    await poll(hass, 2)
    assert len(simulator.http.mains_posts) == posts
    assert _get(hass, entity("sensor", "mains_data_feed")) == "rejected"
    simulator.model.mains_meter = "API"
    await poll(hass, 5)
    await poll(hass, 2)
    assert entry.runtime_data.feeder is not None
    assert entry.runtime_data.feeder.status == "active"
    assert simulator.mains_currents == (4.0, 0.0, 0.0)


async def test_feeding_over_mqtt(
    hass: HomeAssistant, mosquitto: Broker, mqtt_broker_entry: MockConfigEntry
) -> None:
    """With an MQTT prefix the currents go to <prefix>/Set/MainsMeter as dA "L1:L2:L3"."""
    sim = SmartEvseSimulator(broker=(mosquitto.host, mosquitto.port))
    await sim.start()
    try:
        for entity_id, value in zip(SENSORS, ("5.2", "-3.1", "4.0"), strict=True):
            _sensor(hass, entity_id, value)
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id="smartevse_51446",
            data=entry_data(sim, **{CONF_MQTT_PREFIX: sim.mqtt_prefix}),
            options={
                CONF_MAINS_SOURCE: "sensors",
                CONF_MAINS_L1: SENSORS[0],
                CONF_MAINS_L2: SENSORS[1],
                CONF_MAINS_L3: SENSORS[2],
            },
        )
        assert await async_add_and_set_up(hass, entry)
        await mqtt_settled(hass)
        await poll(hass, 2)
        assert sim.mqtt is not None
        deadline = time.monotonic() + 5
        while ("Set/MainsMeter", "52:-31:40") not in sim.mqtt.received:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        assert sim.mains_currents == (5.2, -3.1, 4.0)
        assert not sim.http.mains_posts
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.config_entries.async_unload(mqtt_broker_entry.entry_id)
        await hass.async_block_till_done()
    finally:
        await sim.stop()


async def test_configured_in_the_options_flow(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    smart_connect_entry: MockConfigEntry,
) -> None:
    """The user picks the Smart Connect in the options; feeding starts after the reload."""
    entry = await _load(hass, simulator)
    assert entry.runtime_data.feeder is None
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"scan_interval": 5, CONF_MAINS_SOURCE: "entry", CONF_MAINS_MAX_AGE: 15}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MAINS_ENTRY: smart_connect_entry.entry_id}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    await poll(hass, 2)
    assert entry.runtime_data.feeder is not None
    assert entry.runtime_data.feeder.status == "active"
    assert simulator.http.mains_posts
