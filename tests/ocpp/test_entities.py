"""Commands, faults, authentication and restarts of an OCPP charger through Home Assistant."""

from __future__ import annotations

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_PASSWORD,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.ocpp.const import CONF_AUTH_MODE, CONF_ID_TAGS
from custom_components.gridmate.const import DOMAIN
from simulator.ocpp import AuthorizationMode, Car
from tests.helpers import async_add_and_set_up

from .conftest import PortSimFactory, ocpp_entry, state_becomes


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    assert await async_add_and_set_up(hass, entry)
    return entry


async def _call(
    hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: object
) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )


async def test_current_limit_and_pause(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """The number sends a charging profile; the charging switch pauses and resumes."""
    sim = await port_sim(ocpp_port)
    await sim.plug_in(Car(max_current=32))
    await sim.wait_until(lambda: sim.status == "Charging")
    await _call(
        hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, "number.ocpp_cp1_current_limit", **{ATTR_VALUE: 9}
    )
    assert sim.offered == 9.0
    assert sim.current == 9.0
    await state_becomes(hass, "number.ocpp_cp1_current_limit", "9.0")
    await state_becomes(hass, "sensor.ocpp_cp1_current_limit_in_force", "9.0")
    state = hass.states.get("number.ocpp_cp1_current_limit")
    assert state is not None
    assert state.attributes["max"] == 16

    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, "switch.ocpp_cp1_charging_allowed")
    assert sim.offered == 0.0
    await sim.wait_until(lambda: sim.status == "SuspendedEVSE")
    await state_becomes(hass, "sensor.ocpp_cp1_status", "suspended_evse")
    assert hass.states.get("switch.ocpp_cp1_charging_allowed").state == STATE_OFF  # type: ignore[union-attr]
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "switch.ocpp_cp1_charging_allowed")
    assert sim.offered == 9.0
    await state_becomes(hass, "sensor.ocpp_cp1_status", "charging")


async def test_sessions_availability_and_reset(
    hass: HomeAssistant, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Start and stop a session by button, switch availability, restart the charger."""
    await _setup(hass, ocpp_entry(ocpp_port))
    sim = await port_sim(ocpp_port, auth_mode=AuthorizationMode.RFID)
    await sim.plug_in()
    await state_becomes(hass, "sensor.ocpp_cp1_status", "preparing")
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.ocpp_cp1_start_session")
    await sim.wait_until(lambda: sim.status == "Charging")
    assert sim.transaction_tag == "gridmate"
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.ocpp_cp1_stop_session")
    await sim.wait_until(lambda: sim.transaction_id is None)
    await state_becomes(hass, "sensor.ocpp_cp1_status", "finishing")
    # Nothing to stop any more: a translated error, not a crash.
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.ocpp_cp1_stop_session")
    assert err.value.translation_key == "ocpp_rejected"

    await sim.unplug()
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, "switch.ocpp_cp1_available")
    await state_becomes(hass, "sensor.ocpp_cp1_status", "unavailable")
    assert hass.states.get("switch.ocpp_cp1_available").state == STATE_OFF  # type: ignore[union-attr]
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, "switch.ocpp_cp1_available")
    await state_becomes(hass, "sensor.ocpp_cp1_status", "available")

    boots = sim.boots
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.ocpp_cp1_restart")
    await sim.wait_until(lambda: sim.boots > boots and sim.booted)
    assert sim.resets == ["Soft"]
    triggers = len(sim.triggers)
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, "button.ocpp_cp1_refresh_status")
    await sim.wait_until(lambda: len(sim.triggers) >= triggers + 2)


async def test_commands_while_disconnected(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """A charger that is not connected: entities unavailable, commands refused clearly."""
    from custom_components.gridmate.charger.ocpp.entity import run_command

    charge_point = loaded_entry.runtime_data.charge_point
    with pytest.raises(HomeAssistantError) as err:
        await run_command(loaded_entry, charge_point.set_current_limit(10))
    assert err.value.translation_key == "ocpp_unreachable"
    assert err.value.translation_placeholders == {"name": "OCPP cp1"}


async def test_infinergi_error_shown_and_raised_as_issue(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """D7 shows as the error state and a repair issue with the manual's advice, then clears."""
    sim = await port_sim(ocpp_port)
    await sim.plug_in()
    await sim.raise_error("D7")
    await state_becomes(hass, "sensor.ocpp_cp1_error", "d7")
    assert hass.states.get("sensor.ocpp_cp1_status").state == "faulted"  # type: ignore[union-attr]
    issue_id = f"ocpp_fault_{loaded_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "ocpp_infinergi_d7"
    assert issue.severity is ir.IssueSeverity.ERROR
    await sim.clear_error()
    await state_becomes(hass, "sensor.ocpp_cp1_error", "no_error")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    # A charger that is not an Infinergi: its OCPP error code, a generic issue.
    await sim.raise_error("X9")
    await state_becomes(hass, "sensor.ocpp_cp1_status", "faulted")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "ocpp_fault"
    assert hass.states.get("sensor.ocpp_cp1_error").state == "other_error"  # type: ignore[union-attr]


async def test_wrong_password_raises_issue_until_it_connects(
    hass: HomeAssistant, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """A refused password shows a repair issue; connecting right removes it."""
    await _setup(hass, ocpp_entry(ocpp_port, **{CONF_PASSWORD: "0123456789abcdef"}))
    wrong = await port_sim(ocpp_port, password="guess", wait_boot=False)
    await wrong.wait_until(lambda: 401 in wrong.rejections)
    await wrong.stop()
    assert ir.async_get(hass).async_get_issue(DOMAIN, "ocpp_auth_cp1") is not None
    await port_sim(ocpp_port, password="0123456789abcdef")
    await state_becomes(hass, "binary_sensor.ocpp_cp1_connected", STATE_ON)
    assert ir.async_get(hass).async_get_issue(DOMAIN, "ocpp_auth_cp1") is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_tag_list_refuses_unknown_cards(
    hass: HomeAssistant, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Options decide which RFID cards may charge; a refused one is shown."""
    await _setup(
        hass,
        ocpp_entry(ocpp_port, options={CONF_AUTH_MODE: "tag_list", CONF_ID_TAGS: ["CARD-1"]}),
    )
    sim = await port_sim(ocpp_port, auth_mode=AuthorizationMode.RFID)
    await sim.plug_in()
    assert await sim.swipe("STRANGER") is False
    await state_becomes(hass, "sensor.ocpp_cp1_last_refused_id_tag", "STRANGER")
    assert await sim.swipe("card-1") is True


async def test_session_survives_a_restart(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Reloading the entry mid-session keeps the transaction and its start meter reading."""
    sim = await port_sim(ocpp_port, meter_interval=1, boot_on_reconnect=False)
    await sim.plug_in()
    await sim.wait_until(lambda: sim.status == "Charging")
    tx_id = sim.transaction_id
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    await sim.wait_until(lambda: sim.booted, within=10)
    await state_becomes(hass, "binary_sensor.ocpp_cp1_connected", STATE_ON)
    snapshot = loaded_entry.runtime_data.charge_point.snapshot
    assert snapshot.transaction is not None
    assert snapshot.transaction.transaction_id == tx_id
    assert snapshot.transaction.meter_start_wh == sim.meter_start
    assert snapshot.boot is not None
    assert snapshot.boot.model == "INFINERGI-3T-DR"
    await sim.unplug()
    await state_becomes(hass, "sensor.ocpp_cp1_status", "available")
    last = loaded_entry.runtime_data.charge_point.snapshot.last_session
    assert last is not None
    assert last.transaction_id == tx_id
    assert last.energy_wh == pytest.approx(round(sim.energy_wh) - sim.meter_start)


async def test_removing_the_entry_forgets_its_sessions(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Deleting the entry drops its saved sessions and repair issues; the charger is refused."""
    from custom_components.gridmate.charger.ocpp.hub import DATA_OCPP

    sim = await port_sim(ocpp_port)
    await sim.plug_in()
    await sim.raise_error("D3")
    await state_becomes(hass, "sensor.ocpp_cp1_error", "d3")
    issue_id = f"ocpp_fault_{loaded_entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert "cp1" not in hass.data[DATA_OCPP].stored
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await sim.wait_until(lambda: not sim.connected)
