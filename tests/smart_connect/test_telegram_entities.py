"""Entities from the raw P1 telegram (GET /api/v1/telegram) of the simulated device."""

from __future__ import annotations

from datetime import UTC, datetime

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridmate.const import CONF_INTERFACE, DOMAIN
from simulator.smart_connect import SmartConnectSimulator
from tests.helpers import async_add_and_set_up, async_advance_time, entity_ids_by_key, state_of

from .conftest import entry_data

pytestmark = pytest.mark.usefixtures("entity_registry_enabled_by_default")

TARIFFS = {
    "energy_import_tariff_1",
    "energy_import_tariff_2",
    "energy_export_tariff_1",
    "energy_export_tariff_2",
    "active_tariff",
}
CAPACITY = {"average_demand", "peak_demand_month", "peak_demand_month_time"}
FAILURE_LOG = {"last_power_failure", "last_power_failure_duration"}
GAS = {"gas_consumption", "gas_measured_at"}
ALWAYS = {"meter_id", "telegram_specification"}
TELEGRAM_KEYS = TARIFFS | CAPACITY | FAILURE_LOG | GAS | ALWAYS | {"p1_version"}

EXPECTED = {
    "dsmr_5": TARIFFS | FAILURE_LOG | GAS | ALWAYS | {"p1_version"},
    "dsmr_4": TARIFFS | FAILURE_LOG | GAS | ALWAYS | {"p1_version"},
    "dsmr_2_2": TARIFFS | GAS | ALWAYS,
    "belgium": TARIFFS | CAPACITY | GAS | ALWAYS | {"p1_version"},
    "luxembourg": FAILURE_LOG | ALWAYS | {"p1_version"},
}


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    return state_of(hass, entity_ids_by_key(hass, entry)[key])


async def _telegram_poll(hass: HomeAssistant) -> None:
    """The telegram is read once a minute."""
    await async_advance_time(hass, 61)


@pytest.mark.parametrize(
    ("variant", "simulator_options"),
    [
        ("full", {"telegram": "dsmr_5"}),
        ("dsmr42", {"telegram": "dsmr_4"}),
        ("full", {"telegram": "dsmr_2_2"}),
        ("full", {"telegram": "belgium"}),
        ("full", {"telegram": "luxembourg"}),
    ],
)
async def test_entities_only_for_what_the_telegram_has(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """Each standard: exactly its values become entities, with the meter's numbers."""
    spec = simulator.telegram_writer.spec.value  # type: ignore[union-attr]
    present = set(entity_ids_by_key(hass, loaded_entry)) & TELEGRAM_KEYS
    assert present == EXPECTED[spec]
    assert _state(hass, loaded_entry, "telegram_specification") == spec
    assert _state(hass, loaded_entry, "meter_id") == "E0044007131650618"
    meter = simulator.meter
    if present >= TARIFFS:
        assert float(_state(hass, loaded_entry, "energy_import_tariff_2")) == pytest.approx(
            meter.energy_import[1] / 1000, abs=0.001
        )
        assert float(_state(hass, loaded_entry, "energy_export_tariff_1")) == pytest.approx(
            meter.energy_export[0] / 1000, abs=0.001
        )
        assert _state(hass, loaded_entry, "active_tariff") == "2"  # a weekday noon
    if present >= GAS:
        reading = meter.gas_hour if spec in ("dsmr_4", "dsmr_2_2") else meter.gas_5min
        assert float(_state(hass, loaded_entry, "gas_consumption")) == pytest.approx(
            reading.m3, abs=0.001
        )
        measured = datetime.fromtimestamp(reading.epoch, UTC).isoformat()
        assert _state(hass, loaded_entry, "gas_measured_at") == measured
    if present >= CAPACITY:
        assert float(_state(hass, loaded_entry, "peak_demand_month")) == pytest.approx(
            meter.peak_demand_kw, abs=0.001
        )
        peak_at = datetime.fromtimestamp(meter.peak_demand_epoch, UTC).isoformat()
        assert _state(hass, loaded_entry, "peak_demand_month_time") == peak_at
    if present >= FAILURE_LOG:
        assert _state(hass, loaded_entry, "last_power_failure_duration") == "240"


@pytest.mark.parametrize("simulator_options", [{"telegram": "belgium"}])
async def test_capacity_tariff_follows_the_meter(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The quarter-hour average and the month's peak move with the next telegrams."""
    simulator.pin_power(3000, 3000, 3000)  # 9 kW: a new monthly peak after a quarter hour
    simulator.step(900)
    await _telegram_poll(hass)
    assert float(_state(hass, loaded_entry, "peak_demand_month")) == pytest.approx(9.0, abs=0.01)
    simulator.step(300)
    await _telegram_poll(hass)
    assert float(_state(hass, loaded_entry, "average_demand")) == pytest.approx(9.0, abs=0.01)


async def test_gas_meter_is_its_own_device(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The gas meter hangs below the Smart Connect (via_device) with its own identifier."""
    registry = dr.async_get(hass)
    smart_connect = registry.async_get_device_by_identifier(
        (DOMAIN, simulator.serial), loaded_entry.entry_id
    )
    gas = registry.async_get_device_by_identifier(
        (DOMAIN, f"{simulator.serial}_gas"), loaded_entry.entry_id
    )
    assert smart_connect is not None
    assert gas is not None
    assert gas.via_device_id == smart_connect.id
    assert gas.serial_number == "G0039001652050216"
    assert gas.name == "Gas meter"
    entity = er.async_get(hass).async_get(entity_ids_by_key(hass, loaded_entry)["gas_consumption"])
    assert entity is not None
    assert entity.device_id == gas.id
    state = hass.states.get(entity.entity_id)
    assert state is not None
    assert state.attributes["unit_of_measurement"] == "m³"
    assert state.attributes["state_class"] == "total_increasing"
    assert state.attributes["device_class"] == "gas"


async def test_corrupted_telegrams_keep_the_last_good_values(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """A wrong CRC or a cut telegram: last good values stay, counted; unavailable only after
    three bad polls in a row; the next good telegram brings them back."""
    before = _state(hass, loaded_entry, "energy_import_tariff_2")
    simulator.step(600)
    good = simulator.telegram()
    assert good is not None
    simulator.http.telegram_override = good.replace("*kWh", "*kWH", 1)  # CRC no longer fits
    await _telegram_poll(hass)
    assert _state(hass, loaded_entry, "energy_import_tariff_2") == before
    simulator.http.telegram_override = good[: len(good) // 2]
    await _telegram_poll(hass)
    assert _state(hass, loaded_entry, "energy_import_tariff_2") == before
    assert _state(hass, loaded_entry, "active_power") != STATE_UNAVAILABLE  # live data unharmed
    simulator.http.telegram_override = "\x00\xff garbage"
    await _telegram_poll(hass)
    assert _state(hass, loaded_entry, "energy_import_tariff_2") == STATE_UNAVAILABLE
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    stats = diagnostics["telegram"]["stats"]
    assert stats["checksum_errors"] == 1
    assert stats["truncated"] == 2

    simulator.http.telegram_override = None
    await _telegram_poll(hass)
    assert float(_state(hass, loaded_entry, "energy_import_tariff_2")) == pytest.approx(
        simulator.meter.energy_import[1] / 1000, abs=0.001
    )
    assert _state(hass, loaded_entry, "energy_import_tariff_2") != before


@pytest.mark.parametrize("variant", ["short"])
async def test_old_firmware_without_telegram(
    hass: HomeAssistant, simulator: SmartConnectSimulator, loaded_entry: MockConfigEntry
) -> None:
    """404 on /api/v1/telegram: no telegram entities and no more polling of it."""
    assert not set(entity_ids_by_key(hass, loaded_entry)) & TELEGRAM_KEYS
    await _telegram_poll(hass)
    await _telegram_poll(hass)
    assert simulator.http.telegram_requests == 1
    assert loaded_entry.runtime_data.telegram is not None
    assert loaded_entry.runtime_data.telegram.update_interval is None


async def test_entities_appear_with_the_first_good_telegram(
    hass: HomeAssistant, simulator: SmartConnectSimulator, config_entry: MockConfigEntry
) -> None:
    """A bad first telegram does not fail the setup; its entities come with a good one."""
    simulator.http.telegram_override = "/XMX5 no end"
    assert await async_add_and_set_up(hass, config_entry)
    assert not set(entity_ids_by_key(hass, config_entry)) & TELEGRAM_KEYS
    assert _state(hass, config_entry, "active_power") != STATE_UNAVAILABLE
    simulator.http.telegram_override = None
    await _telegram_poll(hass)
    assert set(entity_ids_by_key(hass, config_entry)) & TELEGRAM_KEYS == EXPECTED["dsmr_5"]


async def test_tic_reads_no_telegram(hass: HomeAssistant, simulator: SmartConnectSimulator) -> None:
    """A TIC meter sends no P1 telegram: Gridmate does not ask for one."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=simulator.serial,
        data=entry_data(simulator, **{CONF_INTERFACE: "tic"}),
    )
    assert await async_add_and_set_up(hass, entry)
    await _telegram_poll(hass)
    assert simulator.http.telegram_requests == 0
    assert entry.runtime_data.telegram is None


async def test_telegram_in_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmartConnectSimulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The raw telegram helps a bug report, without the meter and gas identifiers."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    telegram = diagnostics["telegram"]
    assert telegram["specification"] == "dsmr_5"
    assert "1-0:1.8.1(" in telegram["raw"]
    text = str(diagnostics)
    for identifier in ("E0044007131650618", "G0039001652050216"):
        assert identifier not in text
        assert identifier.encode().hex().upper() not in text
    assert telegram["values"]["meter_id"] == "**REDACTED**"
    assert telegram["gas"]["equipment_id"] == "**REDACTED**"
