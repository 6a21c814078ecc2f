"""Entities: every value equals what the simulator serves; every command changes the simulator."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.gridmate.const import EntryKind
from custom_components.gridmate.kinds import KINDS, charger_of
from simulator.smartevse import Fault, SmartEvseSimulator
from tests.helpers import async_add_and_set_up, state_of

from .conftest import entity, poll


def _float(hass: HomeAssistant, entity_id: str) -> float:
    return float(state_of(hass, entity_id))


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform", [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.NUMBER, Platform.SELECT]
)
async def test_entities_snapshot(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Names, units, classes, categories, options and states of every entity, per platform."""
    platforms = KINDS[EntryKind.CHARGER].platforms
    assert isinstance(platforms, dict)
    with patch.dict(platforms, {platform: platforms[platform]}, clear=True):
        assert await async_add_and_set_up(hass, config_entry)
        await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


async def test_values_follow_a_charging_session(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A car arrives and charges: every sensor shows the simulator's values in SI units."""
    assert state_of(hass, entity("sensor", "state")) == "ready"
    assert state_of(hass, entity("binary_sensor", "vehicle_connected")) == "off"
    simulator.plug_in()
    simulator.model.feed_mains(52, 31, 40)
    simulator.advance(2)
    simulator.advance(60)
    await poll(hass)
    served = simulator.snapshot()
    assert served["state"] == "Charging"
    assert state_of(hass, entity("sensor", "state")) == "charging"
    assert state_of(hass, entity("binary_sensor", "vehicle_connected")) == "on"
    assert state_of(hass, entity("binary_sensor", "charging")) == "on"
    assert state_of(hass, entity("sensor", "error")) == "none"
    assert _float(hass, entity("sensor", "charge_current")) == served["charge_current"] == 16.0
    assert _float(hass, entity("sensor", "charging_power")) == served["ev_power"] == 11040
    for n, current in enumerate(served["ev_currents"], start=1):
        assert _float(hass, entity("sensor", f"charging_current_l{n}")) == current == 16.0
    assert [_float(hass, entity("sensor", f"mains_current_l{n}")) for n in (1, 2, 3)] == [
        5.2,
        3.1,
        4.0,
    ]
    assert _float(hass, entity("sensor", "charged_energy_total")) == pytest.approx(
        served["ev_total_energy"] / 1000, abs=0.001
    )
    assert _float(hass, entity("sensor", "session_energy")) == pytest.approx(
        served["ev_session_energy"] / 1000, abs=0.001
    )
    assert served["ev_session_energy"] > 0
    assert _float(hass, entity("sensor", "charging_phases")) == 3
    assert _float(hass, entity("sensor", "temperature")) == served["temperature"]
    assert _float(hass, entity("sensor", "solar_stop_timer")) == 0
    assert state_of(hass, entity("select", "mode")) == "normal"
    assert state_of(hass, entity("select", "phase_switching_c2")) == "always_on"
    assert _float(hass, entity("number", "override_current")) == 0
    assert _float(hass, entity("number", "solar_start_current")) == 4
    assert _float(hass, entity("number", "solar_maximum_import")) == 0
    assert _float(hass, entity("number", "solar_stop_time")) == 10
    assert _float(hass, entity("number", "capacity_limit_sum_of_phases")) == 0
    hass_max = hass.states.get(entity("number", "override_current"))
    assert hass_max is not None
    assert hass_max.attributes["max"] == 16


async def test_no_ev_meter_means_unknown_not_zero(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Without an EV meter the firmware sends zeros; Gridmate shows unknown."""
    simulator.model.ev_meter = "Disabled"
    await poll(hass)
    for name in ("charging_power", "charged_energy_total", "session_energy", "charging_current_l1"):
        assert state_of(hass, entity("sensor", name)) == STATE_UNKNOWN, name
    assert state_of(hass, entity("sensor", "charge_current")) == "0.0"


async def _select(hass: HomeAssistant, name: str, option: str) -> None:
    await hass.services.async_call(
        "select",
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity("select", name), ATTR_OPTION: option},
        blocking=True,
    )


async def _set(hass: HomeAssistant, name: str, value: float) -> None:
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity("number", name), ATTR_VALUE: value},
        blocking=True,
    )


@pytest.mark.parametrize("mode", ["off", "smart", "solar", "pause", "normal"])
async def test_mode_select_changes_the_charger(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry, mode: str
) -> None:
    """Each mode reaches the simulator and comes back as the select's state."""
    await _select(hass, "mode", mode)
    assert simulator.mode == mode
    assert state_of(hass, entity("select", "mode")) == mode


async def test_smart_mode_needs_a_mains_meter(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The firmware ignores Smart/Solar without a mains meter: Gridmate says so."""
    simulator.model.mains_meter = "Disabled"
    await poll(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _select(hass, "mode", "smart")
    assert err.value.translation_key == "smartevse_mode_needs_mains_meter"
    assert simulator.mode == "normal"


@pytest.mark.parametrize(
    ("option", "firmware"),
    [
        ("not_present", "Not present"),
        ("always_off", "Always Off"),
        ("solar_off", "Solar Off"),
        ("always_on", "Always On"),
        ("auto", "Auto"),
    ],
)
async def test_c2_select(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    loaded_entry: MockConfigEntry,
    option: str,
    firmware: str,
) -> None:
    """Every C2 behaviour is sent as the firmware's index and shown back."""
    await _select(hass, "phase_switching_c2", option)
    assert simulator.c2 == firmware
    assert state_of(hass, entity("select", "phase_switching_c2")) == option


async def test_override_current(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """8.3 A is sent as 83 dA and charges at it; 0 removes the override."""
    simulator.plug_in()
    simulator.advance(3)
    await _set(hass, "override_current", 8.3)
    assert simulator.override_current == 8.3
    assert simulator.http.requests[-2] == ("POST", "/settings", {"override_current": "83"})
    simulator.advance(2)
    await poll(hass)
    assert _float(hass, entity("number", "override_current")) == 8.3
    assert _float(hass, entity("sensor", "charge_current")) == 8.3
    assert _float(hass, entity("sensor", "charging_current_l1")) == 8.3
    await _set(hass, "override_current", 0)
    assert simulator.override_current == 0
    assert ("POST", "/settings", {"disable_override_current": "1"}) in simulator.http.requests


async def test_override_current_validation(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Below MIN, above MAX and in Solar mode are refused with a reason, nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _set(hass, "override_current", 4)
    assert err.value.translation_key == "smartevse_override_below_min"
    with pytest.raises(ServiceValidationError):
        await _set(hass, "override_current", 20)  # above MAX (16): HA's own range check
    await _select(hass, "mode", "solar")
    with pytest.raises(ServiceValidationError) as err:
        await _set(hass, "override_current", 10)
    assert err.value.translation_key == "smartevse_override_mode"
    assert simulator.override_current == 0
    assert not [r for r in simulator.http.requests if "override_current" in r[2]]


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        ("solar_start_current", 12, "solar_start_current"),
        ("solar_maximum_import", 3, "solar_max_import"),
        ("solar_stop_time", 25, "solar_stop_time"),
        ("capacity_limit_sum_of_phases", 40, "current_max_sum_mains"),
        ("capacity_limit_sum_of_phases", 0, "current_max_sum_mains"),
    ],
)
async def test_settings_numbers(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    loaded_entry: MockConfigEntry,
    name: str,
    value: int,
    key: str,
) -> None:
    """Each setting reaches the simulator and comes back as the number's state."""
    if value == 0:
        await _set(hass, name, 50)
    await _set(hass, name, value)
    assert simulator.snapshot()[key] == value
    assert _float(hass, entity("number", name)) == value


async def test_capacity_between_1_and_9_is_refused(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The firmware takes 0 or 10-600 A."""
    with pytest.raises(ServiceValidationError) as err:
        await _set(hass, "capacity_limit_sum_of_phases", 5)
    assert err.value.translation_key == "smartevse_max_sum_mains_range"
    assert simulator.model.max_sum_mains == 0


async def test_command_while_unreachable(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A command to a charger that went away raises a translated error."""
    await simulator.http_offline()
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, "mode", "pause")
    assert err.value.translation_key == "smartevse_unreachable"


async def test_unreachable_goes_unavailable_and_recovers(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """No answer: every entity unavailable; the charger back: values again."""
    await simulator.http_offline()
    await poll(hass)
    assert state_of(hass, entity("sensor", "state")) == STATE_UNAVAILABLE
    assert state_of(hass, entity("select", "mode")) == STATE_UNAVAILABLE
    assert charger_of(loaded_entry).status is None  # type: ignore[union-attr]
    await simulator.http_online()
    simulator.plug_in()
    simulator.advance(1)
    await poll(hass)
    assert state_of(hass, entity("sensor", "state")) == "connected"
    assert state_of(hass, entity("binary_sensor", "vehicle_connected")) == "on"


@pytest.mark.parametrize(
    "fault",
    [Fault.TRUNCATED, Fault.NOT_JSON, Fault.NAN, Fault.EMPTY_OBJECT, Fault.HTTP_500],
)
async def test_malformed_answers_make_entities_unavailable(
    hass: HomeAssistant,
    simulator: SmartEvseSimulator,
    loaded_entry: MockConfigEntry,
    fault: Fault,
) -> None:
    """Broken documents never show as numbers, and the next good poll recovers."""
    simulator.fault = fault
    await poll(hass)
    assert state_of(hass, entity("sensor", "charge_current")) == STATE_UNAVAILABLE
    assert loaded_entry.runtime_data.coordinator.last_error
    simulator.fault = None
    await poll(hass)
    assert state_of(hass, entity("sensor", "charge_current")) == "0.0"


async def test_wrong_types_give_unknown(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Every value as the wrong type: the document is not a SmartEVSE's, nothing wrong shows."""
    simulator.fault = Fault.WRONG_TYPES
    await poll(hass)
    value = state_of(hass, entity("sensor", "charge_current"))
    assert value in (STATE_UNAVAILABLE, STATE_UNKNOWN)


async def test_setup_retries_when_the_charger_is_away(
    hass: HomeAssistant, simulator: SmartEvseSimulator, config_entry: MockConfigEntry
) -> None:
    """Not ready at start: retried, then loaded."""
    await simulator.http_offline()
    await async_add_and_set_up(hass, config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    await simulator.http_online()
    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED


async def test_busy_charger_backs_off_then_recovers(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """503 on every poll: values kept twice while the interval doubles, then unavailable."""
    coordinator = loaded_entry.runtime_data.coordinator
    coordinator.driver._busy_delay = 0.01  # (the driver's own retries, in real time)
    simulator.http.max_gets_per_s = 0  # every GET is "Server busy"
    await poll(hass, 5)
    assert state_of(hass, entity("sensor", "state")) == "ready"
    assert coordinator.update_interval.total_seconds() == 10
    await poll(hass, 10)
    assert state_of(hass, entity("sensor", "state")) == "ready"
    assert coordinator.update_interval.total_seconds() == 20
    await poll(hass, 20)
    assert state_of(hass, entity("sensor", "state")) == STATE_UNAVAILABLE
    simulator.http.max_gets_per_s = 4
    await poll(hass, 40)
    assert state_of(hass, entity("sensor", "state")) == "ready"
    assert coordinator.update_interval.total_seconds() == 5
