"""Meter entities: every profile's values as the simulator serves them, faults, shared bus."""

from __future__ import annotations

import asyncio
import logging
import math

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_CLOSE, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.devices.meters.profiles import (
    PHASE_POWERS,
    PROFILES,
    PROFILES_BY_ID,
    Kind,
    Measurand,
    MeterProfile,
)
from custom_components.gridmate.meter.bus import DATA_BUS_REGISTRY
from simulator.meters import Mode, SimulatedMeter, demo_values

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

USABLE = [p for p in PROFILES if p.usable]


def states_by_key(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Entity states keyed by the quantity (the unique id's suffix)."""
    registry = er.async_get(hass)
    out: dict[str, str] = {}
    for ent in er.async_entries_for_config_entry(registry, entry.entry_id):
        state = hass.states.get(ent.entity_id)
        assert state is not None, ent.entity_id
        out[ent.unique_id.removeprefix(f"{entry.unique_id}_")] = state.state
    return out


def expected_states(profile: MeterProfile, values: dict[Measurand, float]) -> dict[str, float]:
    """What Home Assistant should show: SI values, energies in kWh, derived total power."""
    expected = dict(values)
    if profile.sums_phase_power:
        expected[Measurand.POWER] = sum(values[m] for m in PHASE_POWERS[: profile.phases])
    return {m.value: v / 1000 if m.kind is Kind.ENERGY else v for m, v in expected.items()}


def tolerance(profile: MeterProfile, measurand: Measurand) -> float:
    spec = profile.spec(measurand)
    if spec is None:  # derived total: the phases' rounding adds up
        return 3.0
    step = abs(spec.scale) / (1000 if measurand.kind is Kind.ENERGY else 1)
    return step if spec.data_type.value != "float32" else 1e-3


@pytest.mark.parametrize("exporting", [False, True], ids=["import", "export"])
@pytest.mark.parametrize("profile", USABLE, ids=lambda p: p.id)
async def test_every_profile_shows_what_the_meter_holds(
    hass: HomeAssistant, tcp_server: TcpServerFactory, profile: MeterProfile, exporting: bool
) -> None:
    """Each quantity of each profile becomes one sensor with the simulator's value."""
    values = demo_values(profile, exporting=exporting)
    server = await tcp_server({11: SimulatedMeter(profile=profile, values=values)})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, profile.id)))
    assert entry.state is ConfigEntryState.LOADED
    states = states_by_key(hass, entry)
    expected = expected_states(profile, values)
    assert set(states) == set(expected)
    for key, value in expected.items():
        got = float(states[key])
        assert got == pytest.approx(value, abs=tolerance(profile, Measurand(key))), key


async def test_entities_snapshot(
    hass: HomeAssistant,
    tcp_server: TcpServerFactory,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Names, units, device and state classes, precision and states of a three-phase meter."""
    server = await tcp_server({11: simulated("eastron_sdm630")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_device_has_model_and_role(
    hass: HomeAssistant, tcp_server: TcpServerFactory, device_registry: dr.DeviceRegistry
) -> None:
    """One device per meter: vendor, model, profile id, named like the entry (with the role)."""
    server = await tcp_server({11: simulated("cg_em340")})
    entry = meter_entry(tcp_data(server, "cg_em340"), title="Carlo Gavazzi EM340 (EV)")
    await setup_entry(hass, entry)
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, str(entry.unique_id)), entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model, device.model_id) == (
        "Carlo Gavazzi",
        "EM340",
        "cg_em340",
    )
    assert device.name == "Carlo Gavazzi EM340 (EV)"
    assert hass.states.get("sensor.carlo_gavazzi_em340_ev_power") is not None


async def test_inverted_meter_negates_power_and_swaps_energies(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """A meter fed from below: export shows as negative power, counters swap."""
    profile = PROFILES_BY_ID["eastron_sdm630"]
    values = demo_values(profile)
    server = await tcp_server({11: SimulatedMeter(profile=profile, values=values)})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, profile.id), inverted=True))
    states = states_by_key(hass, entry)
    assert float(states["power"]) == pytest.approx(-values[Measurand.POWER])
    assert float(states["current_l1"]) == pytest.approx(-values[Measurand.CURRENT_L1])
    assert float(states["power_l3"]) == pytest.approx(-values[Measurand.POWER_L3])
    assert float(states["voltage_l2"]) == pytest.approx(values[Measurand.VOLTAGE_L2])
    assert float(states["energy_import"]) == pytest.approx(values[Measurand.ENERGY_EXPORT] / 1000)
    assert float(states["energy_export"]) == pytest.approx(values[Measurand.ENERGY_IMPORT] / 1000)


async def test_nan_inf_out_of_range_and_not_available_show_unknown(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """Garbage never shows as a number; the other values keep updating."""
    sdm = PROFILES_BY_ID["eastron_sdm630"]
    values = demo_values(sdm)
    values[Measurand.VOLTAGE_L1] = math.nan
    values[Measurand.POWER] = math.inf
    values[Measurand.CURRENT_L2] = 5000.0  # no house draws 5 kA
    values[Measurand.ENERGY_IMPORT] = -5.0  # counters never go negative
    abb = SimulatedMeter(profile=PROFILES_BY_ID["abb_b23"])
    abb.set_raw(3, 0x5B18, [0x7FFF, 0xFFFF])  # ABB: power L2 not available
    server = await tcp_server({11: SimulatedMeter(profile=sdm, values=values), 12: abb})
    sdm_entry = await setup_entry(hass, meter_entry(tcp_data(server, sdm.id)))
    abb_entry = await setup_entry(hass, meter_entry(tcp_data(server, "abb_b23", 12), role="ev"))
    states = states_by_key(hass, sdm_entry)
    for key in ("voltage_l1", "power", "current_l2", "energy_import"):
        assert states[key] == STATE_UNKNOWN, key
    assert float(states["voltage_l2"]) == pytest.approx(values[Measurand.VOLTAGE_L2])
    abb_states = states_by_key(hass, abb_entry)
    assert abb_states["power_l2"] == STATE_UNKNOWN
    assert abb_states["current_l2"] == STATE_UNKNOWN  # its sign comes from the unknown power
    assert float(abb_states["power_l1"]) == pytest.approx(7.25 * 230)

    # The meter heals: values come back on the next poll.
    server.meters[11].values = demo_values(sdm)
    await poll(hass)
    assert float(states_by_key(hass, sdm_entry)["voltage_l1"]) == pytest.approx(231.1)


async def test_silent_meter_goes_unavailable_with_one_warning_and_comes_back(
    hass: HomeAssistant, tcp_server: TcpServerFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Tolerates a lost poll, then one warning each way; pymodbus stays quiet meanwhile."""
    caplog.set_level(logging.DEBUG, logger="custom_components.gridmate")
    server = await tcp_server({11: simulated("eastron_sdm630")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    power = hass.states.get("sensor.meter_11_power")
    assert power is not None
    assert power.state != STATE_UNAVAILABLE
    caplog.clear()
    server.meters[11].mode = Mode.SILENT
    await poll(hass)
    await poll(hass)  # two failures: the last values stay
    assert hass.states.get("sensor.meter_11_power").state == power.state
    for _ in range(5):  # the third failure turns it unavailable; then it backs off
        await poll(hass, 40)
    assert hass.states.get("sensor.meter_11_power").state == STATE_UNAVAILABLE
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval.total_seconds() == 30  # asked rarely while dead

    server.meters[11].mode = Mode.NORMAL
    await poll(hass, 40)
    assert hass.states.get("sensor.meter_11_power").state == power.state
    assert coordinator.update_interval.total_seconds() == 1
    await poll(hass)

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" (")[0] for r in warnings] == ["Meter Meter 11", "Meter Meter 11"]
    assert "stopped answering" in warnings[0].getMessage()
    assert "answers again" in warnings[1].getMessage()
    # pymodbus' "No response received" ERROR per request is demoted to DEBUG (tests log DEBUG).
    pymodbus = [r for r in caplog.records if r.name.startswith("pymodbus")]
    assert any("No response" in r.getMessage() for r in pymodbus)
    assert all(r.levelno == logging.DEBUG for r in pymodbus)


async def test_meter_silent_at_startup_is_retried(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """Setup waits for the meter (not ready), without leaving the bus open."""
    server = await tcp_server({11: simulated("cg_em111", mode=Mode.SILENT)})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "cg_em111")))
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert len(hass.data[DATA_BUS_REGISTRY]) == 0
    server.meters[11].mode = Mode.NORMAL
    await poll(hass, 90)
    assert entry.state is ConfigEntryState.LOADED


async def test_two_entries_share_one_gateway_and_a_silent_one_does_not_stall(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """One client per gateway across entries; the answering meter keeps updating."""
    server = await tcp_server({11: simulated("eastron_sdm630"), 12: simulated("cg_em340")})
    mains = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    ev = await setup_entry(hass, meter_entry(tcp_data(server, "cg_em340", 12), role="ev"))
    registry = hass.data[DATA_BUS_REGISTRY]
    assert len(registry) == 1
    assert mains.runtime_data.bus is ev.runtime_data.bus
    assert len(server._connections) == 1  # one TCP connection for both meters

    server.meters[12].mode = Mode.SILENT
    for step in range(1, 6):
        server.meters[11].values[Measurand.POWER] = 1000.0 + step
        await poll(hass)
        assert float(hass.states.get("sensor.meter_11_power").state) == 1000.0 + step
    assert hass.states.get("sensor.meter_12_power").state == STATE_UNAVAILABLE

    assert await hass.config_entries.async_unload(ev.entry_id)
    assert len(registry) == 1  # the mains meter still uses it
    await poll(hass)
    assert float(hass.states.get("sensor.meter_11_power").state) == 1005.0
    assert await hass.config_entries.async_unload(mains.entry_id)
    assert len(registry) == 0  # the last one closed it
    for _ in range(100):  # the simulator notices the closed socket
        if not server._connections:
            break
        await asyncio.sleep(0.01)
    assert len(server._connections) == 0


async def test_rtu_meters_on_one_serial_bus(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    """Two meters on one RS485 adapter (a pty pair): both read through one serial client."""
    sdm = PROFILES_BY_ID["eastron_sdm630"]
    values = demo_values(sdm, exporting=True)
    server = await rtu_server(
        {11: SimulatedMeter(profile=sdm, values=values), 12: simulated("sinotimer_dts6619")}
    )
    mains = await setup_entry(hass, meter_entry(rtu_data(server, sdm.id)))
    solar = await setup_entry(
        hass, meter_entry(rtu_data(server, "sinotimer_dts6619", 12), role="solar")
    )
    assert mains.state is solar.state is ConfigEntryState.LOADED
    assert mains.runtime_data.bus is solar.runtime_data.bus
    states = states_by_key(hass, mains)
    assert float(states["power"]) == pytest.approx(values[Measurand.POWER])
    assert float(states["current_l1"]) == pytest.approx(values[Measurand.CURRENT_L1])
    assert float(states_by_key(hass, solar)["power"]) == pytest.approx(
        (7.25 + 3.5 + 1.75) * 230, abs=3
    )
    server.meters[11].values[Measurand.POWER] = -4321.0
    await poll(hass)
    assert float(hass.states.get("sensor.meter_11_power").state) == pytest.approx(-4321.0)


async def test_stopping_home_assistant_closes_the_buses(
    hass: HomeAssistant, tcp_server: TcpServerFactory
) -> None:
    """The registry lives as long as Home Assistant: its close event closes every bus."""
    server = await tcp_server({11: simulated("eastron_sdm630")})
    entry = await setup_entry(hass, meter_entry(tcp_data(server, "eastron_sdm630")))
    bus = entry.runtime_data.bus
    assert bus._client is not None
    hass.bus.async_fire(EVENT_HOMEASSISTANT_CLOSE)
    await hass.async_block_till_done()
    assert bus._client is None
    assert len(hass.data[DATA_BUS_REGISTRY]) == 0


async def test_broken_stored_map_and_conflicting_bus_settings_fail_setup_clearly(
    hass: HomeAssistant, rtu_server: RtuServerFactory
) -> None:
    """Setup errors a retry cannot fix: a custom map that cannot exist, a bus at two speeds."""
    server = await rtu_server({11: simulated("eastron_sdm630"), 12: simulated("cg_em111")})
    broken = rtu_data(
        server,
        "custom",
        13,
        custom={
            "phases": 3,
            "registers": {
                "power": {
                    "function_code": 4,
                    "address": 0xFFFF,  # an int32 cannot start at the last address
                    "data_type": "int32",
                    "word_order": "high_first",
                    "scale": 1,
                }
            },
        },
    )
    entry = await setup_entry(hass, meter_entry(broken))
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason.startswith("The stored register map of this meter is invalid")

    first = await setup_entry(hass, meter_entry(rtu_data(server, "eastron_sdm630")))
    assert first.state is ConfigEntryState.LOADED
    faster = await setup_entry(
        hass, meter_entry(rtu_data(server, "cg_em111", 12, baudrate=19200), role="ev")
    )
    assert faster.state is ConfigEntryState.SETUP_ERROR
    assert faster.reason.startswith("Another meter uses this serial port")
    assert hass.data[DATA_BUS_REGISTRY].users(first.runtime_data.bus.config) == 1
