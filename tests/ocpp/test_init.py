"""An OCPP charger entry in Home Assistant with an Infinergi simulator on a real websocket."""

from __future__ import annotations

import socket

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.ocpp.hub import DATA_OCPP
from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.kinds import charger_of
from simulator.ocpp import Car
from tests.helpers import state_of

from .conftest import PortSimFactory, ocpp_entry, state_becomes


async def _settle(hass: HomeAssistant) -> None:
    await hass.async_block_till_done()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_charger_appears_and_reports(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Before it connects everything but the connection is unavailable; then values flow."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "binary_sensor.ocpp_cp1_connected") == STATE_OFF
    assert state_of(hass, "sensor.ocpp_cp1_status") == STATE_UNAVAILABLE

    sim = await port_sim(ocpp_port, meter_interval=1, firmware="2.1.4")
    await sim.plug_in(Car(max_current=13, sends_soc=True))
    await sim.wait_until(lambda: sim.status == "Charging")
    charger = charger_of(loaded_entry)
    assert charger is not None
    # The driver asks for currents, voltages and SoC on connect; the next samples carry them.
    await state_becomes(hass, "sensor.ocpp_cp1_current_l3", "13.0")
    await state_becomes(hass, "sensor.ocpp_cp1_vehicle_state_of_charge", "40.0")
    assert state_of(hass, "binary_sensor.ocpp_cp1_connected") == STATE_ON
    assert state_of(hass, "sensor.ocpp_cp1_status") == "charging"
    assert state_of(hass, "sensor.ocpp_cp1_error") == "no_error"
    assert state_of(hass, "binary_sensor.ocpp_cp1_vehicle_plugged_in") == STATE_ON
    assert state_of(hass, "binary_sensor.ocpp_cp1_charging") == STATE_ON
    assert float(state_of(hass, "sensor.ocpp_cp1_charging_power")) == pytest.approx(13 * 230 * 3)
    assert float(state_of(hass, "sensor.ocpp_cp1_voltage_l1")) == 230.0
    energy = float(state_of(hass, "sensor.ocpp_cp1_energy"))
    assert energy == pytest.approx(sim.energy_wh / 1000, abs=0.01)
    assert float(state_of(hass, "sensor.ocpp_cp1_session_energy")) >= 0
    assert state_of(hass, "sensor.ocpp_cp1_session_id_tag") == "21/000-000001"

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, "ocpp_cp1"), loaded_entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model, device.sw_version, device.serial_number) == (
        "SEMAR",
        "INFINERGI-3T-DR",
        "2.1.4",
        "21/000-000001",
    )

    await sim.unplug()
    await sim.wait_until(lambda: sim.status == "Available")
    await _settle(hass)
    assert state_of(hass, "sensor.ocpp_cp1_status") == "available"
    assert state_of(hass, "sensor.ocpp_cp1_charging_power") == "0.0"
    assert state_of(hass, "binary_sensor.ocpp_cp1_vehicle_plugged_in") == STATE_OFF

    await sim.drop_connection(pause=30)
    await _settle(hass)
    assert state_of(hass, "binary_sensor.ocpp_cp1_connected") == STATE_OFF
    assert state_of(hass, "sensor.ocpp_cp1_status") == STATE_UNAVAILABLE
    # Energy and the last session stay known while the charger is away.
    assert float(state_of(hass, "sensor.ocpp_cp1_energy")) >= energy
    assert charger.status is None


async def test_entities_registered(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, snapshot: object
) -> None:
    """Every entity with its translation key, device class, unit and category."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
    assert (
        sorted(
            (
                e.entity_id,
                e.translation_key,
                e.original_device_class,
                e.unit_of_measurement,
                e.entity_category,
                e.disabled_by is not None,
            )
            for e in entries
        )
        == snapshot
    )


async def test_unload_stops_the_server(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """The last entry on a port stops its server; the charger is refused meanwhile."""
    sim = await port_sim(ocpp_port)
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await sim.wait_until(lambda: not sim.connected)
    assert hass.data[DATA_OCPP].hubs == {}
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", ocpp_port)) != 0


async def test_entries_share_one_server(
    hass: HomeAssistant, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Two chargers on one port: one server; unloading one leaves the other connected."""
    first, second = ocpp_entry(ocpp_port, "garage"), ocpp_entry(ocpp_port, "carport")
    for entry in (first, second):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
    await _settle(hass)
    assert len(hass.data[DATA_OCPP].hubs) == 1
    sim_a = await port_sim(ocpp_port, "garage")
    sim_b = await port_sim(ocpp_port, "carport")
    assert await hass.config_entries.async_unload(first.entry_id)
    await sim_a.wait_until(lambda: 404 in sim_a.rejections)
    assert sim_b.connected
    assert await hass.config_entries.async_unload(second.entry_id)
    await sim_b.wait_until(lambda: not sim_b.connected)
    assert hass.data[DATA_OCPP].hubs == {}


async def test_port_taken_retries_later(hass: HomeAssistant, socket_enabled: None) -> None:
    """Another program on the port: setup is retried (ConfigEntryNotReady), not failed."""
    with socket.socket() as blocker:
        blocker.bind(("0.0.0.0", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        entry = ocpp_entry(port)
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await _settle(hass)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert str(port) in (entry.reason or "")
    assert await hass.config_entries.async_unload(entry.entry_id)
