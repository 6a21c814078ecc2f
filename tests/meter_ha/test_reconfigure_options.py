"""Reconfigure (address, serial settings, profile, custom map) and options (role, wiring, poll)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.devices.meters.profiles import PROFILES_BY_ID, Measurand
from custom_components.gridmate.kinds import mains_feed_of
from custom_components.gridmate.meter.const import (
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_CUSTOM,
    CONF_DATA_TYPE,
    CONF_EDIT_MAP,
    CONF_FUNCTION_CODE,
    CONF_INVERTED,
    CONF_PARITY,
    CONF_PHASES,
    CONF_PROFILE,
    CONF_QUANTITIES,
    CONF_REGISTERS,
    CONF_ROLE,
    CONF_RTU_OVER_TCP,
    CONF_SCALE,
    CONF_SERIAL_PORT,
    CONF_STOPBITS,
    CONF_UNIT_ID,
    CONF_UNSIGNED_CURRENT,
    CONF_WORD_ORDER,
)
from simulator.meters import demo_values

from .conftest import (
    RtuServerFactory,
    TcpServerFactory,
    meter_entry,
    rtu_data,
    setup_entry,
    simulated,
    tcp_data,
)


def _tcp(port: int, unit: int, **extra: Any) -> dict[str, Any]:
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: port,
        CONF_UNIT_ID: unit,
        CONF_RTU_OVER_TCP: False,
        **extra,
    }


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter_reconfigure"
    return result["flow_id"]


async def test_move_a_meter_to_another_gateway(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """New gateway and unit id: a wrong unit is reported first, then the entry moves."""
    old = await tcp_server({11: simulated("eastron_sdm630")})
    new_values = demo_values(PROFILES_BY_ID["eastron_sdm630"], exporting=True)
    new = await tcp_server({14: simulated("eastron_sdm630", values=new_values)})
    entry = await setup_entry(
        hass, meter_entry(tcp_data(old, "eastron_sdm630"), title="Eastron SDM630 (mains)")
    )
    flow_id = await _reconfigure(hass, entry)
    form = {CONF_PROFILE: "eastron_sdm630", **_tcp(new.port, 13)}
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "meter_no_answer"}
    result = await hass.config_entries.flow.async_configure(flow_id, {**form, CONF_UNIT_ID: 14})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_PORT] == new.port
    assert entry.data[CONF_UNIT_ID] == 14
    assert entry.state is ConfigEntryState.LOADED
    power = hass.states.get("sensor.eastron_sdm630_mains_power")
    assert float(power.state) == pytest.approx(new_values[Measurand.POWER])


async def test_reconfigure_onto_another_entrys_meter_is_refused(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    server = await tcp_server({11: simulated("cg_em340"), 12: simulated("cg_em340")})
    first = await setup_entry(hass, meter_entry(tcp_data(server, "cg_em340")))
    await setup_entry(hass, meter_entry(tcp_data(server, "cg_em340", 12), role="ev"))
    flow_id = await _reconfigure(hass, first)
    form = {CONF_PROFILE: "cg_em340", **_tcp(server.port, 12)}
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["errors"] == {"base": "meter_duplicate"}
    # Its own address is not a duplicate of itself.
    result = await hass.config_entries.flow.async_configure(flow_id, {**form, CONF_UNIT_ID: 11})
    assert result["reason"] == "reconfigure_successful"


async def test_change_the_profile_renames_a_default_title(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """The WAGO map fits an Inepro too; the title Gridmate chose follows the model."""
    server = await tcp_server({11: simulated("wago_879_30x0")})
    entry = await setup_entry(
        hass, meter_entry(tcp_data(server, "wago_879_30x0"), title="WAGO 879-30x0 (mains)")
    )
    flow_id = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PROFILE: "inepro_pro380", **_tcp(server.port, 11)}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PROFILE] == "inepro_pro380"
    assert entry.title == "Inepro PRO380-Mod (mains)"


async def test_reconfigure_a_wrong_profile_is_refused(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    server = await tcp_server({11: simulated("eastron_sdm630")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    flow_id = await _reconfigure(hass, entry)
    form = {CONF_PROFILE: "cg_em340", **_tcp(server.port, 11)}
    result = await hass.config_entries.flow.async_configure(flow_id, form)
    assert result["errors"] == {"base": "meter_implausible"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**form, CONF_PROFILE: "eastron_sdm630"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PROFILE] == "eastron_sdm630"


async def test_reconfigure_a_serial_meter(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    server = await rtu_server({11: simulated("cg_em111"), 15: simulated("cg_em111")})
    entry = await setup_entry(hass, meter_entry(rtu_data(server, "cg_em111"), role="ev"))
    flow_id = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            CONF_PROFILE: "cg_em111",
            CONF_SERIAL_PORT: server.path,
            CONF_BAUDRATE: "9600",
            CONF_PARITY: "N",
            CONF_STOPBITS: "1",
            CONF_UNIT_ID: 15,
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_UNIT_ID] == 15
    assert entry.data[CONF_BAUDRATE] == 9600
    assert entry.state is ConfigEntryState.LOADED
    assert server.meters[15].requests > 0


async def test_edit_a_custom_map(hass: HomeAssistant, tcp_server: TcpServerFactory) -> None:
    """Walk the custom map again: a corrected scale is tested, stored and applied."""
    sdm230 = PROFILES_BY_ID["eastron_sdm230"]
    server = await tcp_server({11: simulated("eastron_sdm230")})
    wrong_power = {
        CONF_FUNCTION_CODE: 4,
        CONF_ADDRESS: 0x0C,
        CONF_DATA_TYPE: "float32",
        CONF_WORD_ORDER: "high_first",
        CONF_SCALE: 10.0,  # a wrong scale
    }
    voltage = {**wrong_power, CONF_ADDRESS: 0x00, CONF_SCALE: 1.0}
    data = tcp_data(
        server,
        "custom",
        **{
            CONF_CUSTOM: {
                CONF_PHASES: 1,
                CONF_UNSIGNED_CURRENT: False,
                CONF_REGISTERS: {"voltage_l1": voltage, "power": wrong_power},
            }
        },
    )
    entry = await setup_entry(hass, meter_entry(data, title="Custom meter (mains)"))
    power = hass.states.get("sensor.custom_meter_mains_power")
    assert float(power.state) == pytest.approx(demo_values(sdm230)[Measurand.POWER_L1] * 10)

    flow_id = await _reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_EDIT_MAP: True, **_tcp(server.port, 11)}
    )
    assert result["step_id"] == "meter_custom"
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {CONF_QUANTITIES: ["voltage_l1", "power"], CONF_PHASES: "1", CONF_UNSIGNED_CURRENT: False},
    )
    assert result["step_id"] == "meter_custom_register"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**voltage, CONF_FUNCTION_CODE: "4"}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**wrong_power, CONF_FUNCTION_CODE: "4", CONF_SCALE: 1.0}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_CUSTOM][CONF_REGISTERS]["power"][CONF_SCALE] == 1.0
    power = hass.states.get("sensor.custom_meter_mains_power")
    assert float(power.state) == pytest.approx(demo_values(sdm230)[Measurand.POWER_L1])


async def test_options_role_wiring_and_interval(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """Role ev: no longer the mains feed, title follows; inverted negates; interval applies."""
    server = await tcp_server({11: simulated("cg_em340")})
    entry = await setup_entry(
        hass, meter_entry(tcp_data(server, "cg_em340"), title="Carlo Gavazzi EM340 (mains)")
    )
    assert mains_feed_of(entry) is not None
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_SCAN_INTERVAL].description == {"suggested_value": 1}  # mains: 1 s
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ROLE: "ev", CONF_INVERTED: True, CONF_SCAN_INTERVAL: 3}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_ROLE: "ev", CONF_INVERTED: True, CONF_SCAN_INTERVAL: 3}
    assert entry.title == "Carlo Gavazzi EM340 (EV)"
    assert entry.state is ConfigEntryState.LOADED
    assert mains_feed_of(entry) is None
    assert entry.runtime_data.coordinator.update_interval == timedelta(seconds=3)
    power = hass.states.get("sensor.carlo_gavazzi_em340_mains_power")  # ids stay
    expected = demo_values(PROFILES_BY_ID["cg_em340"])[Measurand.POWER]
    assert float(power.state) == pytest.approx(-expected)


async def test_options_keep_a_title_the_user_chose(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    server = await tcp_server({11: simulated("cg_em340")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "cg_em340"), title="Garage"))
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ROLE: "circuit", CONF_INVERTED: False, CONF_SCAN_INTERVAL: 1}
    )
    await hass.async_block_till_done()
    assert entry.title == "Garage"
    assert entry.options[CONF_ROLE] == "circuit"
