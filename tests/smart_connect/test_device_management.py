"""Device management: restart button, firmware update entity, configure-MQTT action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.update import SERVICE_INSTALL
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import MqttMockHAClient
from syrupy.assertion import SnapshotAssertion

from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.smart_connect.services import broker_url
from simulator.smart_connect import SmartConnectSimulator
from tests.helpers import async_advance_time

from .conftest import entry_data

SERVICE = "smart_connect_configure_mqtt"


def _entity(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        key.split(".", maxsplit=1)[0], DOMAIN, f"{entry.unique_id}_{key.split('.')[1]}"
    )
    assert entity_id is not None, key
    return entity_id


async def _configure(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, SERVICE, data, blocking=True, return_response=True
    )


@pytest.mark.parametrize("platforms", [[Platform.BUTTON], [Platform.UPDATE]])
async def test_snapshot(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Restart button and firmware update entity: names, classes, categories, states."""
    await snapshot_platform(hass, entity_registry, snapshot, loaded_entry.entry_id)


async def test_restart_button(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Pressing restart resets the device; a device that is away gives a clear error."""
    button = _entity(hass, loaded_entry, "button.restart")
    await hass.services.async_call("button", SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True)
    assert simulator.http.resets == 1
    await simulator.stop_http()
    with pytest.raises(HomeAssistantError, match="web API did not answer"):
        await hass.services.async_call(
            "button", SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
        )
    await simulator.start_http()
    simulator.http.password = "changed"
    with pytest.raises(HomeAssistantError, match="refused the password"):
        await hass.services.async_call(
            "button", SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
        )
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert simulator.http.resets == 1


@pytest.mark.parametrize("simulator_options", [{"available_firmware": "5.3.0"}])
async def test_firmware_update(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """An offered update shows; installing only on request, then it is watched until done."""
    update = _entity(hass, loaded_entry, "update.firmware")
    state = hass.states.get(update)
    assert state is not None
    assert state.state == STATE_ON
    assert state.attributes["installed_version"] == "5.2.1"
    assert state.attributes["latest_version"] == "5.3.0"
    assert simulator.http.firmware_updates == 0  # nothing installs by itself
    await async_advance_time(hass, 3700)
    assert simulator.http.firmware_updates == 0

    simulator.http.firmware_update_seconds = 15
    await hass.services.async_call(
        "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: update}, blocking=True
    )
    assert simulator.http.firmware_updates == 1
    assert hass.states.get(update).attributes["in_progress"] is True  # type: ignore[union-attr]
    info = loaded_entry.runtime_data.info
    assert info.update_interval == timedelta(seconds=10)  # watched closely
    simulator.http._firmware_done()  # the device finishes its update
    await async_advance_time(hass, 11)
    state = hass.states.get(update)
    assert state is not None
    assert state.state == STATE_OFF
    assert state.attributes["installed_version"] == "5.3.0"
    assert state.attributes["in_progress"] is False
    assert info.update_interval == timedelta(hours=1)


async def test_firmware_install_refused(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Nothing offered: up to date, no install; an offer withdrawn meanwhile: the device's
    refusal is shown and nothing is watched."""
    update = _entity(hass, loaded_entry, "update.firmware")
    assert hass.states.get(update).state == STATE_OFF  # type: ignore[union-attr]
    with pytest.raises(HomeAssistantError, match="No update available"):
        await hass.services.async_call(
            "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: update}, blocking=True
        )
    simulator.http.available_version = "5.3.0"
    await loaded_entry.runtime_data.info.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(update).state == STATE_ON  # type: ignore[union-attr]
    simulator.http.available_version = None  # withdrawn before the user presses install
    with pytest.raises(HomeAssistantError, match="HTTP 409"):
        await hass.services.async_call(
            "update", SERVICE_INSTALL, {ATTR_ENTITY_ID: update}, blocking=True
        )
    assert simulator.http.firmware_updates == 0
    assert not loaded_entry.runtime_data.info.install_requested
    assert hass.states.get(update).attributes["in_progress"] is False  # type: ignore[union-attr]


async def test_configure_mqtt_given_broker(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """With a broker given: exactly that is written to the device, then it restarts."""
    response = await _configure(
        hass,
        config_entry_id=loaded_entry.entry_id,
        broker="mqtt://127.0.0.1:1/",  # nothing listens there
        username="sc",
        password="secret",
        site="cottage",
    )
    assert response == {
        "broker": "mqtt://127.0.0.1:1",
        "site": "cottage",
        "username": "sc",
        "restarted": True,
    }
    assert simulator.http.config_patches == [
        {
            "MQTT": {
                "Broker": "mqtt://127.0.0.1:1",
                "Site": "cottage",
                "Username": "sc",
                "Password": "secret",
            }
        }
    ]
    assert simulator.http.resets == 1


async def test_configure_mqtt_keeps_site_no_restart(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Without a site the device's own stays; restart only when asked."""
    await _configure(
        hass,
        config_entry_id=loaded_entry.entry_id,
        broker="mqtts://broker.lan:8883",
        restart=False,
    )
    assert simulator.http.config["MQTT"]["Site"] == "home"
    assert simulator.http.config["MQTT"]["Broker"] == "mqtts://broker.lan:8883"
    assert simulator.http.config["MQTT"]["Password"] == ""
    assert simulator.http.resets == 0


async def test_configure_mqtt_from_home_assistant(
    hass: HomeAssistant,
    mqtt_mock: MqttMockHAClient,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """No broker given: Home Assistant's own, at an address the device can reach."""
    mqtt_entry = hass.config_entries.async_entries("mqtt")[0]
    hass.config_entries.async_update_entry(
        mqtt_entry,
        data={**mqtt_entry.data, "broker": "core-mosquitto", "username": "ha", "password": "pw"},
    )
    response = await _configure(hass, config_entry_id=loaded_entry.entry_id)
    # The device (here on this machine) reaches the add-on's broker at 127.0.0.1.
    assert response["broker"] == "mqtt://127.0.0.1:1883"
    assert response["username"] == "ha"
    assert simulator.http.config["MQTT"]["Password"] == "pw"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"broker": "http://broker:1883"}, "not a broker URL"),
        ({"broker": "mqtt://broker"}, "not a broker URL"),
        ({"broker": "mqtt://broker:99999"}, "not a broker URL"),
        ({"broker": "mqtt://broker:1883", "site": "a/b"}, "cannot be a site"),
        ({"broker": "mqtt://broker:1883", "site": ""}, "cannot be a site"),
        ({"broker": "mqtt://broker:1883", "password": "x"}, "needs a username"),
        ({}, "MQTT integration is not set up"),
    ],
)
async def test_configure_mqtt_validation(
    hass: HomeAssistant,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
    data: dict[str, str],
    error: str,
) -> None:
    """Bad input is refused with a clear message before anything reaches the device."""
    with pytest.raises(ServiceValidationError, match=error):
        await _configure(hass, config_entry_id=loaded_entry.entry_id, **data)
    assert simulator.http.config_patches == []
    # The same call with good input then works.
    await _configure(
        hass, config_entry_id=loaded_entry.entry_id, broker="mqtt://127.0.0.1:1", restart=False
    )
    assert len(simulator.http.config_patches) == 1


async def test_configure_mqtt_auth_failure_and_offline(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A refused password starts reauth; an unreachable device is reported; nothing half-done."""
    simulator.http.password = "changed"
    with pytest.raises(HomeAssistantError, match="refused the password"):
        await _configure(hass, config_entry_id=loaded_entry.entry_id, broker="mqtt://127.0.0.1:1")
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    simulator.http.password = "demo-pass"
    await simulator.stop_http()
    with pytest.raises(HomeAssistantError, match="web API did not answer"):
        await _configure(hass, config_entry_id=loaded_entry.entry_id, broker="mqtt://127.0.0.1:1")
    await simulator.start_http()
    await _configure(hass, config_entry_id=loaded_entry.entry_id, broker="mqtt://127.0.0.1:1")
    assert simulator.http.config["MQTT"]["Broker"] == "mqtt://127.0.0.1:1"
    assert simulator.http.resets == 1


async def test_configure_mqtt_wrong_entries(
    hass: HomeAssistant, simulator: SmartConnectSimulator
) -> None:
    """Unknown or unloaded entries are refused."""
    with pytest.raises(ServiceValidationError):
        await _configure(hass, config_entry_id="nope", broker="mqtt://127.0.0.1:1")
    entry = MockConfigEntry(domain=DOMAIN, unique_id="X1234", data=entry_data(simulator))
    entry.add_to_hass(hass)
    with pytest.raises(ServiceValidationError):
        await _configure(hass, config_entry_id=entry.entry_id, broker="mqtt://127.0.0.1:1")


def test_broker_url_normalised() -> None:
    """Broker URLs are checked and written without a trailing slash."""
    assert broker_url(" mqtt://10.0.0.2:1883/ ") == "mqtt://10.0.0.2:1883"
    assert broker_url("mqtts://[fd00::1]:8883") == "mqtts://[fd00::1]:8883"
    with pytest.raises(ServiceValidationError):
        broker_url("mqtt://user:pw@host:1883")
