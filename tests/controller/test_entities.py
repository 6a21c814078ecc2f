"""The user's controls: select and numbers, kept across restarts; boost and programs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import probatio as vol
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.gridmate.const import DOMAIN, EntryKind
from custom_components.gridmate.kinds import KINDS

from .conftest import (
    ENABLE,
    LIMIT,
    controller_data,
    controller_options,
    entity_charger,
    set_ev,
    set_mains,
    setup_helpers,
)

ENTRY_ID = "ctl_entities_1"
STORE_KEY = f"{DOMAIN}.controller.{ENTRY_ID}"
ENERGY = "sensor.wallbox_energy"


async def _loaded(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    await setup_helpers(hass)
    set_mains(hass, 5, 5, 5)
    set_ev(hass, 0)
    hass.states.async_set(ENERGY, "10.0", {"unit_of_measurement": "kWh"})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        entry_id=ENTRY_ID,
        data=controller_data(chargers=[entity_charger(energy=ENERGY)]),
        options=controller_options(**options),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": "select.home_charge_mode", "option": option},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def _number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": value}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


def _limit(hass: HomeAssistant) -> float:
    if hass.states.get(ENABLE).state != "on":
        return 0.0
    return float(hass.states.get(LIMIT).state)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [Platform.NUMBER, Platform.SELECT, Platform.SENSOR])
async def test_entities_snapshot(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity: names, units, classes, categories, options and first states."""
    kind = KINDS[EntryKind.CONTROLLER]
    only = replace(kind, platforms={platform: kind.platforms[platform]})
    with patch.dict(KINDS, {EntryKind.CONTROLLER: only}):
        entry = await _loaded(hass, circuit_limit=20, capacity_cap=5)
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_controls_survive_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Mode and numbers are stored; a reload (as a restart) starts from them."""
    entry = await _loaded(hass)
    await _select(hass, "solar")
    await _number(hass, "number.home_main_fuse_limit", 20)
    await _number(hass, "number.home_solar_stop_time", 3)
    await _number(hass, "number.home_wallbox_maximum_current", 10)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    stored = hass_storage[STORE_KEY]["data"]
    assert stored["mode"] == "solar"
    assert stored["main_fuse"] == 20.0
    assert stored["chargers"]["wallbox"]["max_current"] == 10.0
    assert hass.states.get("select.home_charge_mode").state == "solar"
    assert hass.states.get("number.home_main_fuse_limit").state == "20.0"
    assert hass.states.get("number.home_solar_stop_time").state == "3.0"
    assert hass.states.get("number.home_wallbox_maximum_current").state == "10.0"
    settings = entry.runtime_data.core.settings
    assert (settings.mode, settings.max_mains, settings.stop_time_s) == ("solar", 20.0, 180.0)
    assert settings.chargers[0].max_current == 10.0


async def test_restart_with_stored_controls_does_not_pause(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Stored 'fast' at start: the first command already follows it, never a default."""
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {"mode": "fast", "chargers": {"wallbox": {"max_current": 12}}},
    }
    entry = await _loaded(hass)
    assert [c["current"] for c in entry.runtime_data.sent] == [12.0]
    assert _limit(hass) == 12.0


async def test_broken_store_falls_back_to_defaults(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Garbage in the store: the controller starts with defaults, nothing crashes."""
    hass_storage[STORE_KEY] = {
        "version": 1,
        "minor_version": 1,
        "key": STORE_KEY,
        "data": {
            "mode": "warp",
            "main_fuse": "lots",
            "programs": {"1": {"days": "x"}},
            "chargers": {"wallbox": {"phase_mode": "diagonal"}},
        },
    }
    entry = await _loaded(hass)
    assert hass.states.get("select.home_charge_mode").state == "smart"
    assert entry.runtime_data.core.settings.max_mains == 25.0
    assert entry.runtime_data.controls.programs == {}


async def test_numbers_stay_within_the_installation(hass: HomeAssistant) -> None:
    """The fuse number cannot exceed the installation; charger min <= max is enforced."""
    entry = await _loaded(hass, circuit_limit=20)
    state = hass.states.get("number.home_main_fuse_limit")
    assert (state.attributes["min"], state.attributes["max"]) == (6.0, 25.0)
    with pytest.raises(ServiceValidationError):
        await _number(hass, "number.home_main_fuse_limit", 30)
    await _number(hass, "number.home_circuit_limit", 12)
    assert entry.runtime_data.core.settings.max_circuit == 12.0
    await _number(hass, "number.home_wallbox_maximum_current", 8)
    with pytest.raises(ServiceValidationError) as err:
        await _number(hass, "number.home_wallbox_minimum_current", 10)
    assert err.value.translation_key == "min_above_max"
    await _number(hass, "number.home_wallbox_minimum_current", 8)
    with pytest.raises(ServiceValidationError):
        await _number(hass, "number.home_wallbox_maximum_current", 7)
    config = entry.runtime_data.core.settings.chargers[0]
    assert (config.min_current, config.max_current) == (8.0, 8.0)
    # back to the charger's own maximum: it follows the charger again
    await _number(hass, "number.home_wallbox_maximum_current", 16)
    assert entry.runtime_data.controls.charger("wallbox").max_current is None


async def test_lower_fuse_number_limits_at_once(hass: HomeAssistant) -> None:
    """Lowering the fuse number applies at the very next step (no waiting for the meter)."""
    await _loaded(hass)
    await _select(hass, "fast")
    assert _limit(hass) == 16.0
    await _number(hass, "number.home_main_fuse_limit", 15)
    assert _limit(hass) == 10.0


async def test_boost_delivers_its_energy_then_returns(hass: HomeAssistant) -> None:
    """start_boost: full power until the energy is delivered, then the mode before."""
    entry = await _loaded(hass, min_switch_time=0)
    await _select(hass, "off")
    await _select(hass, "solar")
    assert _limit(hass) == 0.0  # no sun
    await hass.services.async_call(
        DOMAIN, "start_boost", {"config_entry_id": entry.entry_id, "energy": 1.5}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("select.home_charge_mode").state == "boost"
    assert hass.states.get("number.home_boost_energy").state == "1.5"
    assert _limit(hass) == 16.0
    assert hass.states.get("sensor.home_wallbox_state").state == "boost"
    set_ev(hass, 16)
    hass.states.async_set(ENERGY, "11.0", {"unit_of_measurement": "kWh"})
    set_mains(hass, 21, 21, 21)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("select.home_charge_mode").state == "boost"
    hass.states.async_set(ENERGY, "11.6", {"unit_of_measurement": "kWh"})
    set_mains(hass, 21, 21, 21)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("select.home_charge_mode").state == "solar"
    # solar without sun: all the energy would come from the grid, so it stops
    assert _limit(hass) == 0.0
    assert hass.states.get("sensor.home_wallbox_state").state == "waiting_for_surplus"


async def test_weekly_program(hass: HomeAssistant) -> None:
    """A program running now charges as it says; cleared, the default (off) applies."""
    entry = await _loaded(hass)
    now = dt_util.now()
    start = (now - timedelta(minutes=10)).strftime("%H:%M:%S")
    end = (now + timedelta(minutes=50)).strftime("%H:%M:%S")
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(now - timedelta(minutes=10)).weekday()]
    await hass.services.async_call(
        DOMAIN,
        "set_program",
        {
            "config_entry_id": entry.entry_id,
            "program": 2,
            "days": [day],
            "start": start,
            "end": end,
            "mode": "fast",
            "max_current": 10,
        },
        blocking=True,
    )
    await _select(hass, "programmed")
    assert _limit(hass) == 10.0
    stored = entry.runtime_data.controls.programs[2]
    assert stored.duration_s == 3600
    await hass.services.async_call(
        DOMAIN, "clear_program", {"config_entry_id": entry.entry_id, "program": 2}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _limit(hass) == 0.0
    assert hass.states.get("sensor.home_wallbox_state").state == "program_off"


async def test_service_validation(hass: HomeAssistant) -> None:
    """Bad service calls get a clear error, never a crash or a silent change."""
    entry = await _loaded(hass)
    call = {"config_entry_id": entry.entry_id}
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(DOMAIN, "start_boost", {**call, "energy": 0}, blocking=True)
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "start_boost", {**call, "energy": float("nan")}, blocking=True
        )
    program = {**call, "program": 1, "days": ["mon"], "start": "22:00", "mode": "fast"}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "set_program", {**program, "end": "22:00"}, blocking=True
        )
    assert err.value.translation_key == "program_empty"
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "set_program", {**program, "end": "06:00", "program": 7}, blocking=True
        )
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "set_program", {**program, "end": "06:00", "mode": "boost"}, blocking=True
        )
    with pytest.raises(vol.Invalid):
        await hass.services.async_call(
            DOMAIN, "set_program", {**program, "end": "06:00", "days": ["someday"]}, blocking=True
        )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "clear_program", {**call, "program": 3}, blocking=True
        )
    assert err.value.translation_key == "program_not_set"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "start_boost", {"config_entry_id": "nope", "energy": 5}, blocking=True
        )
    assert err.value.translation_key == "service_config_entry_not_found"
    assert entry.runtime_data.controls.programs == {}
    assert entry.runtime_data.controls.mode == "smart"
    # a night program over midnight is fine
    await hass.services.async_call(
        DOMAIN, "set_program", {**program, "end": "06:00"}, blocking=True
    )
    assert entry.runtime_data.controls.programs[1].duration_s == 8 * 3600


async def test_boost_without_an_available_charger(hass: HomeAssistant) -> None:
    """A controller whose only charger is a Gridmate entry that is not there cannot boost."""
    await setup_helpers(hass)
    set_mains(hass, 5, 5, 5)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0002",
        data=controller_data(
            chargers=[
                {
                    "charger_id": "evse",
                    "charger_source": "entry",
                    "name": "SmartEVSE",
                    "entry_id": "missing_entry",
                    "priority": 0,
                    "first_phase": 0,
                }
            ]
        ),
        options=controller_options(),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "start_boost", {"config_entry_id": entry.entry_id, "energy": 5}, blocking=True
        )
    assert err.value.translation_key == "no_charger_available"
    assert hass.states.get("number.home_smartevse_maximum_current").state == "unavailable"
    assert hass.states.get("sensor.home_smartevse_command_status").state == "unavailable"


async def test_diagnostics_hold_the_decision_history(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Recent steps with inputs, outputs and reasons; commands sent; titles redacted."""
    entry = await _loaded(hass)
    await _select(hass, "fast")
    set_mains(hass, 5, 24, 5)
    await hass.async_block_till_done(wait_background_tasks=True)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diag["entry"]["title"] == "**REDACTED**"
    assert diag["entry"]["unique_id"] == "**REDACTED**"
    assert diag["status"] == "active"
    last = diag["decisions"][-1]
    assert last["trigger"] == "mains"
    assert last["mains"] == [5.0, 24.0, 5.0]
    assert last["commands"][0]["reason"] in ("limited_by_main_fuse", "insufficient_current")
    assert last["commands"][0]["limit_phase"] == 2
    assert diag["commands"][-1]["charger"] == "wallbox"
    assert diag["commands"][-1]["result"] == "ok"
    assert diag["chargers"][0]["capabilities"]["max_current"] == 16.0
    assert diag["settings"]["max_mains"] == 25.0
    assert diag["steps"] >= 3
    assert diag["step_cpu_ms_mean"] > 0


async def test_removing_the_entry_removes_store_and_issues(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Deleting a controller leaves no stored controls and no repair issues behind."""
    from homeassistant.helpers import issue_registry as ir

    entry = await _loaded(hass)
    await _select(hass, "fast")
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"mains_stale_{entry.entry_id}",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="mains_stale",
    )
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert STORE_KEY in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert STORE_KEY not in hass_storage
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"mains_stale_{entry.entry_id}") is None
