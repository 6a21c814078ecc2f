"""Config flow of the SmartEVSE: every path, and every error path recovering to an entry."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.smartevse.config_flow import serial_from_name
from custom_components.gridmate.charger.smartevse.const import CONF_MQTT_PREFIX
from custom_components.gridmate.const import CONF_SERIAL, DOMAIN
from simulator.smartevse import Fault, SmartEvseSimulator
from tests.helpers import async_open_form

from .conftest import entry_data


def _form(sim: SmartEvseSimulator, **overrides: Any) -> dict[str, Any]:
    return {CONF_HOST: f"127.0.0.1:{sim.port}", **overrides}


async def _start(hass: HomeAssistant) -> str:
    """Open the flow and walk the menus: Add > EV charger > SmartEVSE."""
    return await async_open_form(hass, "charger", "smartevse")


async def test_user_flow_creates_entry(hass: HomeAssistant, simulator: SmartEvseSimulator) -> None:
    """Host only: REST polling, serial from the API, entry loads."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SmartEVSE 51446"
    assert result["result"].unique_id == "smartevse_51446"
    assert result["data"] == entry_data(simulator)
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_cannot_connect_then_recover(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """Nothing listening: cannot_connect; the right port then creates the entry."""
    flow_id = await _start(hass)
    await simulator.http_offline()
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    await simulator.http_online()
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_not_a_smartevse_then_recover(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """A web server that is not a SmartEVSE is named as such; the real one is then added."""
    flow_id = await _start(hass)
    for fault in (Fault.NOT_JSON, Fault.EMPTY_OBJECT, Fault.TRUNCATED):
        simulator.fault = fault
        result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
        assert result["errors"] == {"base": "smartevse_not_smartevse"}, fault
    simulator.fault = None
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_duplicate_serial_aborts_and_updates_host(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """The same charger at a new address is not added twice; its entry gets the new host."""
    old = MockConfigEntry(
        domain=DOMAIN,
        unique_id="smartevse_51446",
        data=entry_data(simulator, **{CONF_HOST: "192.0.2.1"}),
    )
    old.add_to_hass(hass)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert old.data[CONF_HOST] == f"127.0.0.1:{simulator.port}"


async def test_firmware_without_serial_asks_for_it(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """Firmware before April 2024 sends no serialnr: the user types it; bad input recovers."""
    document = simulator.http.settings_document
    simulator.http.settings_document = lambda: {  # type: ignore[method-assign]
        k: v for k, v in document().items() if k != "serialnr"
    }
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartevse_serial"
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SERIAL: "12ab"})
    assert result["errors"] == {CONF_SERIAL: "smartevse_invalid_serial"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SERIAL: " 777 "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "smartevse_777"
    assert result["data"][CONF_SERIAL] == "777"


def test_serial_from_default_names() -> None:
    """The firmware's default prefix and host name carry the serial."""
    assert serial_from_name("SmartEVSE-51446") == "51446"
    assert serial_from_name("smartevse-51446.local") == "51446"
    assert serial_from_name("garage-charger") is None
    assert serial_from_name(None) is None


async def test_mqtt_prefix_without_mqtt_integration(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """A prefix needs HA's MQTT integration; clearing the prefix then creates the entry."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(simulator, **{CONF_MQTT_PREFIX: "SmartEVSE-51446"})
    )
    assert result["errors"] == {CONF_MQTT_PREFIX: "smartevse_mqtt_not_configured"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, _form(simulator, **{CONF_MQTT_PREFIX: "  "})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_MQTT_PREFIX] == ""


async def test_invalid_prefix_then_recover(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """Wildcards and spaces are not a prefix."""
    flow_id = await _start(hass)
    for bad in ("SmartEVSE/#", "a b", "x+y", "Smart\tEVSE"):
        result = await hass.config_entries.flow.async_configure(
            flow_id, _form(simulator, **{CONF_MQTT_PREFIX: bad})
        )
        assert result["errors"] == {CONF_MQTT_PREFIX: "smartevse_invalid_prefix"}, bad
    result = await hass.config_entries.flow.async_configure(flow_id, _form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_reconfigure_changes_host(hass: HomeAssistant, simulator: SmartEvseSimulator) -> None:
    """Reconfigure: a dead address is reported, the right one is stored and reloaded."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="smartevse_51446",
        data=entry_data(simulator, **{CONF_HOST: "127.0.0.1:1"}),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartevse_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1:1"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _form(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == f"127.0.0.1:{simulator.port}"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_to_another_charger_aborts(
    hass: HomeAssistant, simulator: SmartEvseSimulator
) -> None:
    """An address that answers with another serial is refused."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="smartevse_999",
        data=entry_data(simulator, **{CONF_SERIAL: "999"}),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _form(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "smartevse_wrong_device"
    assert entry.data[CONF_SERIAL] == "999"
