"""Config flow of the meter kind: every path, every error recovering to a created entry."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.gridmate.const import CONF_KIND
from custom_components.gridmate.devices.meters.profiles import (
    PROFILES_BY_ID,
    CustomRegister,
    DataType,
    FunctionCode,
    Measurand,
    WordOrder,
    custom_profile,
)
from custom_components.gridmate.meter.bus import DATA_BUS_REGISTRY
from custom_components.gridmate.meter.const import (
    CONF_ADDRESS,
    CONF_BAUDRATE,
    CONF_CONNECTION,
    CONF_CUSTOM,
    CONF_DATA_TYPE,
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
from simulator.meters import Mode, SimulatedMeter, demo_values
from tests.helpers import async_open_form, async_open_user_flow, free_port

from .conftest import (
    RtuServerFactory,
    TcpServerFactory,
    meter_entry,
    rtu_data,
    setup_entry,
    simulated,
    tcp_data,
)


async def _start(hass: HomeAssistant, choice: str = "meter_profile") -> str:
    return await async_open_form(hass, "meter", choice)


async def test_meter_menu(hass: HomeAssistant) -> None:
    """A meter from the table, or a custom register map."""
    result = await async_open_user_flow(hass, "meter")
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["meter_profile", "meter_custom"]


def _profile_form(profile: str, connection: str = "tcp", **extra: Any) -> dict[str, Any]:
    return {
        CONF_PROFILE: profile,
        CONF_CONNECTION: connection,
        CONF_ROLE: "mains",
        CONF_INVERTED: False,
        **extra,
    }


def _tcp_form(port: int, unit: int = 11, **extra: Any) -> dict[str, Any]:
    return {
        CONF_HOST: " 127.0.0.1 ",
        CONF_PORT: port,
        CONF_UNIT_ID: unit,
        CONF_RTU_OVER_TCP: False,
        **extra,
    }


def _rtu_form(path: str, unit: int = 11, **extra: Any) -> dict[str, Any]:
    return {
        CONF_SERIAL_PORT: path,
        CONF_BAUDRATE: "9600",
        CONF_PARITY: "N",
        CONF_STOPBITS: "1",
        CONF_UNIT_ID: unit,
        **extra,
    }


async def _configure(hass: HomeAssistant, flow_id: str, data: dict[str, Any]) -> Any:
    return await hass.config_entries.flow.async_configure(flow_id, data)


async def test_tcp_meter_from_the_list(hass: HomeAssistant, tcp_server: TcpServerFactory) -> None:
    """Pick a meter, give the gateway: one read proves it, the entry loads with its role."""
    server = await tcp_server({11: simulated("eastron_sdm630")})
    flow_id = await _start(hass)
    result = await _configure(hass, flow_id, _profile_form("eastron_sdm630"))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter_tcp"
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_UNIT_ID].description == {"suggested_value": 11}  # seed 004: 11+
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Eastron SDM630 (mains)"
    assert result["data"] == {
        CONF_KIND: "meter",
        CONF_PROFILE: "eastron_sdm630",
        CONF_CONNECTION: "tcp",
        CONF_HOST: "127.0.0.1",
        CONF_PORT: server.port,
        CONF_UNIT_ID: 11,
        CONF_RTU_OVER_TCP: False,
    }
    assert result["options"] == {CONF_ROLE: "mains", CONF_INVERTED: False}
    entry = result["result"]
    assert len(entry.unique_id) == 32
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    state = hass.states.get("sensor.eastron_sdm630_mains_power")
    assert state is not None
    assert float(state.state) == pytest.approx(
        demo_values(PROFILES_BY_ID["eastron_sdm630"])[Measurand.POWER]
    )
    # The flow's test connection was released: only the entry holds the gateway now.
    registry = hass.data[DATA_BUS_REGISTRY]
    assert registry.users(entry.runtime_data.bus.config) == 1


async def test_cannot_connect_then_recover(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """Nothing listens on the port; once the gateway is up the entry is created."""
    port = free_port()
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("cg_em340"))
    result = await _configure(hass, flow_id, _tcp_form(port))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter_tcp"
    assert result["errors"] == {"base": "cannot_connect"}
    await tcp_server({11: simulated("cg_em340")}, port)
    result = await _configure(hass, flow_id, _tcp_form(port))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_wrong_unit_id_then_recover(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """No meter answers at unit 12: a clear error, and unit 11 then works."""
    server = await tcp_server({11: simulated("cg_em340")})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("cg_em340"))
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=12))
    assert result["step_id"] == "meter_tcp"
    assert result["errors"] == {"base": "meter_no_answer"}
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=11))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_UNIT_ID] == 11


async def test_wrong_profile_is_detected_by_implausible_values(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """An Eastron read as a Carlo Gavazzi gives nonsense: back to the meter choice."""
    server = await tcp_server({11: simulated("eastron_sdm630")})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("cg_em340"))
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter_profile"
    assert result["errors"] == {"base": "meter_implausible"}
    result = await _configure(hass, flow_id, _profile_form("eastron_sdm630"))
    assert result["step_id"] == "meter_tcp"  # the address is kept as a suggestion
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_PORT].description == {"suggested_value": server.port}
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PROFILE] == "eastron_sdm630"


async def test_line_to_line_voltage_is_reported_as_wrong_profile(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """A 'phase voltage' of 400 V is a line-to-line register: the map does not fit."""
    chint = PROFILES_BY_ID["chint_dtsu666"]
    values = demo_values(chint)
    for measurand in (Measurand.VOLTAGE_L1, Measurand.VOLTAGE_L2, Measurand.VOLTAGE_L3):
        values[measurand] = 400.0
    server = await tcp_server({11: SimulatedMeter(profile=chint, values=values)})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("chint_dtsu666"))
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["step_id"] == "meter_profile"
    assert result["errors"] == {"base": "meter_line_voltage"}
    server.meters[11].values = demo_values(chint)  # the right meter at this address after all
    result = await _configure(hass, flow_id, _profile_form("chint_dtsu666"))
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_meter_refusing_the_registers_then_recover(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """Illegal data address: the meter is there, the profile is not its map."""
    server = await tcp_server({11: simulated("wago_879_30x0", mode=Mode.EXCEPTION)})
    server.meters[11].exception_code = 2
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("wago_879_30x0"))
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["step_id"] == "meter_profile"
    assert result["errors"] == {"base": "meter_refused"}
    server.meters[11].mode = Mode.NORMAL
    await _configure(hass, flow_id, _profile_form("inepro_pro380"))
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Inepro PRO380-Mod (mains)"


async def test_warming_up_meter_then_recover(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """IVY meters answer with exceptions for a while after power-up: ask to wait."""
    server = await tcp_server({11: simulated("ivy_dts353f_2", mode=Mode.WARMUP, warmup_s=3600)})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("ivy_dts353f_2"))
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["step_id"] == "meter_tcp"
    assert result["errors"] == {"base": "meter_warming_up"}
    server.meters[11].warmup_s = 0.0  # the minute has passed
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_duplicate_meter_then_another_unit(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """The same unit on the same gateway twice is refused; the next unit is added."""
    server = await tcp_server({11: simulated("eastron_sdm630"), 12: simulated("eastron_sdm630")})
    await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    flow_id = await _start(hass)
    result = await _configure(hass, flow_id, _profile_form("eastron_sdm630"))
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_UNIT_ID].description == {"suggested_value": 12}  # 11 is taken
    asked = server.meters[11].requests
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=11))
    assert result["errors"] == {"base": "meter_duplicate"}
    assert server.meters[11].requests == asked  # refused before asking the meter again
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=12))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_unexpected_error_then_recover(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    server = await tcp_server({11: simulated("cg_em111")})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("cg_em111"))
    with patch(
        "custom_components.gridmate.meter.config_flow.ModbusMeter.poll",
        side_effect=RuntimeError("boom"),
    ):
        result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["errors"] == {"base": "unknown"}
    result = await _configure(hass, flow_id, _tcp_form(server.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_rtu_meter_on_a_serial_port(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    """A meter on an RS485 adapter: port typed by hand, 9600 8N1, unit 11."""
    server = await rtu_server({11: simulated("cg_em111")})
    flow_id = await _start(hass)
    result = await _configure(hass, flow_id, _profile_form("cg_em111", "rtu"))
    assert result["step_id"] == "meter_rtu"
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_BAUDRATE].description == {"suggested_value": "9600"}
    assert schema[CONF_PARITY].description == {"suggested_value": "N"}
    result = await _configure(hass, flow_id, _rtu_form(server.path))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_KIND: "meter",
        CONF_PROFILE: "cg_em111",
        CONF_CONNECTION: "rtu",
        CONF_SERIAL_PORT: server.path,
        CONF_BAUDRATE: 9600,
        CONF_PARITY: "N",
        CONF_STOPBITS: 1,
        CONF_UNIT_ID: 11,
    }
    await hass.async_block_till_done()
    state = hass.states.get("sensor.carlo_gavazzi_em111_mains_voltage_l1")
    assert state is not None
    assert float(state.state) == pytest.approx(231.1)


async def test_missing_serial_port_then_recover(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    server = await rtu_server({11: simulated("eastron_sdm230")})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("eastron_sdm230", "rtu"))
    result = await _configure(hass, flow_id, _rtu_form("/dev/ttyUSB-gridmate-missing"))
    assert result["step_id"] == "meter_rtu"
    assert result["errors"] == {"base": "meter_serial_port"}
    result = await _configure(hass, flow_id, _rtu_form(server.path))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_second_meter_on_a_busy_serial_bus(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    """The flow tests through the bus the loaded meter holds; settings must agree."""
    server = await rtu_server({11: simulated("eastron_sdm630"), 12: simulated("cg_em111")})
    mains = await setup_entry(hass, meter_entry(rtu_data(server, "eastron_sdm630")))
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("cg_em111", "rtu"))
    result = await _configure(hass, flow_id, _rtu_form(server.path, 12, **{CONF_BAUDRATE: "19200"}))
    assert result["errors"] == {"base": "meter_bus_settings"}
    result = await _configure(hass, flow_id, _rtu_form(server.path, 12))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert result["result"].runtime_data.bus is mains.runtime_data.bus


def _custom_meter() -> SimulatedMeter:
    """A meter only a custom map reads: mixed types, word orders and function codes."""
    profile = custom_profile(
        {
            Measurand.VOLTAGE_L1: CustomRegister(
                function_code=FunctionCode.INPUT,
                address=0x10,
                data_type=DataType.UINT16,
                scale=0.1,
            ),
            Measurand.CURRENT_L1: CustomRegister(
                function_code=FunctionCode.INPUT,
                address=0x11,
                data_type=DataType.INT32,
                word_order=WordOrder.LOW_FIRST,
                scale=0.001,
            ),
            Measurand.POWER: CustomRegister(
                function_code=FunctionCode.HOLDING,
                address=0x200,
                data_type=DataType.FLOAT32,
            ),
            Measurand.ENERGY_IMPORT: CustomRegister(
                function_code=FunctionCode.HOLDING,
                address=0x300,
                data_type=DataType.INT64,
                scale=10.0,
            ),
        },
        phases=1,
    )
    values = {
        Measurand.VOLTAGE_L1: 229.8,
        Measurand.CURRENT_L1: -6.125,
        Measurand.POWER: -1407.5,
        Measurand.ENERGY_IMPORT: 12_345_670.0,
    }
    return SimulatedMeter(profile=profile, values=values)


_CUSTOM_REGISTERS = [
    {
        CONF_FUNCTION_CODE: "4",
        CONF_ADDRESS: 0x10,
        CONF_DATA_TYPE: "uint16",
        CONF_WORD_ORDER: "high_first",
        CONF_SCALE: 0.1,
    },
    {
        CONF_FUNCTION_CODE: "4",
        CONF_ADDRESS: 0x11,
        CONF_DATA_TYPE: "int32",
        CONF_WORD_ORDER: "low_first",
        CONF_SCALE: 0.001,
    },
    {
        CONF_FUNCTION_CODE: "3",
        CONF_ADDRESS: 0x200,
        CONF_DATA_TYPE: "float32",
        CONF_WORD_ORDER: "high_first",
        CONF_SCALE: 1,
    },
    {
        CONF_FUNCTION_CODE: "3",
        CONF_ADDRESS: 0x300,
        CONF_DATA_TYPE: "int64",
        CONF_WORD_ORDER: "high_first",
        CONF_SCALE: 10,
    },
]


def _custom_form(**extra: Any) -> dict[str, Any]:
    return {
        CONF_QUANTITIES: ["power", "voltage_l1", "energy_import", "current_l1"],
        CONF_PHASES: "1",
        CONF_UNSIGNED_CURRENT: False,
        CONF_CONNECTION: "tcp",
        CONF_ROLE: "ev",
        CONF_INVERTED: False,
        **extra,
    }


async def test_custom_register_map(hass: HomeAssistant, tcp_server: TcpServerFactory) -> None:
    """Per quantity: function code, address, type, word order, scale; values come out right."""
    server = await tcp_server({20: _custom_meter()})
    flow_id = await _start(hass, "meter_custom")
    result = await _configure(hass, flow_id, _custom_form())
    # One step per quantity, in the table's order.
    for number, register in enumerate(_CUSTOM_REGISTERS, start=1):
        assert result["step_id"] == "meter_custom_register"
        assert result["description_placeholders"]["number"] == str(number)
        assert result["description_placeholders"]["total"] == "4"
        result = await _configure(hass, flow_id, register)
    assert result["step_id"] == "meter_tcp"
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=20))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Custom meter (EV)"
    custom = result["data"][CONF_CUSTOM]
    assert custom[CONF_PHASES] == 1
    assert custom[CONF_REGISTERS]["current_l1"] == {
        CONF_FUNCTION_CODE: 4,
        CONF_ADDRESS: 0x11,
        CONF_DATA_TYPE: "int32",
        CONF_WORD_ORDER: "low_first",
        CONF_SCALE: 0.001,
    }
    await hass.async_block_till_done()
    expected = {
        "voltage_l1": 229.8,
        "current_l1": -6.125,
        "power": -1407.5,
        "energy_import": 12_345.67,
    }
    for key, value in expected.items():
        state = hass.states.get(f"sensor.custom_meter_ev_{key}")
        assert state is not None, key
        assert float(state.state) == pytest.approx(value), key


async def test_custom_map_input_errors_then_recover(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """No quantity, a zero scale, an address past 65535: each explained, each fixed."""
    server = await tcp_server({20: _custom_meter()})
    flow_id = await _start(hass, "meter_custom")
    result = await _configure(hass, flow_id, _custom_form(**{CONF_QUANTITIES: []}))
    assert result["errors"] == {CONF_QUANTITIES: "meter_no_quantities"}
    result = await _configure(hass, flow_id, _custom_form())
    result = await _configure(hass, flow_id, {**_CUSTOM_REGISTERS[0], CONF_SCALE: 0})
    assert result["errors"] == {CONF_SCALE: "meter_scale"}
    result = await _configure(
        hass, flow_id, {**_CUSTOM_REGISTERS[0], CONF_ADDRESS: 0xFFFF, CONF_DATA_TYPE: "int64"}
    )
    assert result["errors"] == {CONF_ADDRESS: "meter_address_range"}
    for register in _CUSTOM_REGISTERS:
        result = await _configure(hass, flow_id, register)
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=20))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_custom_map_with_wrong_values_goes_back_to_the_map(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """A wrong address reads nonsense: the map is asked again with the previous answers."""
    server = await tcp_server({20: _custom_meter()})
    flow_id = await _start(hass, "meter_custom")
    await _configure(hass, flow_id, _custom_form())
    wrong_voltage = {**_CUSTOM_REGISTERS[0], CONF_ADDRESS: 0x200}  # reads the float's high word
    await _configure(hass, flow_id, wrong_voltage)
    for register in _CUSTOM_REGISTERS[1:]:
        result = await _configure(hass, flow_id, register)
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=20))
    assert result["step_id"] == "meter_custom"
    assert result["errors"] == {"base": "meter_implausible"}
    result = await _configure(hass, flow_id, _custom_form())
    schema = {str(key): key for key in result["data_schema"].schema}
    assert schema[CONF_ADDRESS].description == {"suggested_value": 0x200}  # what was entered
    for register in _CUSTOM_REGISTERS:
        result = await _configure(hass, flow_id, register)
    result = await _configure(hass, flow_id, _tcp_form(server.port, unit=20))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_serial_ports_are_offered_and_any_path_accepted(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    """The port list shows the adapters this machine has; typing a path is allowed too."""
    from serial.tools.list_ports_common import ListPortInfo

    adapter = ListPortInfo("/dev/ttyUSB7")
    adapter.description = "FT232R USB UART"
    server = await rtu_server({11: simulated("eastron_sdm630")})
    flow_id = await _start(hass)
    with patch("serial.tools.list_ports.comports", return_value=[adapter]):
        result = await _configure(hass, flow_id, _profile_form("eastron_sdm630", "rtu"))
    schema = {str(key): value for key, value in result["data_schema"].schema.items()}
    config = schema[CONF_SERIAL_PORT].config
    assert config["custom_value"] is True
    assert {"value": "/dev/ttyUSB7", "label": "FT232R USB UART (/dev/ttyUSB7)"} in config["options"]
    result = await _configure(hass, flow_id, _rtu_form(server.path))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_serial_without_pyserial_is_explained_then_recover(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    """pymodbus refuses serial clients when pyserial is missing: say so, not 'unknown'."""
    import sys

    server = await rtu_server({11: simulated("eastron_sdm630")})
    flow_id = await _start(hass)
    await _configure(hass, flow_id, _profile_form("eastron_sdm630", "rtu"))
    with patch.dict(sys.modules):
        del sys.modules["serial"]
        result = await _configure(hass, flow_id, _rtu_form(server.path))
    assert result["errors"] == {"base": "meter_no_pyserial"}
    result = await _configure(hass, flow_id, _rtu_form(server.path))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_transparent_gateway_needs_its_setting(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A gateway passing raw RTU frames stays silent to Modbus TCP; the setting fixes it."""
    from simulator.meters import TcpMeterServer

    server = TcpMeterServer({11: simulated("eastron_sdm630")}, rtu_over_tcp=True)
    await server.start()
    try:
        flow_id = await _start(hass)
        await _configure(hass, flow_id, _profile_form("eastron_sdm630"))
        result = await _configure(hass, flow_id, _tcp_form(server.port))
        assert result["errors"] == {"base": "meter_no_answer"}
        result = await _configure(
            hass, flow_id, _tcp_form(server.port, **{CONF_RTU_OVER_TCP: True})
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["data"][CONF_RTU_OVER_TCP] is True
        await hass.async_block_till_done()
        assert result["result"].state is ConfigEntryState.LOADED
        assert await hass.config_entries.async_unload(result["result"].entry_id)
    finally:
        await server.stop()
