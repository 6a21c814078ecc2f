"""Fixtures for the monitor tests: the simulator's payloads, HA's MQTT mock, a real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from datetime import timedelta
import json
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_mqtt_message,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.gridmate.const import CONF_KIND, CONF_SERIAL, DOMAIN, EntryKind
from custom_components.gridmate.monitor.const import CONF_SERVICE_LOCATION, CONF_TOPIC_PREFIX
from simulator.infinity import DEFAULT_SERIAL, DEFAULT_UUID, InfinitySimulator
from tests.conftest import Broker, mqtt_settled
from tests.helpers import async_add_and_set_up

BASE = f"servicelocation/{DEFAULT_UUID}"


def entry_data(**overrides: Any) -> dict[str, Any]:
    """Config-entry data of the simulated gateway."""
    return {
        CONF_KIND: EntryKind.MONITOR.value,
        CONF_SERVICE_LOCATION: DEFAULT_UUID,
        CONF_TOPIC_PREFIX: "servicelocation",
        CONF_SERIAL: DEFAULT_SERIAL,
        **overrides,
    }


def make_entry(options: dict[str, Any] | None = None) -> MockConfigEntry:
    """A monitor entry for the simulated gateway."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Smappee Genius {DEFAULT_SERIAL}",
        unique_id=DEFAULT_SERIAL,
        data=entry_data(),
        options=options or {},
    )


@pytest.fixture
def mqtt_mock(hass: HomeAssistant, mqtt_mock: MqttMockHAClient) -> Generator[MqttMockHAClient]:
    """HA's MQTT mock, without the client's one-second housekeeping timer left behind.

    The mocked paho client never runs that timer's loop, so a test shorter than a second
    ends with it pending; Home Assistant's own component tests tolerate it for that reason.
    """
    yield mqtt_mock
    client = hass.data["mqtt"].client
    if client._misc_timer is not None:
        client._misc_timer.cancel()
        client._misc_timer = None


@pytest.fixture
def variant() -> str:
    """Firmware variant of the simulator; parametrize to change."""
    return "ct_input"


@pytest.fixture
def model(variant: str) -> InfinitySimulator:
    """A simulator used only to build payloads (never connected): for the mqtt_mock tests."""
    return InfinitySimulator("127.0.0.1", 1, variant=variant)


class Feeder:
    """Sends the simulator's payloads through HA's MQTT mock, as the broker would."""

    def __init__(self, hass: HomeAssistant, model: InfinitySimulator) -> None:
        self.hass = hass
        self.model = model
        self._retained: set[str] = set()

    def send(self, suffix: str, payload: Any, *, retain: bool = False) -> None:
        """Deliver like a broker: a retained topic comes with the retain flag only the first
        time (as on subscribing); later publishes reach the subscriber as live messages."""
        text = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        topic = f"{BASE}/{suffix}"
        flag = retain and topic not in self._retained
        if retain:
            self._retained.add(topic)
        async_fire_mqtt_message(self.hass, topic, text, retain=flag)

    def configuration(self) -> None:
        m = self.model
        self.send("config", m.config_payload(), retain=True)
        topic = "channelConfig" if m.variant == "ct_input" else "channelConfigV2"
        self.send(topic, m.channel_config_payload(), retain=True)
        self.send("homeControlConfig", m.home_control_payload(), retain=True)
        self.send("sensorConfig", m.sensor_config_payload(), retain=True)
        for node_id in m.installation.relays:
            self.send(f"plug/{node_id}/connectionState", {"value": "CONNECTED"}, retain=True)
            self.relay(node_id, m.relay_states[node_id])
        self.inputs()

    def relay(self, node_id: int, on: bool) -> None:
        value = {"value": "ON" if on else "OFF", "since": 1}
        self.send(f"plug/{node_id}/state", value, retain=True)

    def inputs(self) -> None:
        inst = self.model.installation
        values = [
            {"input": s.input, "pulseCount": int(inst.gas_pulses)}
            if s.type == "PULSE"
            else {"input": s.input, "value": "ON" if inst.door_closed else "OFF"}
            for s in inst.inputs
        ]
        self.send(f"inputmodule/{inst.input_module_serial}/state", {"inputs": values}, retain=True)

    def realtime(self, dt: float = 1.0) -> dict[str, Any]:
        payload = self.model.realtime_payload(dt)
        self.send("realtime", payload)
        return payload


@pytest.fixture
def feeder(hass: HomeAssistant, model: InfinitySimulator) -> Feeder:
    """Fires the model's payloads into HA's MQTT mock."""
    return Feeder(hass, model)


@pytest.fixture
def live_simulator(mosquitto: Broker, variant: str) -> Generator[InfinitySimulator]:
    """A simulator publishing to the real mosquitto broker at 1 Hz."""
    sim = InfinitySimulator(mosquitto.host, mosquitto.port, variant=variant, interval=1.0)
    sim.start()
    yield sim
    sim.stop()


@dataclass
class Clock:
    """The hub's monotonic and wall clocks, moved by the test; HA's timers follow."""

    hass: HomeAssistant
    t: float = 1000.0
    offset: float = 0.0

    def wall(self) -> float:
        return 1_700_000_000.0 + self.t

    async def advance(self, seconds: float) -> None:
        """Move both clocks and fire Home Assistant's timers (the hub's one-second tick)."""
        self.t += seconds
        self.offset += seconds
        async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=self.offset))
        await self.hass.async_block_till_done()


@pytest.fixture
def clock(hass: HomeAssistant) -> Generator[Clock]:
    """Control the hub's clocks (patched at the hub's module-level clock functions)."""
    fake = Clock(hass)
    with (
        patch("custom_components.gridmate.monitor.hub.monotonic", side_effect=lambda: fake.t),
        patch("custom_components.gridmate.monitor.hub.wall_time", side_effect=fake.wall),
    ):
        yield fake


async def setup_monitor(
    hass: HomeAssistant, feeder: Feeder, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """A loaded monitor entry that received the configuration and one realtime message."""
    entry = make_entry(options)
    assert await async_add_and_set_up(hass, entry)
    feeder.configuration()
    feeder.realtime()
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def broker(
    hass: HomeAssistant, mqtt_broker_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """HA's MQTT on the real mosquitto; Gridmate entries unloaded before the broker stops."""
    yield mqtt_broker_entry
    for entry in hass.config_entries.async_entries(DOMAIN):
        await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await mqtt_settled(hass)
    await hass.config_entries.async_unload(mqtt_broker_entry.entry_id)
    await hass.async_block_till_done()


async def wait_for_state(
    hass: HomeAssistant,
    entity_id: str,
    predicate: Any = lambda state: True,
    within_s: float = 10.0,
) -> Any:
    """Wait until `entity_id` exists and `predicate(state)` holds (state events, no polling)."""
    done = asyncio.Event()

    @callback
    def check(*_: Any) -> None:
        state = hass.states.get(entity_id)
        if state is not None and predicate(state):
            done.set()

    unsubscribe = async_track_state_change_event(hass, [entity_id], check)
    check()
    try:
        async with asyncio.timeout(within_s):
            await done.wait()
    except TimeoutError:
        pytest.fail(f"{entity_id} never got there: {hass.states.get(entity_id)}")
    finally:
        unsubscribe()
    return hass.states.get(entity_id)
