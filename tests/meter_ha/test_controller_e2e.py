"""End to end: the controller steered by Modbus meters over RTU (a pty pair).

A mains meter (Eastron SDM630: unsigned currents, the sign comes from the phase power) is the
controller's mains source as a Gridmate entry; a circuit meter (Carlo Gavazzi EM340) on the
same RS485 bus measures the garage sub-panel, and the controller reads its current sensors.
The charger is another integration's entities. The simulated meters serve what the site
draws (house + car - solar); polls are driven the Home Assistant way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import CONF_KIND, DOMAIN, EntryKind
from custom_components.gridmate.devices.meters.profiles import PROFILES_BY_ID, Measurand
from simulator.meters import RtuPtyMeterServer, SimulatedMeter, demo_values
from tests.controller.conftest import (
    ENABLE,
    LIMIT,
    PLUGGED,
    controller_options,
    entity_charger,
    setup_helpers,
)
from tests.helpers import async_advance_time, store_controller_controls

from .conftest import RtuServerFactory, meter_entry, rtu_data, setup_entry

CONTROLLER_ID = "ctl_meter_1"
VOLTAGE = 230.0


@dataclass
class Site:
    """The mains meter sees house + car - solar per phase; the circuit meter garage + car."""

    hass: HomeAssistant
    server: RtuPtyMeterServer
    house: tuple[float, float, float] = (5.0, 5.0, 5.0)
    garage: tuple[float, float, float] = (0.0, 0.0, 0.0)
    solar: float = 0.0

    def ev(self) -> float:
        states = self.hass.states
        if states.get(ENABLE).state != "on" or states.get(PLUGGED).state != "on":
            return 0.0
        limit = float(states.get(LIMIT).state)
        return min(limit, 16.0) if limit >= 6 else 0.0

    def publish(self) -> None:
        ev = self.ev()
        for unit, loads in ((11, self.house), (12, self.garage)):
            meter = self.server.meters[unit]
            for phase, load in enumerate(loads, start=1):
                current = load + ev - (self.solar if unit == 11 else 0.0)
                meter.values[Measurand(f"current_l{phase}")] = current  # SDM630 sends |current|
                meter.values[Measurand(f"power_l{phase}")] = current * VOLTAGE
            meter.values[Measurand.POWER] = sum(
                meter.values[Measurand(f"power_l{p}")] for p in (1, 2, 3)
            )

    async def poll(self, times: int = 1) -> None:
        for _ in range(times):
            self.publish()
            await async_advance_time(self.hass, 1.1)


def _limit(hass: HomeAssistant) -> float:
    if hass.states.get(ENABLE).state != "on":
        return 0.0
    return float(hass.states.get(LIMIT).state)


async def _setup(
    hass: HomeAssistant,
    rtu_server: RtuServerFactory,
    hass_storage: dict[str, Any],
    *,
    mode: str,
    solar: float = 0.0,
    **options: float,
) -> Site:
    await setup_helpers(hass)
    sdm, em340 = PROFILES_BY_ID["eastron_sdm630"], PROFILES_BY_ID["cg_em340"]
    server = await rtu_server(
        {
            11: SimulatedMeter(profile=sdm, values=demo_values(sdm)),
            12: SimulatedMeter(profile=em340, values=demo_values(em340)),
        }
    )
    site = Site(hass, server, solar=solar)
    site.publish()
    mains = await setup_entry(
        hass, meter_entry(rtu_data(server, sdm.id), title="Mains", role="mains")
    )
    await setup_entry(
        hass, meter_entry(rtu_data(server, em340.id, 12), title="Garage", role="circuit")
    )
    store_controller_controls(hass_storage, CONTROLLER_ID, mode=mode)
    controller = MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl_meter",
        entry_id=CONTROLLER_ID,
        data={
            CONF_KIND: EntryKind.CONTROLLER.value,
            "name": "Home",
            "mains": {"source": "entry", "entry_id": mains.entry_id},
            "circuit": {"currents": [f"sensor.garage_current_l{p}" for p in (1, 2, 3)]},
            "battery": {},
            "chargers": [entity_charger()],
        },
        options=controller_options(**options),
    )
    await setup_entry(hass, controller)
    return site


async def test_fuse_protection_from_an_rtu_mains_meter(
    hass: HomeAssistant, rtu_server: RtuServerFactory, hass_storage: dict[str, Any]
) -> None:
    """A load jump on one phase lowers the charger at the next poll of the Modbus meter."""
    site = await _setup(hass, rtu_server, hass_storage, mode="smart")
    await site.poll(2)
    assert _limit(hass) == 16.0
    site.house = (5.0, 5.0, 18.0)  # 18 + 16 = 34 A on L3 of a 25 A fuse
    await site.poll()
    assert _limit(hass) == 7.0
    assert hass.states.get("sensor.home_wallbox_state").state == "limited_by_main_fuse"


async def test_solar_surplus_signs_come_from_the_phase_power(
    hass: HomeAssistant, rtu_server: RtuServerFactory, hass_storage: dict[str, Any]
) -> None:
    """The SDM630 sends current magnitudes; export is seen only through the power's sign."""
    site = await _setup(
        hass,
        rtu_server,
        hass_storage,
        mode="solar",
        solar=14.0,
        start_delay=0,
        min_switch_time=0,
        raise_interval=1,
    )
    current = hass.states.get("sensor.mains_current_l1")
    assert float(current.state) == -9.0  # 5 A house - 14 A solar, although the wire carries 9
    await site.poll(2)
    assert _limit(hass) == 9.0  # 27 A exported over three phases
    site.solar = 12.0
    await site.poll()
    assert _limit(hass) == 7.0  # down at the first poll that shows the cloud


async def test_circuit_meter_limits_the_sub_panel(
    hass: HomeAssistant, rtu_server: RtuServerFactory, hass_storage: dict[str, Any]
) -> None:
    """The garage sub-panel (16 A) already carries 8 A on L1: the car gets the rest."""
    site = await _setup(hass, rtu_server, hass_storage, mode="fast", circuit_limit=16.0)
    await site.poll(2)
    assert _limit(hass) == 16.0
    site.garage = (8.0, 0.0, 0.0)
    await site.poll(2)
    assert _limit(hass) == 8.0
