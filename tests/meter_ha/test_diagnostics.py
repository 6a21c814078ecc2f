"""Diagnostics of a meter entry: useful, and without the gateway's address or adapter path."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator.meters import Mode

from .conftest import (
    RtuServerFactory,
    TcpServerFactory,
    meter_entry,
    poll,
    rtu_data,
    setup_entry,
    simulated,
    tcp_data,
)


async def test_tcp_meter_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, tcp_server: TcpServerFactory
) -> None:
    server = await tcp_server({11: simulated("eastron_sdm630")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    server.meters[11].mode = Mode.SILENT
    await poll(hass)
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diag["entry"]["data"]["host"] == "**REDACTED**"
    assert diag["bus"] == "**REDACTED**"
    assert diag["role"] == "mains"
    assert diag["profile"]["id"] == "eastron_sdm630"
    assert diag["read_plan"] == [
        {"function_code": 4, "start": 0, "count": 18},
        {"function_code": 4, "start": 52, "count": 24},
    ]
    assert diag["last_poll"]["values"]["voltage_l1"] == pytest.approx(231.1)
    assert diag["last_poll"]["stats"]["transactions"] == 2
    assert diag["consecutive_failures"] == 1
    assert "no answer" in diag["last_error"]
    assert "127.0.0.1" not in json.dumps(diag)


async def test_rtu_meter_diagnostics_hide_the_adapter_path(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, rtu_server: RtuServerFactory
) -> None:
    server = await rtu_server({11: simulated("cg_em111")})
    entry = await setup_entry(hass, meter_entry(rtu_data(server, "cg_em111"), role="ev"))
    diag = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diag["entry"]["data"]["serial_port"] == "**REDACTED**"
    assert server.path not in json.dumps(diag)
    assert diag["entry"]["data"]["baudrate"] == 9600
