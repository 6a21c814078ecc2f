"""Options flow: poll interval and the mains feeding source, every error recovering."""

from __future__ import annotations

from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.charger.smartevse.const import (
    CONF_MAINS_ENTRY,
    CONF_MAINS_L1,
    CONF_MAINS_L2,
    CONF_MAINS_L3,
    CONF_MAINS_MAX_AGE,
    CONF_MAINS_SOURCE,
)
from custom_components.gridmate.const import DOMAIN
from simulator.smartevse import SmartEvseSimulator

from .conftest import poll


def _first(**overrides: object) -> dict[str, object]:
    return {CONF_SCAN_INTERVAL: 5, CONF_MAINS_SOURCE: "none", CONF_MAINS_MAX_AGE: 15, **overrides}


async def test_options_without_feeding(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Poll interval only; the entry reloads with it."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartevse"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _first(**{CONF_SCAN_INTERVAL: 10})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == _first(**{CONF_SCAN_INTERVAL: 10})
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.coordinator.update_interval.total_seconds() == 10
    assert loaded_entry.runtime_data.feeder is None


async def test_feed_from_a_gridmate_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Only an entry that measures the grid is accepted; a Smart Connect is."""
    smart_connect = MockConfigEntry(
        domain=DOMAIN, title="Smart Connect", data={"kind": "smart_connect"}
    )
    smart_connect.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _first(**{CONF_MAINS_SOURCE: "entry"})
    )
    assert result["step_id"] == "smartevse_feed_entry"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MAINS_ENTRY: loaded_entry.entry_id}
    )
    assert result["errors"] == {CONF_MAINS_ENTRY: "smartevse_not_a_mains_source"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MAINS_ENTRY: smart_connect.entry_id}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_MAINS_ENTRY] == smart_connect.entry_id
    await hass.async_block_till_done()
    feeder = loaded_entry.runtime_data.feeder
    assert feeder is not None
    await poll(hass, 2)
    assert feeder.status == "waiting"  # the Smart Connect is not loaded: nothing to send


async def test_feed_from_sensors(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """L1 alone or all three; L2 without L3 and a sensor twice are refused."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _first(**{CONF_MAINS_SOURCE: "sensors"})
    )
    assert result["step_id"] == "smartevse_feed_sensors"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MAINS_L1: "sensor.a", CONF_MAINS_L2: "sensor.b"}
    )
    assert result["errors"] == {"base": "smartevse_one_or_three_sensors"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MAINS_L1: "sensor.a", CONF_MAINS_L2: "sensor.a", CONF_MAINS_L3: "sensor.c"},
    )
    assert result["errors"] == {"base": "smartevse_same_sensor_twice"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MAINS_L1: "sensor.a", CONF_MAINS_L2: "sensor.b", CONF_MAINS_L3: "sensor.c"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == _first(
        **{
            CONF_MAINS_SOURCE: "sensors",
            CONF_MAINS_L1: "sensor.a",
            CONF_MAINS_L2: "sensor.b",
            CONF_MAINS_L3: "sensor.c",
        }
    )
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.feeder is not None
    assert hass.states.get("sensor.smartevse_51446_mains_data_feed") is not None


async def test_feeding_needs_an_api_mains_meter(
    hass: HomeAssistant, simulator: SmartEvseSimulator, loaded_entry: MockConfigEntry
) -> None:
    """A charger with its own mains meter would ignore the data: said, and fixable."""
    simulator.model.mains_meter = "Sensorbox"
    await poll(hass)
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _first(**{CONF_MAINS_SOURCE: "sensors"})
    )
    assert result["errors"] == {CONF_MAINS_SOURCE: "smartevse_mains_meter_not_api"}
    simulator.model.mains_meter = "API"  # the user changes MAINS MET on the charger
    await poll(hass)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], _first(**{CONF_MAINS_SOURCE: "sensors"})
    )
    assert result["step_id"] == "smartevse_feed_sensors"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MAINS_L1: "sensor.a"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
