"""Config, discovery, reconfigure and options flows of the OCPP charger type."""

from __future__ import annotations

import socket

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_PASSWORD, CONF_PORT, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.const import CONF_CHARGER_TYPE
from custom_components.gridmate.charger.ocpp.config_flow import parse_id_tags, valid_charge_point_id
from custom_components.gridmate.charger.ocpp.const import (
    CONF_AUTH_MODE,
    CONF_CHARGE_POINT_ID,
    CONF_HEARTBEAT_INTERVAL,
    CONF_ID_TAGS,
    CONF_MAX_CURRENT,
    CONF_METER_INTERVAL,
    CONF_PHASES,
    CONF_REMOTE_ID_TAG,
)
from custom_components.gridmate.const import CONF_KIND, DOMAIN
from tests.helpers import async_open_user_flow, free_port

from .conftest import PortSimFactory, ocpp_entry, state_becomes


async def _ocpp_form(hass: HomeAssistant) -> str:
    result = await async_open_user_flow(hass, "charger", "ocpp")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocpp"
    assert result["description_placeholders"]["url"].startswith("ws://")
    return result["flow_id"]


async def test_user_flow_errors_recover_to_an_entry(
    hass: HomeAssistant, socket_enabled: None, port_sim: PortSimFactory
) -> None:
    """A bad id and a taken port are reported on the form; fixing them creates the entry."""
    flow_id = await _ocpp_form(hass)
    with socket.socket() as blocker:
        blocker.bind(("0.0.0.0", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        form = {
            CONF_CHARGE_POINT_ID: "bad/id",
            CONF_PORT: taken,
            CONF_MAX_CURRENT: 20,
            CONF_PHASES: "1",
        }
        result = await hass.config_entries.flow.async_configure(flow_id, form)
        assert result["errors"] == {CONF_CHARGE_POINT_ID: "invalid_charge_point_id"}
        result = await hass.config_entries.flow.async_configure(
            flow_id, {**form, CONF_CHARGE_POINT_ID: " infinergi-01 "}
        )
        assert result["errors"] == {CONF_PORT: "port_in_use"}
    port = free_port()
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {**form, CONF_CHARGE_POINT_ID: "infinergi-01", CONF_PORT: port, CONF_PASSWORD: "  "},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "OCPP infinergi-01"
    assert result["data"] == {
        CONF_KIND: "charger",
        CONF_CHARGER_TYPE: "ocpp",
        CONF_CHARGE_POINT_ID: "infinergi-01",
        CONF_PORT: port,
        CONF_MAX_CURRENT: 20,
        CONF_PHASES: 1,
        "connector_id": 1,
    }
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.unique_id == "ocpp_infinergi-01"
    # The entry is live: a charger with that id connects and is served.
    await port_sim(port, "infinergi-01", phases=1)
    await state_becomes(hass, "binary_sensor.ocpp_infinergi_01_connected", STATE_ON)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_user_flow_aborts_duplicate(hass: HomeAssistant, socket_enabled: None) -> None:
    """The same charge point id twice is refused."""
    ocpp_entry(free_port(), "cp1").add_to_hass(hass)
    flow_id = await _ocpp_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_CHARGE_POINT_ID: "cp1",
            CONF_PORT: free_port(),
            CONF_MAX_CURRENT: 16,
            CONF_PHASES: "3",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_second_charger_on_a_served_port(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int
) -> None:
    """A port Gridmate already serves OCPP on is fine for the next charger."""
    flow_id = await _ocpp_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_CHARGE_POINT_ID: "cp2", CONF_PORT: ocpp_port, CONF_MAX_CURRENT: 16, CONF_PHASES: "3"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_unknown_charger_is_discovered_and_added(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """An unknown id is held pending and offered; confirming it lets it in."""
    sim = await port_sim(ocpp_port, "newcomer", wait_boot=False, model="INFINERGI-1U")
    await sim.wait_until(lambda: sim.registration == "Pending")
    await hass.async_block_till_done()
    flows = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]
    assert len(flows) == 1
    flow = flows[0]
    assert flow["step_id"] == "ocpp_discovery_confirm"
    assert flow["context"]["title_placeholders"] == {"name": "newcomer"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_MAX_CURRENT: 32, CONF_PHASES: "1"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == ocpp_port
    assert result["data"][CONF_PHASES] == 1
    await hass.async_block_till_done()
    await sim.wait_until(lambda: sim.booted, within=10)
    await state_becomes(hass, "binary_sensor.ocpp_newcomer_connected", STATE_ON)
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_discovery_suggests_phases_from_the_model(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A single-phase Infinergi model suggests one phase."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={
            CONF_KIND: "charger",
            CONF_CHARGER_TYPE: "ocpp",
            CONF_CHARGE_POINT_ID: "cp9",
            "port": 9000,
            "vendor": "SEMAR",
            "model": "INFINERGI-1T-DR",
            "firmware": "2.1.0",
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocpp_discovery_confirm"
    schema = result["data_schema"].schema
    suggested = {
        str(key): key.description.get("suggested_value") for key in schema if key.description
    }
    assert suggested[CONF_PHASES] == "1"
    assert result["description_placeholders"]["model"] == "INFINERGI-1T-DR"


async def test_discovery_of_something_else_aborts(hass: HomeAssistant) -> None:
    """Integration discovery data that is not an OCPP charger is not ours to handle."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_INTEGRATION_DISCOVERY}, data={CONF_KIND: "meter"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported"


async def test_ignored_charger_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Ignoring the discovered charger refuses it from then on (404), no new flow."""
    MockConfigEntry(
        domain=DOMAIN, unique_id="ocpp_intruder", source=SOURCE_IGNORE, data={}
    ).add_to_hass(hass)
    sim = await port_sim(ocpp_port, "intruder", wait_boot=False)
    await sim.wait_until(lambda: 404 in sim.rejections)
    await hass.async_block_till_done()
    assert sim.boots == 0
    assert not [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def test_reconfigure(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, port_sim: PortSimFactory
) -> None:
    """Port taken -> error; then a new port, password and limits; the charger follows."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocpp_reconfigure"
    with socket.socket() as blocker:
        blocker.bind(("0.0.0.0", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        form = {CONF_PORT: taken, CONF_MAX_CURRENT: 25, CONF_PHASES: "3", CONF_PASSWORD: "pw-1234"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        assert result["errors"] == {CONF_PORT: "port_in_use"}
    new_port = free_port()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, CONF_PORT: new_port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert loaded_entry.data[CONF_PORT] == new_port
    assert loaded_entry.data[CONF_PASSWORD] == "pw-1234"
    assert loaded_entry.data[CONF_MAX_CURRENT] == 25
    assert loaded_entry.data[CONF_CHARGE_POINT_ID] == "cp1"
    await port_sim(new_port, password="pw-1234")
    await state_becomes(hass, "binary_sensor.ocpp_cp1_connected", STATE_ON)
    assert loaded_entry.runtime_data.charge_point.capabilities.max_current == 25


async def test_options_flow(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """A too-long tag is refused; then the options are stored and applied on reload."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ocpp"
    form = {
        CONF_AUTH_MODE: "tag_list",
        CONF_ID_TAGS: "CARD-1\ncard-1, THIS-TAG-IS-FAR-TOO-LONG-FOR-OCPP",
        CONF_REMOTE_ID_TAG: "ha",
        CONF_METER_INTERVAL: 15,
        CONF_HEARTBEAT_INTERVAL: 120,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], form)
    assert result["errors"] == {CONF_ID_TAGS: "invalid_id_tag"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**form, CONF_ID_TAGS: "CARD-1\ncard-1, CARD-2"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {
        CONF_AUTH_MODE: "tag_list",
        CONF_ID_TAGS: ["CARD-1", "CARD-2"],
        CONF_REMOTE_ID_TAG: "ha",
        CONF_METER_INTERVAL: 15,
        CONF_HEARTBEAT_INTERVAL: 120,
    }
    await hass.async_block_till_done()
    settings = loaded_entry.runtime_data.charge_point.settings
    assert settings.id_tags == ("CARD-1", "CARD-2")
    assert settings.meter_interval == 15


@pytest.mark.parametrize(
    ("cp_id", "valid"),
    [("cp1", True), ("SN 21/000", False), (" x", False), ("", False), ("ü-1", True)],
)
def test_valid_charge_point_id(cp_id: str, valid: bool) -> None:
    """Ids the server can read back from a URL path."""
    assert valid_charge_point_id(cp_id) is valid


def test_parse_id_tags() -> None:
    """Separators, duplicates (case-insensitive) and the 20-character limit."""
    assert parse_id_tags("A, b;c\n a") == ["A", "b", "c"]
    assert parse_id_tags("") == []
    assert parse_id_tags("x" * 21) is None
