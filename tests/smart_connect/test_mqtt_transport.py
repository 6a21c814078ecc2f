"""The MQTT transport inside Home Assistant, with HA's MQTT test client (mqtt_mock).

The end-to-end tests through a real mosquitto broker are in test_mqtt_end_to_end.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_mqtt_message,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MqttMockHAClient,
)

from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.devices.smart_connect.mqtt import COUNTER_FIELDS, MQTT_ONLY_KEYS
from custom_components.gridmate.devices.smart_connect.registers import REGISTERS, Quantity
from custom_components.gridmate.kinds import mains_feed_of
from simulator.smart_connect import SmartConnectSimulator
from tests.helpers import async_add_and_set_up, async_advance_time, entity_ids_by_key, state_of

from .conftest import entry_data

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")


def _topic(serial: str, metric: str = "power_instant", site: str = "home") -> str:
    return f"devices/{site}/smart-connect/{serial}/data/{metric}"


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return state_of(hass, entity_ids_by_key(hass, entry)[key])


class Publisher:
    """Fires power_instant messages with increasing timestamps, like the device."""

    def __init__(self, hass: HomeAssistant, serial: str) -> None:
        self.hass = hass
        self.serial = serial
        self.ts = 1_781_179_200

    async def send(
        self,
        payload: dict[str, Any] | str | bytes,
        *,
        ts: int | None = None,
        step: int = 1,
        metric: str = "power_instant",
        retain: bool = False,
        serial: str | None = None,
    ) -> None:
        if isinstance(payload, dict) and metric == "power_instant":
            self.ts = ts if ts is not None else self.ts + step
            payload = {**payload, "ts": self.ts}
        body = json.dumps(payload) if isinstance(payload, dict) else payload
        async_fire_mqtt_message(
            self.hass, _topic(serial or self.serial, metric), body, retain=retain
        )
        await self.hass.async_block_till_done()


@pytest.fixture
def mqtt_entry(simulator: SmartConnectSimulator) -> MockConfigEntry:
    """A Smart Connect entry whose live values come over MQTT."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Smart Connect {simulator.serial}",
        unique_id=simulator.serial,
        data=entry_data(simulator, transport="mqtt"),
    )


@pytest.fixture
async def loaded_mqtt_entry(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, mqtt_entry: MockConfigEntry
) -> MockConfigEntry:
    """The MQTT entry, set up (no message received yet)."""
    assert await async_add_and_set_up(hass, mqtt_entry)
    return mqtt_entry


@pytest.fixture
def publisher(hass: HomeAssistant, simulator: SmartConnectSimulator) -> Publisher:
    """Publishes on the simulated device's topics."""
    return Publisher(hass, simulator.serial)


@pytest.fixture
def gridmate_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Gridmate's log lines from INFO up."""
    caplog.set_level(logging.INFO, logger="custom_components.gridmate")
    return caplog


async def test_entities_and_values(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_mqtt_entry: MockConfigEntry,
    publisher: Publisher,
) -> None:
    """Same unique ids as over Modbus; unavailable until the first message; then every value."""
    ids = entity_ids_by_key(hass, loaded_mqtt_entry)
    assert {reg.key for reg in REGISTERS} <= set(ids)
    assert set(ids) >= MQTT_ONLY_KEYS
    assert {field.key for field in COUNTER_FIELDS} <= set(ids)
    assert _state(hass, loaded_mqtt_entry, "voltage_l1") == STATE_UNAVAILABLE
    assert _state(hass, loaded_mqtt_entry, "firmware_version") == "5.2.1"

    for _ in range(2):
        simulator.step(3)
        await publisher.send(simulator.power_instant())
        served = simulator.snapshot()
        for reg in REGISTERS:
            state = _state(hass, loaded_mqtt_entry, reg.key)
            expected = served[reg.key]
            if reg.quantity is Quantity.ACTIVE_ENERGY:
                expected /= 1000
            if reg.quantity is Quantity.COUNT:
                assert state == str(round(expected)), reg.key
            else:
                assert float(state) == pytest.approx(expected, rel=1e-6), reg.key
    # U12/U31/U32 are null on a star grid.
    assert _state(hass, loaded_mqtt_entry, "voltage_l1_l2") == STATE_UNKNOWN


async def test_null_and_missing_fields(
    hass: HomeAssistant, loaded_mqtt_entry: MockConfigEntry, publisher: Publisher
) -> None:
    """null and missing fields are unknown; a later value shows again; others unaffected."""
    await publisher.send({"P": 1500, "l1": {"U": 231.0, "I": 6.5}})
    assert _state(hass, loaded_mqtt_entry, "voltage_l1") == "231.0"
    await publisher.send({"P": 1400, "l1": {"U": None, "I": 6.1}})
    assert _state(hass, loaded_mqtt_entry, "voltage_l1") == STATE_UNKNOWN
    assert _state(hass, loaded_mqtt_entry, "current_l1") == "6.1"
    await publisher.send({"P": 1300})
    assert _state(hass, loaded_mqtt_entry, "current_l1") == STATE_UNKNOWN
    assert _state(hass, loaded_mqtt_entry, "active_power") == "1300.0"
    await publisher.send({"P": "1200", "l1": {"U": 229.5}})
    assert _state(hass, loaded_mqtt_entry, "active_power") == STATE_UNKNOWN
    assert _state(hass, loaded_mqtt_entry, "voltage_l1") == "229.5"


async def test_out_of_order_never_overwrites(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_mqtt_entry: MockConfigEntry,
    publisher: Publisher,
) -> None:
    """An older message (by ts) is dropped; the newer value stays."""
    await publisher.send({"P": 1000}, ts=2_000_000_100)
    await publisher.send({"P": 5}, ts=2_000_000_099)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "1000.0"
    await publisher.send({"P": 7}, ts=2_000_000_100)  # same second: newer arrival wins
    assert _state(hass, loaded_mqtt_entry, "active_power") == "7.0"
    await publisher.send({"P": 8}, ts=2_000_000_101)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "8.0"
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_mqtt_entry)
    assert diagnostics["mqtt"]["out_of_order"] == 1
    assert diagnostics["mqtt"]["accepted"] == 3


async def test_device_clock_going_back_is_followed(
    hass: HomeAssistant, loaded_mqtt_entry: MockConfigEntry, publisher: Publisher
) -> None:
    """A device whose clock went back (reboot, NTP) is followed after 10 older messages."""
    await publisher.send({"P": 1000}, ts=2_000_000_000)
    for n in range(9):
        await publisher.send({"P": n}, ts=1_000_000_000 + n)
        assert _state(hass, loaded_mqtt_entry, "active_power") == "1000.0"
    await publisher.send({"P": 42}, ts=1_000_000_009)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "42.0"
    await publisher.send({"P": 43}, ts=1_000_000_010)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "43.0"


async def test_retained_and_malformed_skipped(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_mqtt_entry: MockConfigEntry,
    publisher: Publisher,
) -> None:
    """Retained (old) messages, broken JSON and payloads without ts change nothing."""
    await publisher.send({"P": 1000})
    await publisher.send({"P": 1}, retain=True)
    await publisher.send(b'{"ts": 1781179300, "P": ')  # truncated JSON
    await publisher.send(b"\xff\xfe not json")
    await publisher.send(json.dumps([1, 2, 3]))
    await publisher.send(json.dumps({"P": 3}))  # no ts
    await publisher.send(json.dumps({"ts": float("nan"), "P": 3}).replace("NaN", "NaN"))
    assert _state(hass, loaded_mqtt_entry, "active_power") == "1000.0"
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_mqtt_entry)
    assert diagnostics["mqtt"]["retained_skipped"] == 1
    assert diagnostics["mqtt"]["malformed"] == 5
    assert loaded_mqtt_entry.state is ConfigEntryState.LOADED


async def test_other_devices_and_serial_spelling(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_mqtt_entry: MockConfigEntry,
    publisher: Publisher,
) -> None:
    """Another device's messages are not ours; a lower-case serial in the topic is."""
    await publisher.send({"P": 10})
    await publisher.send({"P": 99}, serial="FFFF00001111")
    assert _state(hass, loaded_mqtt_entry, "active_power") == "10.0"
    await publisher.send({"P": 11}, serial=simulator.serial.lower())
    assert _state(hass, loaded_mqtt_entry, "active_power") == "11.0"


async def test_stale_stream_unavailable_then_back(
    hass: HomeAssistant,
    loaded_mqtt_entry: MockConfigEntry,
    publisher: Publisher,
    gridmate_log: pytest.LogCaptureFixture,
) -> None:
    """SMR 5 (1 s): 5 s without a message -> unavailable, one log line; a message -> back."""
    for n in range(4):
        await publisher.send({"P": 100 + n})
    coordinator = loaded_mqtt_entry.runtime_data.meter
    assert coordinator.expected_interval == 1
    assert coordinator.stale_after == 5
    gridmate_log.clear()
    await async_advance_time(hass, 3)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "103.0"
    await async_advance_time(hass, 6)
    assert _state(hass, loaded_mqtt_entry, "active_power") == STATE_UNAVAILABLE
    await async_advance_time(hass, 12)
    await async_advance_time(hass, 18)
    lost = [r for r in gridmate_log.records if r.levelno >= logging.WARNING]
    assert len(lost) == 1
    assert "No MQTT message from the Smart Connect for 5 s" in lost[0].getMessage()
    assert mains_feed_of(loaded_mqtt_entry).latest() is None  # type: ignore[union-attr]

    await publisher.send({"P": 200}, step=30)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "200.0"
    back = [r for r in gridmate_log.records if "MQTT messages are back" in r.getMessage()]
    assert len(back) == 1


async def test_dsmr42_rate_learned(
    hass: HomeAssistant, loaded_mqtt_entry: MockConfigEntry, publisher: Publisher
) -> None:
    """DSMR 4.2 (every 10 s): 20 s of silence is normal, 50 s is not."""
    for n in range(4):
        await publisher.send({"P": 300 + n}, step=10)
    coordinator = loaded_mqtt_entry.runtime_data.meter
    assert coordinator.expected_interval == 10
    await async_advance_time(hass, 20)
    assert _state(hass, loaded_mqtt_entry, "active_power") == "303.0"
    await async_advance_time(hass, 51)
    assert _state(hass, loaded_mqtt_entry, "active_power") == STATE_UNAVAILABLE


async def test_no_message_at_all(
    hass: HomeAssistant,
    loaded_mqtt_entry: MockConfigEntry,
    gridmate_log: pytest.LogCaptureFixture,
) -> None:
    """A device that never publishes: unavailable, and the log says why (once)."""
    gridmate_log.clear()
    await async_advance_time(hass, 51)
    await async_advance_time(hass, 102)
    assert _state(hass, loaded_mqtt_entry, "active_power") == STATE_UNAVAILABLE
    lost = [r for r in gridmate_log.records if r.levelno >= logging.WARNING]
    assert len(lost) == 1
    assert "No MQTT message" in lost[0].getMessage()


async def test_manual_refresh_does_not_revive_stale_data(
    hass: HomeAssistant, loaded_mqtt_entry: MockConfigEntry, publisher: Publisher
) -> None:
    """homeassistant.update_entity on a lost stream keeps it unavailable."""
    assert await async_setup_component(hass, "homeassistant", {})
    await publisher.send({"P": 1})
    await publisher.send({"P": 2})
    await async_advance_time(hass, 6)
    entity_id = entity_ids_by_key(hass, loaded_mqtt_entry)["active_power"]
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(entity_id).state == STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_mains_feed_over_mqtt(
    hass: HomeAssistant, loaded_mqtt_entry: MockConfigEntry, publisher: Publisher
) -> None:
    """The controller's feed: signed currents per message, every message notifies."""
    feed = mains_feed_of(loaded_mqtt_entry)
    assert feed is not None
    assert feed.latest() is None
    calls: list[int] = []
    unsubscribe = feed.subscribe(lambda: calls.append(1))
    payload = {
        "P": -1200,
        "l1": {"I": 6.0, "P": -1380},
        "l2": {"I": 1.0, "P": 230},
        "l3": {"I": 0.2, "P": -50},
    }
    await publisher.send(payload)
    await publisher.send(payload)  # the same values again still count as a new sample
    sample = feed.latest()
    assert sample is not None
    assert sample.currents == (-6.0, 1.0, -0.2)
    assert sample.power_w == -1200
    assert len(calls) == 2
    unsubscribe()


async def test_device_counters(
    hass: HomeAssistant, loaded_mqtt_entry: MockConfigEntry, publisher: Publisher
) -> None:
    """device_counters feed diagnostic sensors; a broken message changes nothing."""
    assert _state(hass, loaded_mqtt_entry, "uptime") == STATE_UNAVAILABLE
    counters = {field.key: n * 10 for n, field in enumerate(COUNTER_FIELDS)}
    await publisher.send(counters, metric="device_counters")
    assert _state(hass, loaded_mqtt_entry, "telegrams_fail") == str(counters["telegrams_fail"])
    assert float(_state(hass, loaded_mqtt_entry, "uptime")) == pytest.approx(0.0)
    await publisher.send("{broken", metric="device_counters")
    assert _state(hass, loaded_mqtt_entry, "telegrams_fail") == str(counters["telegrams_fail"])
    assert loaded_mqtt_entry.runtime_data.counters is not None
    assert loaded_mqtt_entry.runtime_data.counters.malformed == 1
    # The device goes silent: its last counters are no longer current either.
    await publisher.send({"P": 1})
    await publisher.send({"P": 2})
    await async_advance_time(hass, 6)
    assert _state(hass, loaded_mqtt_entry, "uptime") == STATE_UNAVAILABLE
    await publisher.send({"P": 3})
    assert _state(hass, loaded_mqtt_entry, "uptime") != STATE_UNAVAILABLE


async def test_setup_waits_for_mqtt(
    hass: HomeAssistant, simulator: SmartConnectSimulator, mqtt_entry: MockConfigEntry
) -> None:
    """Without Home Assistant's MQTT integration the entry retries instead of failing."""
    await async_add_and_set_up(hass, mqtt_entry)
    assert mqtt_entry.state is ConfigEntryState.SETUP_RETRY


async def test_unload_unsubscribes(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    loaded_mqtt_entry: MockConfigEntry,
    publisher: Publisher,
) -> None:
    """After unloading, messages reach nothing of ours (and nothing breaks)."""
    await publisher.send({"P": 1})
    assert await hass.config_entries.async_unload(loaded_mqtt_entry.entry_id)
    await hass.async_block_till_done()
    await publisher.send({"P": 2})
    assert loaded_mqtt_entry.state is ConfigEntryState.NOT_LOADED
