"""Config flow of the controller: every path and every error, each ending in an entry."""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import DOMAIN

from .conftest import (
    ENABLE,
    EV_CURRENTS,
    LIMIT,
    MAINS,
    PLUGGED,
    controller_data,
    controller_options,
    set_ev,
    set_mains,
    setup_helpers,
)

INSTALLATION = {
    "name": "Home",
    "phases": "3",
    "voltage": 230,
    "main_fuse": 25,
    "stale_timeout": 10,
    "safe_current": 0,
    "raise_interval": 5,
}
CURRENTS_FORM = {"current_l1": MAINS[0], "current_l2": MAINS[1], "current_l3": MAINS[2]}
CHARGER_FORM = {
    "name": "Wallbox",
    "number": LIMIT,
    "switch": ENABLE,
    "connected": PLUGGED,
    "current_l1": EV_CURRENTS[0],
    "current_l2": EV_CURRENTS[1],
    "current_l3": EV_CURRENTS[2],
    "phases": "3",
    "first_phase": "0",
    "min_current": 6,
    "max_current": 16,
    "priority": 0,
}

ONE_PHASE_CHARGER = {
    **{k: v for k, v in CHARGER_FORM.items() if k not in ("current_l2", "current_l3")},
    "phases": "1",
}


@pytest.fixture(autouse=True)
async def sensors(hass: HomeAssistant) -> None:
    """The meter and the wallbox of other integrations, as the flow finds them."""
    await setup_helpers(hass)
    set_mains(hass, 5, 5, 5)
    set_ev(hass, 0)
    for index, entity_id in enumerate(("sensor.grid_p1", "sensor.grid_p2", "sensor.grid_p3")):
        hass.states.async_set(
            entity_id, str(1000 + index), {"unit_of_measurement": "W", "device_class": "power"}
        )
    hass.states.async_set("sensor.grid_u", "231", {"unit_of_measurement": "V"})
    hass.states.async_set("sensor.battery_power", "-500", {"unit_of_measurement": "W"})
    hass.states.async_set("sensor.battery_soc", "55", {"unit_of_measurement": "%"})


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "controller" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "controller"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "controller"
    return result


async def _menu(hass: HomeAssistant, result: dict[str, Any], option: str) -> dict[str, Any]:
    assert result["type"] is FlowResultType.MENU, result
    assert option in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": option}
    )


async def _submit(hass: HomeAssistant, result: dict[str, Any], data: dict[str, Any]) -> Any:
    return await hass.config_entries.flow.async_configure(result["flow_id"], data)


async def _to_chargers(hass: HomeAssistant, installation: dict[str, Any] | None = None) -> Any:
    """Installation, current sensors, no extras: the charger menu."""
    result = await _submit(hass, await _start(hass), installation or INSTALLATION)
    result = await _menu(hass, result, "controller_mains_currents")
    result = await _submit(hass, result, CURRENTS_FORM)
    assert result["step_id"] == "controller_extras"
    result = await _submit(hass, result, {})
    assert result["step_id"] == "controller_chargers"
    return result


async def _finish_with_charger(hass: HomeAssistant, result: Any, form: dict[str, Any]) -> Any:
    result = await _menu(hass, result, "controller_charger_entities")
    result = await _submit(hass, result, form)
    assert result["step_id"] == "controller_chargers", result.get("errors")
    return await _menu(hass, result, "controller_finish")


async def test_add_with_current_sensors_and_an_entity_charger(hass: HomeAssistant) -> None:
    """The whole path: an entry with the wiring in data and the installation in options."""
    result = await _to_chargers(hass)
    assert result["menu_options"] == ["controller_charger_entities"]  # nothing to finish yet
    result = await _menu(hass, result, "controller_charger_entities")
    result = await _submit(hass, result, CHARGER_FORM)
    assert "controller_finish" in result["menu_options"]
    assert "Wallbox" in result["description_placeholders"]["chargers"]
    result = await _menu(hass, result, "controller_finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Home"
    data = result["data"]
    assert data["kind"] == "controller"
    assert data["mains"] == {"source": "currents", "currents": list(MAINS), "powers": []}
    assert data["circuit"] == {}
    assert data["battery"] == {}
    (charger,) = data["chargers"]
    assert charger["number"] == LIMIT
    assert charger["switch"] == ENABLE
    assert charger["currents"] == list(EV_CURRENTS)
    assert (charger["phases"], charger["min_current"], charger["max_current"]) == (3, 6.0, 16.0)
    assert result["options"] == {
        "phases": 3,
        "voltage": 230.0,
        "main_fuse": 25.0,
        "stale_timeout": 10.0,
        "safe_current": 0.0,
        "raise_interval": 5.0,
    }
    entry = result["result"]
    assert entry.unique_id
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("select.home_charge_mode") is not None


async def test_add_with_power_sensors_voltage_circuit_and_battery(hass: HomeAssistant) -> None:
    """Power sensors with one voltage sensor; circuit currents and a battery."""
    result = await _submit(hass, await _start(hass), INSTALLATION)
    result = await _menu(hass, result, "controller_mains_powers")
    result = await _submit(
        hass,
        result,
        {
            "power_l1": "sensor.grid_p1",
            "power_l2": "sensor.grid_p2",
            "power_l3": "sensor.grid_p3",
            "voltage_l1": "sensor.grid_u",
        },
    )
    assert result["step_id"] == "controller_extras"
    result = await _submit(
        hass,
        result,
        {
            "circuit_l1": EV_CURRENTS[0],
            "circuit_l2": EV_CURRENTS[1],
            "circuit_l3": EV_CURRENTS[2],
            "battery_power": "sensor.battery_power",
            "battery_soc": "sensor.battery_soc",
            "battery_invert": True,
        },
    )
    result = await _finish_with_charger(hass, result, CHARGER_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data["mains"] == {
        "source": "powers",
        "powers": ["sensor.grid_p1", "sensor.grid_p2", "sensor.grid_p3"],
        "voltages": ["sensor.grid_u"],
    }
    assert data["circuit"] == {"currents": list(EV_CURRENTS)}
    assert data["battery"] == {
        "battery_power": "sensor.battery_power",
        "battery_soc": "sensor.battery_soc",
        "battery_invert": True,
    }


async def test_single_phase_installation(hass: HomeAssistant) -> None:
    """One phase: one sensor asked for; a one-phase charger on L1."""
    result = await _submit(hass, await _start(hass), {**INSTALLATION, "phases": "1"})
    result = await _menu(hass, result, "controller_mains_currents")
    assert [str(key) for key in result["data_schema"].schema] == ["current_l1", "power_l1"]
    result = await _submit(hass, result, {"current_l1": MAINS[0]})
    result = await _submit(hass, result, {})
    result = await _finish_with_charger(hass, result, ONE_PHASE_CHARGER)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["phases"] == 1
    assert result["data"]["chargers"][0]["currents"] == [EV_CURRENTS[0]]


@pytest.mark.parametrize(
    ("field", "bad", "error"),
    [
        ("safe_current", 3, "safe_current_below_minimum"),
        ("safe_current", 30, "safe_current_above_fuse"),
        ("circuit_limit", 32, "circuit_above_fuse"),
        ("sum_limit", 80, "sum_limit_above_fuses"),
        ("sum_limit", 4, "sum_limit_below_minimum"),
        ("capacity_cap", 1.0, "capacity_cap_too_low"),
    ],
)
async def test_installation_errors(hass: HomeAssistant, field: str, bad: float, error: str) -> None:
    """An impossible installation is refused on its field; fixing it goes on to an entry."""
    result = await _submit(hass, await _start(hass), {**INSTALLATION, field: bad})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    result = await _submit(hass, result, INSTALLATION)
    result = await _menu(hass, result, "controller_mains_currents")
    result = await _submit(hass, result, CURRENTS_FORM)
    result = await _submit(hass, result, {})
    result = await _finish_with_charger(hass, result, CHARGER_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_mains_sensor_errors(hass: HomeAssistant) -> None:
    """Wrong unit, a missing sensor, the same sensor twice: refused; then an entry."""
    result = await _submit(hass, await _start(hass), INSTALLATION)
    result = await _menu(hass, result, "controller_mains_currents")
    result = await _submit(hass, result, {**CURRENTS_FORM, "current_l2": "sensor.grid_p2"})
    assert result["errors"] == {"current_l2": "wrong_unit"}
    result = await _submit(hass, result, {**CURRENTS_FORM, "current_l3": "sensor.nowhere"})
    assert result["errors"] == {"current_l3": "entity_not_found"}
    result = await _submit(hass, result, {**CURRENTS_FORM, "current_l3": MAINS[0]})
    assert result["errors"] == {"base": "invalid_sensor_combination"}
    result = await _submit(hass, result, {**CURRENTS_FORM, "power_l1": "sensor.grid_p1"})
    assert result["errors"] == {"base": "invalid_sensor_combination"}  # sign: all or none
    result = await _submit(hass, result, CURRENTS_FORM)
    result = await _submit(hass, result, {})
    result = await _finish_with_charger(hass, result, CHARGER_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_power_sensor_errors(hass: HomeAssistant) -> None:
    """Voltage for two of three phases, a current sensor as power: refused; then an entry."""
    result = await _submit(hass, await _start(hass), INSTALLATION)
    result = await _menu(hass, result, "controller_mains_powers")
    powers = {
        "power_l1": "sensor.grid_p1",
        "power_l2": "sensor.grid_p2",
        "power_l3": "sensor.grid_p3",
    }
    result = await _submit(hass, result, {**powers, "power_l3": MAINS[2]})
    assert result["errors"] == {"power_l3": "wrong_unit"}
    result = await _submit(
        hass, result, {**powers, "voltage_l1": "sensor.grid_u", "voltage_l2": "sensor.grid_u"}
    )
    assert result["errors"] == {"base": "invalid_sensor_combination"}
    result = await _submit(hass, result, powers)
    assert result["step_id"] == "controller_extras"
    result = await _submit(hass, result, {})
    result = await _finish_with_charger(hass, result, CHARGER_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["mains"]["voltages"] == []


async def test_extras_errors(hass: HomeAssistant) -> None:
    """Circuit on one phase of three, SOC without battery power, wrong units; then an entry."""
    result = await _submit(hass, await _start(hass), INSTALLATION)
    result = await _menu(hass, result, "controller_mains_currents")
    result = await _submit(hass, result, CURRENTS_FORM)
    result = await _submit(hass, result, {"circuit_l1": EV_CURRENTS[0]})
    assert result["errors"] == {"base": "circuit_needs_every_phase"}
    result = await _submit(hass, result, {"battery_soc": "sensor.battery_soc"})
    assert result["errors"] == {"battery_soc": "soc_needs_battery_power"}
    result = await _submit(hass, result, {"battery_power": MAINS[0]})
    assert result["errors"] == {"battery_power": "wrong_unit"}
    result = await _submit(hass, result, {"circuit_l2": "sensor.grid_p2"})
    assert result["errors"] == {"circuit_l2": "wrong_unit", "base": "circuit_needs_every_phase"}
    result = await _submit(hass, result, {"battery_power": "sensor.battery_power"})
    result = await _finish_with_charger(hass, result, CHARGER_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["battery"]["battery_power"] == "sensor.battery_power"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"number": "input_number.nowhere"}, {"number": "entity_not_found"}),
        ({"number": "input_number.watts"}, {"number": "number_not_current"}),
        ({"number": "input_number.no_range"}, {"number": "number_without_range"}),
        ({"max_current": 40}, {"base": "outside_number_range"}),
        ({"number": "input_number.six_up", "switch": None}, {"base": "cannot_pause"}),
        ({"min_current": 16, "max_current": 10}, {"max_current": "min_above_max"}),
        ({"current_l1": None}, {"base": "charger_currents"}),
        ({"current_l3": None}, {"base": "charger_currents"}),
        ({"switch": "switch.nowhere"}, {"switch": "entity_not_found"}),
        ({"current_l2": "sensor.grid_p2"}, {"current_l2": "wrong_unit"}),
        ({"first_phase": "2", "phases": "1", "current_l2": None, "current_l3": None}, {}),
    ],
)
async def test_entity_charger_errors(
    hass: HomeAssistant, change: dict[str, Any], errors: dict[str, str]
) -> None:
    """Each mistake in an entity charger is named; correcting it finishes the flow."""
    hass.states.async_set(
        "input_number.watts", "0", {"min": 0, "max": 11000, "step": 1, "unit_of_measurement": "W"}
    )
    hass.states.async_set("input_number.no_range", "0", {"unit_of_measurement": "A"})
    hass.states.async_set(
        "input_number.six_up", "6", {"min": 6, "max": 32, "step": 1, "unit_of_measurement": "A"}
    )
    result = await _to_chargers(hass)
    result = await _menu(hass, result, "controller_charger_entities")
    form = {k: v for k, v in {**CHARGER_FORM, **change}.items() if v is not None}
    result = await _submit(hass, result, form)
    if errors:
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == errors
        result = await _submit(hass, result, CHARGER_FORM)
    assert result["step_id"] == "controller_chargers"
    result = await _menu(hass, result, "controller_finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_charger_wiring_errors(hass: HomeAssistant) -> None:
    """A 3-phase charger or one on L2 of a 1-phase installation; a minimum above the fuse."""
    result = await _submit(
        hass, await _start(hass), {**INSTALLATION, "phases": "1", "main_fuse": 10}
    )
    result = await _menu(hass, result, "controller_mains_currents")
    result = await _submit(hass, result, {"current_l1": MAINS[0]})
    result = await _submit(hass, result, {})
    result = await _menu(hass, result, "controller_charger_entities")
    one_phase = ONE_PHASE_CHARGER
    result = await _submit(hass, result, {**one_phase, "phases": "3"})
    assert result["errors"] == {"phases": "three_phase_charger_on_single_phase"}
    result = await _submit(hass, result, {**one_phase, "first_phase": "1"})
    assert result["errors"] == {"first_phase": "phase_not_in_installation"}
    result = await _submit(hass, result, {**one_phase, "min_current": 12})
    assert result["errors"] == {"min_current": "minimum_above_fuse"}
    result = await _submit(hass, result, one_phase)
    result = await _menu(hass, result, "controller_finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def _existing_controller(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Other",
        unique_id="other",
        data=controller_data(),
        options=controller_options(),
    )
    entry.add_to_hass(hass)
    return entry


async def test_sources_used_by_another_controller(hass: HomeAssistant) -> None:
    """One controller per main fuse, one controller per charger."""
    await _existing_controller(hass)
    result = await _submit(hass, await _start(hass), INSTALLATION)
    result = await _menu(hass, result, "controller_mains_currents")
    result = await _submit(hass, result, CURRENTS_FORM)
    assert result["errors"] == {"base": "mains_in_use"}
    result = await _submit(
        hass,
        result,
        {"current_l1": EV_CURRENTS[0], "current_l2": EV_CURRENTS[1], "current_l3": EV_CURRENTS[2]},
    )
    result = await _submit(hass, result, {})
    result = await _menu(hass, result, "controller_charger_entities")
    result = await _submit(hass, result, CHARGER_FORM)
    assert result["errors"] == {"number": "charger_in_use"}
    hass.states.async_set(
        "input_number.second", "0", {"min": 0, "max": 32, "step": 1, "unit_of_measurement": "A"}
    )
    result = await _submit(hass, result, {**CHARGER_FORM, "number": "input_number.second"})
    result = await _menu(hass, result, "controller_finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_charger_twice_and_remove(hass: HomeAssistant) -> None:
    """The same number twice is refused; a charger can be taken off the list again."""
    hass.states.async_set(
        "input_number.second", "0", {"min": 0, "max": 32, "step": 1, "unit_of_measurement": "A"}
    )
    result = await _to_chargers(hass)
    result = await _menu(hass, result, "controller_charger_entities")
    result = await _submit(hass, result, CHARGER_FORM)
    result = await _menu(hass, result, "controller_charger_entities")
    result = await _submit(hass, result, {**CHARGER_FORM, "name": "Again"})
    assert result["errors"] == {"number": "charger_in_use"}
    result = await _submit(
        hass, result, {**CHARGER_FORM, "name": "Second", "number": "input_number.second"}
    )
    result = await _menu(hass, result, "controller_charger_remove")
    options = result["data_schema"].schema["charger_id"].config["options"]
    assert [option["label"] for option in options] == ["Wallbox", "Second"]
    result = await _submit(hass, result, {"charger_id": options[0]["value"]})
    result = await _menu(hass, result, "controller_finish")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert [c["name"] for c in result["data"]["chargers"]] == ["Second"]


async def test_reconfigure_the_wiring(hass: HomeAssistant) -> None:
    """Reconfigure: new mains sensors and another charger; the entry reloads."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        data=controller_data(),
        options=controller_options(),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    hass.states.async_set(
        "input_number.second", "0", {"min": 0, "max": 32, "step": 1, "unit_of_measurement": "A"}
    )
    result = await entry.start_reconfigure_flow(hass)
    result = await _menu(hass, result, "controller_mains_powers")
    result = await _submit(
        hass,
        result,
        {"power_l1": "sensor.grid_p1", "power_l2": "sensor.grid_p2", "power_l3": "sensor.grid_p3"},
    )
    result = await _submit(hass, result, {})
    assert result["step_id"] == "controller_chargers"
    assert "Wallbox" in result["description_placeholders"]["chargers"]
    result = await _menu(hass, result, "controller_charger_entities")
    result = await _submit(
        hass, result, {**CHARGER_FORM, "name": "Second", "number": "input_number.second"}
    )
    result = await _menu(hass, result, "controller_finish")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["mains"]["source"] == "powers"
    assert [c["name"] for c in entry.data["chargers"]] == ["Wallbox", "Second"]
    assert entry.options == controller_options()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("number.home_second_maximum_current") is not None


async def test_options_change_the_installation(hass: HomeAssistant) -> None:
    """Options: errors on the field, a charger that no longer fits; then saved and reloaded."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        data=controller_data(),
        options=controller_options(),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "controller"
    form = {k: v for k, v in INSTALLATION.items() if k != "name"}
    form |= {"start_delay": 60, "min_switch_time": 60}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**form, "safe_current": 2}
    )
    assert result["errors"] == {"safe_current": "safe_current_below_minimum"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**form, "phases": "1"}
    )
    assert result["errors"] == {"phases": "charger_does_not_fit"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**form, "main_fuse": 35, "battery_first_soc": 40, "start_delay": 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options["main_fuse"] == 35.0
    assert entry.options["battery_first_soc"] == 40.0
    settings = entry.runtime_data.core.settings
    assert (settings.max_mains, settings.start_delay_s, settings.battery_first_soc_pct) == (
        35.0,
        30.0,
        40.0,
    )
    assert hass.states.get("number.home_main_fuse_limit").attributes["max"] == 35.0
