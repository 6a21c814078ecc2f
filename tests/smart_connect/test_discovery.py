"""Discovery: DHCP (new devices, a known device's new address) and MQTT (the flow steps).

The MQTT discovery that starts from a real broker message is in test_mqtt_end_to_end.py.
"""

from __future__ import annotations

import json
import time
from typing import Any

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_MQTT, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.gridmate.const import CONF_INTERFACE, CONF_SERIAL, DOMAIN
from custom_components.gridmate.smart_connect.const import CONF_MQTT_SERIAL, CONF_TRANSPORT
from simulator.smart_connect import SmartConnectSimulator

from .conftest import connection_form, entry_data


def _dhcp(sim: SmartConnectSimulator, **overrides: str) -> DhcpServiceInfo:
    info = {**sim.dhcp_info(), **overrides}
    return DhcpServiceInfo(ip=info["ip"], hostname=info["hostname"], macaddress=info["macaddress"])


def _suggested(result: Any, key: str) -> Any:
    for marker in result["data_schema"].schema:
        if marker == key:
            return (marker.description or {}).get("suggested_value")
    raise KeyError(key)


def _mqtt_info(serial: str, metric: str = "device_counters") -> MqttServiceInfo:
    topic = f"devices/home/smart-connect/{serial}/data/{metric}"
    return MqttServiceInfo(
        topic=topic,
        payload=json.dumps({"uptime": 10}),
        qos=0,
        retain=False,
        subscribed_topic="devices/+/smart-connect/+/data/device_counters",
        timestamp=time.monotonic(),
    )


async def test_dhcp_offers_a_new_device(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """smart-connect-<serial> on the network: the form comes with its address filled in."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(simulator)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smart_connect"
    assert _suggested(result, CONF_HOST) == "127.0.0.1"
    # The simulated web API is not on port 80: the user adds it (the form says how).
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        connection_form(simulator),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == simulator.serial


@pytest.mark.parametrize("simulator_options", [{"serial_in_api": False}])
async def test_dhcp_serial_from_host_name(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """A device whose API keeps its serial to itself: the DHCP host name told it already."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(simulator)
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        connection_form(simulator),
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == simulator.serial


async def test_dhcp_updates_a_known_address(hass: HomeAssistant) -> None:
    """A known device seen at a new address: the host is updated (its port kept)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="0123456789AB",
        data={
            "kind": "smart_connect",
            CONF_HOST: "192.168.1.40:8080",
            CONF_PASSWORD: "x",
            CONF_SERIAL: "0123456789AB",
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(
            ip="192.168.1.77", hostname="smart-connect-0123456789ab", macaddress="a4cf12789ab0"
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.168.1.77:8080"


async def test_dhcp_keeps_a_host_name(hass: HomeAssistant) -> None:
    """An entry set up with a host name keeps it (the name follows the address)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="0123456789AB",
        data={
            "kind": "smart_connect",
            CONF_HOST: "smart-connect-0123456789ab",
            CONF_PASSWORD: "x",
            CONF_SERIAL: "0123456789AB",
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(
            ip="192.168.1.77", hostname="smart-connect-0123456789ab", macaddress="a4cf12789ab0"
        ),
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "smart-connect-0123456789ab"


async def test_dhcp_same_address_no_reload(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The same address again: nothing changes, the entry is not reloaded."""
    runtime = loaded_entry.runtime_data
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(simulator)
    )
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data is runtime
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_dhcp_other_host_names_ignored(hass: HomeAssistant) -> None:
    """A host name that only starts like ours but carries no serial is not a Smart Connect."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=DhcpServiceInfo(ip="192.168.1.9", hostname="smart-connect-", macaddress="00aa"),
    )
    assert result["reason"] == "not_supported"


async def test_mqtt_discovery_confirm_and_create(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, simulator: SmartConnectSimulator
) -> None:
    """Found on MQTT: serial and site from the topic, web address asked, entry over MQTT."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_mqtt_info(simulator.serial.lower())
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smart_connect_mqtt_confirm"
    assert result["description_placeholders"] == {"serial": simulator.serial}
    assert _suggested(result, CONF_HOST) == f"smart-connect-{simulator.serial.lower()}"
    form = {
        CONF_HOST: f"127.0.0.1:{simulator.http_port}",
        CONF_PASSWORD: "demo-pass",
        CONF_INTERFACE: "p1",
    }
    await simulator.stop_http()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "cannot_connect"}
    await simulator.start_http()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_TRANSPORT] == "mqtt"
    assert result["data"][CONF_MQTT_SERIAL] == simulator.serial.lower()
    assert result["result"].unique_id == simulator.serial


async def test_mqtt_discovery_wrong_device_then_right(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, simulator: SmartConnectSimulator
) -> None:
    """The address of another Smart Connect is refused; the right one creates the entry."""
    async with SmartConnectSimulator(serial="FFFF00001111") as other:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_MQTT}, data=_mqtt_info(simulator.serial)
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_HOST: f"127.0.0.1:{other.http_port}",
                CONF_PASSWORD: "demo-pass",
                CONF_INTERFACE: "p1",
            },
        )
    assert result["errors"] == {"base": "serial_mismatch"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: f"127.0.0.1:{simulator.http_port}",
            CONF_PASSWORD: "demo-pass",
            CONF_INTERFACE: "p1",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_mqtt_discovery_known_device_aborts(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """A configured device seen on MQTT is not offered again."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=simulator.serial, data=entry_data(simulator)
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=_mqtt_info(simulator.serial)
    )
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    "topic",
    [
        "devices/home/smart-connect/ab!/data/device_counters",
        "devices/home/other-device/0123456789AB/data/device_counters",
    ],
)
async def test_mqtt_discovery_foreign_topics(hass: HomeAssistant, topic: str) -> None:
    """Topics that are not a Smart Connect's (or carry no valid serial) are not offered."""
    info = _mqtt_info("X")
    info.topic = topic
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_MQTT}, data=info
    )
    assert result["reason"] == "not_supported"
