"""Sensors: decoded values equal what the simulator serves, per firmware variant and fault."""

from __future__ import annotations

import logging
import math

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.gridmate.const import CONF_ENERGY_UNIT, DOMAIN
from custom_components.gridmate.devices.smart_connect.registers import REGISTERS, Quantity
from simulator.smart_connect import SmartConnectSimulator
from tests.helpers import async_add_and_set_up, async_advance_time, entity_ids_by_key

SERIAL = "0123456789ab"


def _entity_id(key: str) -> str:
    """Entity ids follow the translated names: device 'Smart Connect <serial>' + name."""
    names = {
        "active_power": "power",
        "energy_import": "energy_import",
        "energy_export": "energy_export",
    }
    name = names.get(key, key)
    name = name.replace("active_power_", "power_")
    return f"sensor.smart_connect_{SERIAL}_{name}"


async def _enable_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    registry = er.async_get(hass)
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        if ent.disabled_by is not None:
            registry.async_update_entity(ent.entity_id, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def _poll(hass: HomeAssistant, seconds: float = 5) -> None:
    """Let the coordinator's next scheduled poll run (real clock: the driver's backoff sleeps)."""
    await async_advance_time(hass, seconds)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platforms", [[Platform.SENSOR]])
async def test_entities_snapshot(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every entity of the full map: names, units, classes, categories and states."""
    await snapshot_platform(hass, entity_registry, snapshot, loaded_entry.entry_id)


async def test_default_enabled_entities(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """The dashboard essentials are on; the 49-register long tail is off but registered."""
    registry = er.async_get(hass)
    measurements = {reg.key for reg in REGISTERS} | {"firmware_version"}
    entries = [
        entry
        for entry in er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
        if entry.unique_id.removeprefix(f"{loaded_entry.unique_id}_") in measurements
    ]
    assert len(entries) == len(REGISTERS) + 1  # + firmware version
    enabled = sorted(
        e.unique_id.removeprefix(f"{loaded_entry.unique_id}_")
        for e in entries
        if e.disabled_by is None
    )
    assert enabled == sorted(
        [
            "active_power",
            "active_power_l1",
            "active_power_l2",
            "active_power_l3",
            "current_l1",
            "current_l2",
            "current_l3",
            "energy_export",
            "energy_import",
            "firmware_version",
            "long_voltage_interruptions",
            "voltage_interruptions",
            "voltage_l1",
            "voltage_l2",
            "voltage_l3",
        ]
    )


async def test_values_match_simulator(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """All 49 values arrive decoded, scaled and in the right units, and they move."""
    await _enable_all(hass, loaded_entry)
    for _ in range(2):
        simulator.step(7)
        await _poll(hass)
        served = simulator.snapshot()
        ids = entity_ids_by_key(hass, loaded_entry)
        for reg in REGISTERS:
            state = hass.states.get(ids[reg.key])
            assert state is not None, reg.key
            expected = served[reg.key]
            if reg.quantity is Quantity.ACTIVE_ENERGY:
                expected /= 1000  # the device counts Wh (firmware 5.2.1); HA shows kWh
            if reg.quantity is Quantity.COUNT:
                assert state.state == str(round(expected)), reg.key
            else:
                assert float(state.state) == pytest.approx(expected, rel=1e-6), reg.key
    assert hass.states.get(ids["energy_import"]).attributes["unit_of_measurement"] == "kWh"
    assert hass.states.get(ids["energy_import"]).attributes["state_class"] == "total_increasing"
    assert hass.states.get(ids["firmware_version"]).state == "5.2.1"


async def test_word_order_against_known_words(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """230.0 V is 0x43660000 and travels low word first: registers [0x0000, 0x4366]."""
    simulator.set_raw(0x8006, [0x0000, 0x4366])
    simulator.set_raw(0x8016, [0x8000, 0xC4BB])  # -1500.0 W (0xC4BB8000): export
    await _poll(hass)
    ids = entity_ids_by_key(hass, loaded_entry)
    assert hass.states.get(ids["voltage_l1"]).state == "230.0"
    assert hass.states.get(ids["active_power"]).state == "-1500.0"


@pytest.mark.parametrize("variant", ["short"])
async def test_short_map_creates_only_supported_entities(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Older firmware answers 10 registers: exactly those entities exist, with values."""
    ids = entity_ids_by_key(hass, loaded_entry)
    supported = {reg.key for reg in REGISTERS if reg.in_short_map}
    # Older firmware has no telegram endpoint: no telegram entities either.
    assert set(ids) == supported | {"firmware_version", "restart", "firmware"}
    served = simulator.snapshot()
    for key in ("voltage_l1", "current_l2", "active_power", "active_power_l3"):
        assert float(hass.states.get(ids[key]).state) == pytest.approx(served[key], rel=1e-6)


@pytest.mark.parametrize("variant", ["kwh"])
async def test_old_firmware_energy_in_kwh(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Before V5.1 the energy registers count kWh: shown unchanged, not divided again."""
    ids = entity_ids_by_key(hass, loaded_entry)
    served = simulator.snapshot()
    assert float(hass.states.get(ids["energy_import"]).state) == pytest.approx(
        served["energy_import"], rel=1e-6
    )
    assert served["energy_import"] < 10_000  # kWh on the wire


@pytest.mark.parametrize("simulator_options", [{"firmware_version": "unreleased build"}])
async def test_unknown_firmware_energy_unknown_until_forced(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Without a readable version the unit is a 1000x guess: unknown, until the user says."""
    ids = entity_ids_by_key(hass, loaded_entry)
    assert hass.states.get(ids["energy_import"]).state == STATE_UNKNOWN
    assert hass.states.get(ids["active_power"]).state != STATE_UNKNOWN
    hass.config_entries.async_update_entry(loaded_entry, options={CONF_ENERGY_UNIT: "wh"})
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(ids["energy_import"]).state) == pytest.approx(
        simulator.snapshot()["energy_import"] / 1000, rel=1e-6
    )


@pytest.mark.parametrize("variant", ["dsmr42"])
async def test_dsmr42_voltage_unknown(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """DSMR 4.2 telegrams carry no voltage; the device says 0 V, Gridmate says unknown."""
    ids = entity_ids_by_key(hass, loaded_entry)
    for n in (1, 2, 3):
        assert hass.states.get(ids[f"voltage_l{n}"]).state == STATE_UNKNOWN
    assert hass.states.get(ids["current_l1"]).state != STATE_UNKNOWN


@pytest.mark.parametrize("variant", ["tic"])
async def test_tic_total_negative_phases_not(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """TIC: per-phase power is never negative, the total shows export (documented)."""
    simulator.pin_power(-1000, -500, 200)
    await _poll(hass)
    ids = entity_ids_by_key(hass, loaded_entry)
    assert float(hass.states.get(ids["active_power"]).state) < 0
    assert float(hass.states.get(ids["active_power_l1"]).state) == 0
    assert float(hass.states.get(ids["active_power_l3"]).state) == pytest.approx(200)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("voltage_l1", math.nan),
        ("current_l2", math.inf),
        ("active_power", -math.inf),
        ("active_power_l1", 1e30),
        ("voltage_l2", 20_000.0),
        ("energy_import", -5.0),
    ],
)
async def test_bad_register_values_unknown(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
    key: str,
    value: float,
) -> None:
    """NaN, infinities and absurd numbers show unknown; the other values stay right."""
    simulator.set_values({key: value})
    await _poll(hass)
    ids = entity_ids_by_key(hass, loaded_entry)
    assert hass.states.get(ids[key]).state == STATE_UNKNOWN
    assert float(hass.states.get(ids["current_l1"]).state) == pytest.approx(
        simulator.snapshot()["current_l1"], rel=1e-6
    )
    simulator.clear_overrides()
    await _poll(hass)
    assert hass.states.get(ids[key]).state != STATE_UNKNOWN


async def test_offline_unavailable_then_back(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unavailable only after 3 failed polls, one log line when lost and one when back."""
    ids = entity_ids_by_key(hass, loaded_entry)
    voltage = ids["voltage_l1"]
    await simulator.stop_modbus()
    caplog.clear()
    caplog.set_level(logging.INFO, logger="custom_components.gridmate")
    coordinator = loaded_entry.runtime_data.meter
    for failures in (1, 2):
        await _poll(hass, coordinator.update_interval.total_seconds())
        assert coordinator.consecutive_failures == failures
        assert hass.states.get(voltage).state != STATE_UNAVAILABLE
    await _poll(hass, coordinator.update_interval.total_seconds())
    assert hass.states.get(voltage).state == STATE_UNAVAILABLE
    # Later failures while already unavailable add no log lines.
    await _poll(hass, coordinator.update_interval.total_seconds())
    lost = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lost) == 1
    assert "did not answer over Modbus TCP" in lost[0].getMessage()

    await simulator.start_modbus()
    await _poll(hass, coordinator.update_interval.total_seconds())
    assert hass.states.get(voltage).state != STATE_UNAVAILABLE
    back = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(back) == 1
    assert coordinator.update_interval.total_seconds() == 5  # backoff undone
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_second_client_holding_socket(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """A charger holding the only connection: back off, keep last values, no crash."""
    ids = entity_ids_by_key(hass, loaded_entry)
    coordinator = loaded_entry.runtime_data.meter
    before = hass.states.get(ids["active_power"]).state
    async with simulator.hold_modbus_connection(poll_interval=0.5):
        await _poll(hass)
        assert coordinator.consecutive_failures == 1
        assert coordinator.update_interval.total_seconds() == 10  # backed off
        assert hass.states.get(ids["active_power"]).state == before  # last values kept
        assert simulator.connections_refused >= 1
    await _poll(hass, coordinator.update_interval.total_seconds())
    assert coordinator.consecutive_failures == 0
    assert hass.states.get(ids["active_power"]).state != STATE_UNAVAILABLE


async def test_setup_retries_when_device_away(
    hass: HomeAssistant, simulator: SmartConnectSimulator, config_entry: MockConfigEntry
) -> None:
    """Device unreachable at start: setup is retried later, not failed."""
    await simulator.stop_modbus()
    await async_add_and_set_up(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_wrong_password_starts_reauth(
    hass: HomeAssistant, simulator: SmartConnectSimulator, config_entry: MockConfigEntry
) -> None:
    """A 401 at setup asks the user for the password instead of retrying forever."""
    simulator.http.password = "changed"
    await async_add_and_set_up(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unload_closes(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Unloading leaves no Modbus connection behind."""
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    await simulator.wait_modbus_idle()
    assert not simulator.modbus_client_connected
