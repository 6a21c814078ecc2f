"""Config flow: every path, and every error path recovering to a created entry."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import (
    MqttMockHAClient,
    MqttMockHAClientGenerator,
)

from custom_components.gridmate.const import (
    CONF_ENERGY_UNIT,
    CONF_INTERFACE,
    CONF_KEEP_CONNECTION_OPEN,
    CONF_KIND,
    CONF_SERIAL,
    DOMAIN,
)
from simulator.smart_connect import SmartConnectSimulator
from tests.helpers import async_add_and_set_up, async_open_form

from .conftest import connection_form, entry_data


async def test_user_flow_creates_entry(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """A reachable device with a serial in its API is added in one step."""
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Smart Connect {simulator.serial}"
    assert result["result"].unique_id == simulator.serial
    assert result["data"] == {
        CONF_KIND: "smart_connect",
        CONF_HOST: f"127.0.0.1:{simulator.http_port}",
        CONF_PASSWORD: "demo-pass",
        CONF_PORT: simulator.modbus_port,
        CONF_INTERFACE: "p1",
        CONF_SERIAL: simulator.serial,
        "transport": "modbus_tcp",
    }
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_invalid_auth_then_recover(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """A wrong password is reported, and the right one then creates the entry."""
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(
        flow_id, connection_form(simulator, **{CONF_PASSWORD: "wrong"})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_cannot_connect_then_recover(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """An unreachable web API is reported; once it is back the entry is created."""
    await simulator.stop_http()
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    await simulator.start_http()
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_modbus_unreachable_then_recover(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """HTTP fine but Modbus down is its own error; fixing the port creates the entry."""
    await simulator.stop_modbus()
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "modbus_unreachable"}
    await simulator.start_modbus()
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unknown_error_then_recover(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """An unexpected exception gives `unknown`, and a retry still works."""
    flow_id = await async_open_form(hass, "smart_connect")
    with patch(
        "custom_components.gridmate.smart_connect.config_flow.SmartConnectApi.status",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["errors"] == {"base": "unknown"}
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("simulator_options", [{"serial_in_api": False}])
async def test_serial_asked_when_unknown(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """Without a serial in host name or API the user types it; bad input is refused."""
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smart_connect_serial"
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SERIAL: "ab!"})
    assert result["errors"] == {CONF_SERIAL: "invalid_serial"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_SERIAL: " a1b2c3 "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "A1B2C3"


async def test_duplicate_aborts(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The same device (same serial) cannot be added twice."""
    flow_id = await async_open_form(hass, "smart_connect")
    result = await hass.config_entries.flow.async_configure(flow_id, connection_form(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_after_password_change(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A 401 starts reauth; a wrong password is refused, the new one reloads the entry."""
    simulator.http.password = "new-pass"
    await loaded_entry.runtime_data.info.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "nope"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "new-pass"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.data[CONF_PASSWORD] == "new-pass"
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_same_device(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Reconfigure checks the connection, then stores the new settings."""
    result = await loaded_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "smart_connect_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: f"127.0.0.1:{simulator.http_port}",
            CONF_PASSWORD: "demo-pass",
            CONF_PORT: 1,
        },
    )
    assert result["errors"] == {"base": "modbus_unreachable"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: f" 127.0.0.1:{simulator.http_port} ",
            CONF_PASSWORD: "demo-pass",
            CONF_PORT: simulator.modbus_port,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.data[CONF_HOST] == f"127.0.0.1:{simulator.http_port}"


async def test_reconfigure_other_device_aborts(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pointing an entry at a different Smart Connect is refused."""
    async with SmartConnectSimulator(serial="FFFF00001111") as other:
        result = await loaded_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_HOST: f"127.0.0.1:{other.http_port}",
                CONF_PASSWORD: "demo-pass",
                CONF_PORT: other.modbus_port,
            },
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert loaded_entry.data == entry_data(simulator)


async def test_options_flow(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Options are stored and the entry reloads with them."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SCAN_INTERVAL: 12, CONF_KEEP_CONNECTION_OPEN: True, CONF_ENERGY_UNIT: "kwh"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        CONF_SCAN_INTERVAL: 12,
        CONF_KEEP_CONNECTION_OPEN: True,
        CONF_ENERGY_UNIT: "kwh",
    }
    runtime = loaded_entry.runtime_data
    assert runtime.meter.update_interval is not None
    assert runtime.meter.update_interval.total_seconds() == 12
    assert runtime.modbus.keep_open is True


async def test_options_flow_rejects_out_of_range(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A poll interval outside 1-60 s is refused by the form."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    with pytest.raises(InvalidData, match="scan_interval"):
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_SCAN_INTERVAL: 600, CONF_KEEP_CONNECTION_OPEN: False, CONF_ENERGY_UNIT: "auto"},
        )


async def test_mqtt_transport_needs_home_assistant_mqtt(
    hass: HomeAssistant,
    mock_hass_config: None,
    simulator: SmartConnectSimulator,
    mqtt_mock_entry: MqttMockHAClientGenerator,
) -> None:
    """MQTT chosen without HA's MQTT integration: a clear error; set it up, then it works."""
    flow_id = await async_open_form(hass, "smart_connect")
    form = connection_form(simulator, transport="mqtt")
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "mqtt_not_configured"}
    await mqtt_mock_entry()
    await simulator.stop_modbus()  # MQTT entries never touch Modbus
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["transport"] == "mqtt"
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    assert result["result"].runtime_data.modbus is None


async def test_reconfigure_switches_transport(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """Modbus -> MQTT -> Modbus: same entities; the MQTT-only ones leave with MQTT."""
    registry = er.async_get(hass)

    def keys() -> set[str]:
        return {
            ent.unique_id.removeprefix(f"{loaded_entry.unique_id}_")
            for ent in er.async_entries_for_config_entry(registry, loaded_entry.entry_id)
        }

    over_modbus = keys()
    for transport, expected in (("mqtt", "mqtt"), ("modbus_tcp", "modbus_tcp")):
        result = await loaded_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_HOST: f"127.0.0.1:{simulator.http_port}",
                CONF_PASSWORD: "demo-pass",
                CONF_PORT: simulator.modbus_port,
                "transport": transport,
            },
        )
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert loaded_entry.runtime_data.transport == expected
        if transport == "mqtt":
            assert over_modbus < keys()
            assert {"voltage_l1_l2", "uptime"} <= keys()
    assert keys() == over_modbus


async def test_options_flow_mqtt_entry(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, simulator: SmartConnectSimulator
) -> None:
    """An MQTT entry has no polling options, only the energy unit."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=simulator.serial, data=entry_data(simulator, transport="mqtt")
    )
    assert await async_add_and_set_up(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert [str(key) for key in result["data_schema"].schema] == [CONF_ENERGY_UNIT]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ENERGY_UNIT: "wh"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_ENERGY_UNIT: "wh"}
