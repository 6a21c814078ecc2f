"""Entities through Home Assistant's MQTT (mocked broker): values, both firmware variants,
stale stream, malformed payloads, only-changed writes, dynamic devices, inputs, always-on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import MqttMockHAClient
from syrupy.assertion import SnapshotAssertion

from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.monitor.const import (
    CONF_PULSE_FACTORS,
    CONF_PULSES_PER_UNIT,
    CONF_UNIT,
)
from simulator.infinity import DEFAULT_SERIAL, SimLoad
from tests.helpers import state_of

from .conftest import Clock, Feeder, setup_monitor

GATEWAY = f"smappee_genius_{DEFAULT_SERIAL}"
J_PER_KWH = 3_600_000  # the gateway counts energy in joules


def _expected(payload: dict[str, Any], model: Any) -> dict[str, float]:
    """What each load entity must show, computed from the raw payload with literal factors."""
    key = "ctInput" if model.variant == "ct_input" else "publishIndex"
    by_index = {entry[key]: entry for entry in payload["channelPowers"]}
    out: dict[str, float] = {}
    for load in model.installation.loads:
        channels = model.installation.channels_of(load.key)
        entries = [by_index[c.ct_input if key == "ctInput" else c.publish_index] for c in channels]
        slug = load.name.lower().replace(" ", "_")
        out[f"sensor.{slug}_power"] = sum(e["power"] for e in entries)
        imported = round(sum(e["importEnergy"] for e in entries) / J_PER_KWH, 3)
        names = {"grid": "energy_import", "solar": "energy_produced"}
        name = names.get(load.key, "energy_consumed")
        out[f"sensor.{slug}_{name}"] = imported
        if len(entries) == 1:
            out[f"sensor.{slug}_current"] = entries[0]["current"] / 10
        else:
            for c, e in zip(channels, entries, strict=True):
                out[f"sensor.{slug}_power_l{c.phase + 1}"] = e["power"]
                out[f"sensor.{slug}_current_l{c.phase + 1}"] = e["current"] / 10
    return out


@pytest.mark.parametrize("variant", ["ct_input", "publish_index"])
async def test_values_equal_the_payload(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Both firmware variants give the same entities with the values of the payload."""
    await setup_monitor(hass, feeder)
    payload = feeder.realtime(dt=1.0)
    await hass.async_block_till_done()
    expected = _expected(payload, feeder.model)
    assert len(expected) == 38
    for entity_id, value in expected.items():
        assert float(state_of(hass, entity_id)) == pytest.approx(value), entity_id
    grid = expected["sensor.grid_power"]
    solar = expected["sensor.solar_power"]
    assert float(state_of(hass, f"sensor.{GATEWAY}_grid_power")) == grid
    assert float(state_of(hass, f"sensor.{GATEWAY}_solar_power")) == solar
    assert float(state_of(hass, f"sensor.{GATEWAY}_home_consumption")) == grid + solar
    assert (
        float(state_of(hass, f"sensor.{GATEWAY}_grid_import"))
        == expected["sensor.grid_energy_import"]
    )
    volts = {v["phaseId"]: v["voltage"] for v in payload["voltages"]}
    for phase in range(3):
        assert float(state_of(hass, f"sensor.{GATEWAY}_voltage_l{phase + 1}")) == volts[phase]
    # The per-phase energies are there but disabled by default.
    registry = er.async_get(hass)
    entry = registry.async_get("sensor.grid_energy_import_l1")
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


async def test_entities_snapshot(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    feeder: Feeder,
    clock: Clock,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Names, units, classes, categories and devices of every entity the installation gets."""
    entry = await setup_monitor(hass, feeder)
    rows = []
    for item in er.async_entries_for_config_entry(entity_registry, entry.entry_id):
        device = device_registry.async_get(item.device_id) if item.device_id else None
        rows.append(
            {
                "entity_id": item.entity_id,
                "unique_id": item.unique_id,
                "translation_key": item.translation_key,
                "original_name": item.original_name,
                "device_class": item.original_device_class,
                "unit": item.unit_of_measurement,
                "state_class": (item.capabilities or {}).get("state_class"),
                "category": item.entity_category,
                "disabled": item.disabled_by,
                "device": device.name if device else None,
                "model": device.model if device else None,
            }
        )
    assert sorted(rows, key=lambda row: row["entity_id"]) == snapshot
    strings = json.loads(
        (
            Path(__file__).parent.parent.parent / "custom_components/gridmate/strings.json"
        ).read_text()
    )["entity"]
    for row in rows:
        if row["translation_key"]:
            domain = row["entity_id"].split(".")[0]
            assert row["translation_key"] in strings[domain], row["entity_id"]


async def test_stale_stream_turns_unavailable(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """No realtime for 10 s: realtime values unavailable; the next message restores them."""
    await setup_monitor(hass, feeder)
    await clock.advance(9)
    assert state_of(hass, "sensor.kitchen_power") == "1800"
    await clock.advance(2)
    assert state_of(hass, "sensor.kitchen_power") == STATE_UNAVAILABLE
    assert state_of(hass, f"sensor.{GATEWAY}_voltage_l1") == STATE_UNAVAILABLE
    assert state_of(hass, f"binary_sensor.{GATEWAY}_realtime_data") == "off"
    # Not from the realtime stream: stays.
    assert state_of(hass, "sensor.input_module_gas_meter") == "1234.56"
    assert state_of(hass, "switch.output_module_0222_boiler") == "off"
    feeder.realtime()
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.kitchen_power") == "1800"
    assert state_of(hass, f"binary_sensor.{GATEWAY}_realtime_data") == "on"


async def test_only_changed_states_are_written(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """An identical message writes nothing; a change writes only the entities it changes."""
    await setup_monitor(hass, feeder)
    changed: list[str] = []

    @callback
    def listen(event: Event[Any]) -> None:
        changed.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, listen)
    feeder.realtime(dt=0.0)  # same values, no energy counted
    await hass.async_block_till_done()
    assert changed == []
    feeder.model.hour = 12.75  # the kitchen's 1800 W stop at 12:30
    feeder.realtime(dt=0.0)
    await hass.async_block_till_done()
    assert "sensor.kitchen_power" in changed
    assert "sensor.washing_machine_power" not in changed
    assert "sensor.ev_charger_power" not in changed


async def test_malformed_and_partial_payloads(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Garbage keeps the last values; a missing channel is unknown, its neighbours fine."""
    entry = await setup_monitor(hass, feeder)
    for garbage in ("{", "NaN", "[]", '{"channelPowers": 5}', b"\x00\xff"):
        feeder.send("realtime", garbage)
        await hass.async_block_till_done()
        assert state_of(hass, "sensor.kitchen_power") == "1800"
    feeder.send("channelConfig", "{not json", retain=True)
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.kitchen_power") == "1800"  # the layout was kept
    payload = feeder.model.realtime_payload(0.0)
    payload["channelPowers"] = [e for e in payload["channelPowers"] if e["ctInput"] != 12]
    payload["channelPowers"][0]["power"] = "NaN"
    feeder.send("realtime", json.dumps(payload))
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.kitchen_power") == STATE_UNKNOWN
    assert state_of(hass, "sensor.kitchen_current") == STATE_UNKNOWN
    assert state_of(hass, "sensor.grid_power_l1") == STATE_UNKNOWN
    assert state_of(hass, "sensor.grid_power") == STATE_UNKNOWN  # a partial sum would be wrong
    assert state_of(hass, "sensor.ev_charger_power") == "11001"
    stats = entry.runtime_data.hub.stats
    # The undecodable bytes never reach us: HA's MQTT drops what is not UTF-8.
    assert stats.malformed["realtime"] == 4
    assert stats.malformed["channelConfig"] == 1


async def test_config_change_adds_and_removes_loads(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """A load removed in the app disappears with its device; a new one appears."""
    entry = await setup_monitor(hass, feeder)
    devices = dr.async_get(hass)
    washer = devices.async_get_device_by_identifier(
        (DOMAIN, f"{DEFAULT_SERIAL}_load_13"), entry.entry_id
    )
    assert washer is not None
    assert washer.name == "Washing machine"
    assert washer.via_device_id == entry.runtime_data.hub.gateway_device_id
    feeder.model.installation.remove_load("washer")
    feeder.configuration()
    feeder.realtime()
    await hass.async_block_till_done()
    assert devices.async_get(washer.id) is None
    assert hass.states.get("sensor.washing_machine_power") is None
    assert er.async_get(hass).async_get("sensor.washing_machine_power") is None
    # A new load on the freed input: a new device with new entities.
    feeder.model.installation.add_load(
        SimLoad("sauna", "Sauna", "CONSUMPTION", "SUBMETER", (2,), pf=1.0)
    )
    feeder.configuration()
    feeder.realtime()
    await hass.async_block_till_done()
    sauna_power = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{DEFAULT_SERIAL}_load_13_power"
    )
    assert sauna_power is not None
    assert state_of(hass, sauna_power) == "400"
    sauna = devices.async_get_device_by_identifier(
        (DOMAIN, f"{DEFAULT_SERIAL}_load_13"), entry.entry_id
    )
    assert sauna is not None
    assert sauna.name == "Sauna"  # (Home Assistant revives the deleted device entry)


async def test_renamed_load_keeps_its_entities(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Renaming a load in the app renames its device; entity ids and history stay."""
    entry = await setup_monitor(hass, feeder)
    feeder.model.installation.load("kitchen").name = "Cooking"
    feeder.model.installation.channels_of("kitchen")[0].name = "Cooking"
    feeder.configuration()
    feeder.realtime()
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{DEFAULT_SERIAL}_load_12"), entry.entry_id
    )
    assert device is not None
    assert device.name == "Cooking"
    assert state_of(hass, "sensor.kitchen_power") == "1800"


async def test_modules_inputs_and_presence(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Status input follows its state topic; presence appears once reported; modules go."""
    entry = await setup_monitor(hass, feeder)
    assert state_of(hass, "binary_sensor.input_module_door_contact") == "on"
    feeder.model.installation.door_closed = False
    feeder.inputs()
    await hass.async_block_till_done()
    assert state_of(hass, "binary_sensor.input_module_door_contact") == "off"
    assert hass.states.get(f"binary_sensor.{GATEWAY}_presence") is None
    feeder.send("presence", {"value": True})
    await hass.async_block_till_done()
    assert state_of(hass, f"binary_sensor.{GATEWAY}_presence") == "on"
    # The Input module removed in the app: its entities and device go.
    feeder.model.installation.inputs = []
    feeder.send("sensorConfig", feeder.model.sensor_config_payload(), retain=True)
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.input_module_door_contact") is None
    assert hass.states.get("sensor.input_module_gas_meter") is None
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            (DOMAIN, f"{DEFAULT_SERIAL}_input_5400000111"), entry.entry_id
        )
        is None
    )


async def test_pulse_factor_from_options(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """The user's pulses per unit and unit win over the gateway's (water, 10 pulses/L)."""
    await setup_monitor(
        hass,
        feeder,
        options={
            CONF_PULSE_FACTORS: {"5400000111:0": {CONF_UNIT: "water_l", CONF_PULSES_PER_UNIT: 10.0}}
        },
    )
    state = hass.states.get("sensor.input_module_gas_meter")
    assert state is not None
    assert state.state == "12346"  # 123456 pulses / 10 pulses per litre, whole litres
    assert state.attributes["unit_of_measurement"] == "L"
    assert state.attributes["device_class"] == "water"
    assert state.attributes["state_class"] == "total_increasing"


async def test_always_on_from_history_and_restart(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """The lowest 5-minute average of home consumption; restored history after a restart."""
    await setup_monitor(hass, feeder)
    always_on = f"sensor.{GATEWAY}_always_on_power"
    assert state_of(hass, always_on) == STATE_UNKNOWN
    feeder.model.hour = 3.0  # night: heat pump cycling, nothing else
    for _ in range(660):
        await clock.advance(1)
        feeder.realtime()
    await hass.async_block_till_done()
    home = float(state_of(hass, f"sensor.{GATEWAY}_home_consumption"))
    assert float(state_of(hass, always_on)) == pytest.approx(home, abs=2)


async def test_always_on_restored(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """History saved before a restart gives the value at once."""
    start = clock.wall() - clock.wall() % 300
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                hass.states.async_entity_ids and _restored_state(),
                {"buckets": [[start - 600, 215.0], [start - 300, 480.0]]},
            )
        ],
    )
    await setup_monitor(hass, feeder)
    assert float(state_of(hass, f"sensor.{GATEWAY}_always_on_power")) == 215


def _restored_state() -> Any:
    from homeassistant.core import State

    return State(f"sensor.{GATEWAY}_always_on_power", "215")


async def test_unload_unsubscribes(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """After unloading, messages change nothing and no timer lingers."""
    entry: MockConfigEntry = await setup_monitor(hass, feeder)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    feeder.realtime()
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.kitchen_power") == STATE_UNAVAILABLE


async def test_configuration_changed_while_home_assistant_was_off(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Loads removed in the app while HA was down: their devices and entities go at setup."""
    entry = await setup_monitor(hass, feeder)
    registry = er.async_get(hass)
    assert registry.async_get(f"sensor.{GATEWAY}_solar_power") is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    feeder.model.installation.remove_load("solar")
    feeder.model.installation.inputs = []
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Before the configuration arrives nothing is removed ...
    assert registry.async_get(f"sensor.{GATEWAY}_solar_power") is not None
    assert registry.async_get("sensor.input_module_gas_meter") is not None
    feeder.configuration()
    feeder.realtime()
    await hass.async_block_till_done()
    # ... then what the gateway no longer has is gone.
    assert registry.async_get(f"sensor.{GATEWAY}_solar_power") is None
    assert registry.async_get("sensor.solar_power") is None
    assert registry.async_get("sensor.input_module_gas_meter") is None
    assert registry.async_get("binary_sensor.input_module_door_contact") is None
    assert state_of(hass, "sensor.kitchen_power") == "1800"
    assert registry.async_get(f"binary_sensor.{GATEWAY}_realtime_data") is not None


async def test_setup_retries_without_mqtt(hass: HomeAssistant) -> None:
    """Without Home Assistant's MQTT integration the entry waits (setup retry), never fails."""
    from homeassistant.config_entries import ConfigEntryState

    from .conftest import make_entry

    entry = make_entry()
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
