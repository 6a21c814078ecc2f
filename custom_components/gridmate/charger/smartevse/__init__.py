"""The SmartEVSE v3 charger type: REST polling, optional MQTT push, mains feeding."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.const import CONF_HOST, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ...devices.chargers.contract import Charger
from ...devices.chargers.smartevse import SmartEvse
from ...kinds import Kind
from . import binary_sensor, number, select, sensor
from .config_flow import SmartEvseOptionsFlow
from .const import (
    CONF_MAINS_ENTRY,
    CONF_MAINS_L1,
    CONF_MAINS_L2,
    CONF_MAINS_L3,
    CONF_MAINS_MAX_AGE,
    CONF_MAINS_SOURCE,
    CONF_MQTT_PREFIX,
    DEFAULT_MAINS_MAX_AGE,
    DEFAULT_SCAN_INTERVAL,
    MainsSource,
)
from .coordinator import SmartEvseConfigEntry, SmartEvseCoordinator, SmartEvseRuntimeData
from .diagnostics import async_get_diagnostics
from .feeding import MainsFeeder, entity_feed_resolver, entry_feed_resolver
from .mqtt import async_setup_mqtt


def _feeder(
    hass: HomeAssistant, entry: SmartEvseConfigEntry, driver: SmartEvse
) -> MainsFeeder | None:
    options = entry.options
    source = MainsSource(options.get(CONF_MAINS_SOURCE, MainsSource.NONE))
    max_age = float(options.get(CONF_MAINS_MAX_AGE, DEFAULT_MAINS_MAX_AGE))
    if source is MainsSource.ENTRY and options.get(CONF_MAINS_ENTRY):
        return MainsFeeder(
            hass,
            driver,
            entry_feed_resolver(hass, options[CONF_MAINS_ENTRY]),
            source=f"entry {options[CONF_MAINS_ENTRY]}",
            max_age_s=max_age,
        )
    if source is MainsSource.SENSORS and options.get(CONF_MAINS_L1):
        sensors = [
            options[key]
            for key in (CONF_MAINS_L1, CONF_MAINS_L2, CONF_MAINS_L3)
            if options.get(key)
        ]
        return MainsFeeder(
            hass,
            driver,
            entity_feed_resolver(hass, sensors),
            source=", ".join(sensors),
            max_age_s=max_age,
        )
    return None


async def async_setup(hass: HomeAssistant, entry: SmartEvseConfigEntry) -> SmartEvseRuntimeData:
    """First REST poll (the charger must answer), then MQTT and mains feeding if configured."""
    driver = SmartEvse(
        async_get_clientsession(hass),
        entry.data[CONF_HOST],
        mqtt_prefix=entry.data.get(CONF_MQTT_PREFIX) or None,
    )
    coordinator = SmartEvseCoordinator(
        hass,
        entry,
        driver,
        timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL)),
    )
    await coordinator.async_config_entry_first_refresh()
    if driver.mqtt_prefix:
        entry.async_on_unload(await async_setup_mqtt(hass, driver))
    coordinator.start_push()
    entry.async_on_unload(coordinator.stop_push)
    feeder = _feeder(hass, entry, driver)
    runtime = SmartEvseRuntimeData(driver=driver, coordinator=coordinator, feeder=feeder)
    if feeder is not None:
        feeder.start()
        entry.async_on_unload(feeder.stop)
    return runtime


def _charger(entry: SmartEvseConfigEntry) -> Charger:
    return entry.runtime_data.driver


KIND = Kind(
    async_setup=async_setup,
    platforms={
        Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
        Platform.NUMBER: number.async_setup_entry,
        Platform.SELECT: select.async_setup_entry,
        Platform.SENSOR: sensor.async_setup_entry,
    },
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: SmartEvseOptionsFlow(),
    charger=_charger,
)
