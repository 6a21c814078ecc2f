"""End to end: Gridmate's controller steers an OCPP charge point (Infinergi simulator).

Mains currents come from sensor states (any meter integration); the controller entry steers
the OCPP charger entry through the charger contract; the charging profiles travel over a real
websocket to the simulated Infinergi, whose car follows them; the car's draw comes back in
MeterValues and goes into the next mains reading, closing the loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import CONF_KIND, DOMAIN, EntryKind
from simulator.ocpp import Car, InfinergiSimulator
from tests.helpers import async_add_and_set_up, store_controller_controls

from .conftest import PortSimFactory, ocpp_entry

MAINS = ("sensor.grid_l1", "sensor.grid_l2", "sensor.grid_l3")
CONTROLLER_ID = "ctl_ocpp_1"


def _set_mains(hass: HomeAssistant, house: float, sim: InfinergiSimulator) -> None:
    """The grid meter sees the house plus what the car draws now."""
    for entity_id in MAINS:
        hass.states.async_set(
            entity_id,
            str(house + sim.current),
            {"unit_of_measurement": "A", "device_class": "current"},
        )


async def _setup(
    hass: HomeAssistant, port: int, hass_storage: dict[str, Any], mode: str
) -> MockConfigEntry:
    charger = ocpp_entry(port, "infinergi", **{"max_current": 16})
    assert await async_add_and_set_up(hass, charger)
    store_controller_controls(hass_storage, CONTROLLER_ID, mode=mode)
    controller = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl_ocpp",
        entry_id=CONTROLLER_ID,
        data={
            CONF_KIND: EntryKind.CONTROLLER.value,
            "name": "Home",
            "mains": {"source": "currents", "currents": list(MAINS), "powers": []},
            "circuit": {},
            "battery": {},
            "chargers": [
                {
                    "charger_id": "infinergi",
                    "charger_source": "entry",
                    "entry_id": charger.entry_id,
                    "name": "Infinergi",
                    "priority": 0,
                    "first_phase": 0,
                }
            ],
        },
        options={
            "phases": 3,
            "voltage": 230.0,
            "main_fuse": 25.0,
            "stale_timeout": 10.0,
            "safe_current": 0.0,
            "raise_interval": 0.0,
            "min_switch_time": 0,
        },
    )
    controller.add_to_hass(hass)
    assert await hass.config_entries.async_setup(controller.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return controller


async def _offered_becomes(
    hass: HomeAssistant, sim: InfinergiSimulator, house: float, expected: float
) -> None:
    """Feed mains readings (as a meter would, every 50 ms) until the charger offers `expected`."""
    async with asyncio.timeout(10):
        while sim.offered != expected:
            _set_mains(hass, house, sim)
            await hass.async_block_till_done(wait_background_tasks=True)
            await asyncio.sleep(0.05)


async def test_controller_limits_the_charger_to_the_main_fuse(
    hass: HomeAssistant, ocpp_port: int, port_sim: PortSimFactory, hass_storage: dict[str, Any]
) -> None:
    """Fast mode under a 25 A fuse: 16 A with a light house, less as the house load grows,
    a pause when less than 6 A is left, and back up when the load goes."""
    await _setup(hass, ocpp_port, hass_storage, "fast")
    sim = await port_sim(ocpp_port, "infinergi", meter_interval=1)
    await sim.plug_in(Car(max_current=32))
    await _offered_becomes(hass, sim, house=5.0, expected=16.0)
    await sim.wait_until(lambda: sim.current == 16.0)
    await _offered_becomes(hass, sim, house=15.0, expected=10.0)
    await sim.wait_until(lambda: sim.current == 10.0)
    await _offered_becomes(hass, sim, house=21.0, expected=0.0)
    await sim.wait_until(lambda: sim.status == "SuspendedEVSE")
    await _offered_becomes(hass, sim, house=5.0, expected=16.0)
    await sim.wait_until(lambda: sim.status == "Charging")


async def test_controller_mode_off_pauses_the_charger(
    hass: HomeAssistant, ocpp_port: int, port_sim: PortSimFactory, hass_storage: dict[str, Any]
) -> None:
    """Mode off: the controller sends 0 A; the session stays open on the charger."""
    await _setup(hass, ocpp_port, hass_storage, "off")
    sim = await port_sim(ocpp_port, "infinergi", meter_interval=1)
    await sim.plug_in(Car(max_current=32))
    await _offered_becomes(hass, sim, house=5.0, expected=0.0)
    await sim.wait_until(lambda: sim.status == "SuspendedEVSE")
    assert sim.transaction_id is not None
