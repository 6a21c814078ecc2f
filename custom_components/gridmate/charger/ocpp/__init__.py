"""The OCPP charger type: any OCPP 1.6J charge point (SEMAR Infinergi, ...) with Gridmate as
its central system.

Setup registers the entry's charge point on the shared server of its port (hub.py) and needs no
connection: entities are unavailable until the charger connects, then follow its messages. The
controller steers it through the charger contract (`charge_point`).
"""

from __future__ import annotations

from homeassistant.const import CONF_PASSWORD, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ...const import DOMAIN
from ...devices.chargers.contract import Charger
from ...devices.chargers.ocpp.charge_point import AuthMode, ChargePointSettings
from ...devices.chargers.ocpp.const import (
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_METER_INTERVAL,
    DEFAULT_REMOTE_ID_TAG,
)
from ...kinds import Kind
from . import binary_sensor, button, number, sensor, switch
from .config_flow import OcppOptionsFlow
from .const import (
    CONF_AUTH_MODE,
    CONF_CHARGE_POINT_ID,
    CONF_CONNECTOR_ID,
    CONF_HEARTBEAT_INTERVAL,
    CONF_ID_TAGS,
    CONF_MAX_CURRENT,
    CONF_METER_INTERVAL,
    CONF_PHASES,
    CONF_REMOTE_ID_TAG,
)
from .coordinator import OcppConfigEntry, OcppCoordinator, OcppRuntimeData, error_issue_id
from .diagnostics import async_get_diagnostics
from .hub import async_acquire, async_forget, async_release
from .services import async_register_services


def settings_from_entry(entry: OcppConfigEntry) -> ChargePointSettings:
    """The driver's settings from the entry's data and options."""
    data, options = entry.data, entry.options
    return ChargePointSettings(
        charge_point_id=data[CONF_CHARGE_POINT_ID],
        password=data.get(CONF_PASSWORD) or None,
        connector_id=int(data.get(CONF_CONNECTOR_ID, 1)),
        max_current=float(data[CONF_MAX_CURRENT]),
        phases=int(data[CONF_PHASES]),
        auth_mode=AuthMode(options.get(CONF_AUTH_MODE, AuthMode.ACCEPT_ALL.value)),
        id_tags=tuple(options.get(CONF_ID_TAGS, ())),
        remote_id_tag=options.get(CONF_REMOTE_ID_TAG, DEFAULT_REMOTE_ID_TAG),
        heartbeat_interval=int(options.get(CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL)),
        meter_interval=int(options.get(CONF_METER_INTERVAL, DEFAULT_METER_INTERVAL)),
    )


async def async_setup(hass: HomeAssistant, entry: OcppConfigEntry) -> OcppRuntimeData:
    """Serve the charge point (starting the port's server if this is its first entry)."""
    port = int(entry.data[CONF_PORT])
    hub, charge_point = await async_acquire(hass, entry, port, settings_from_entry(entry))
    coordinator = OcppCoordinator(hass, entry, charge_point)
    entry.async_on_unload(charge_point.add_listener(coordinator.async_handle_change))
    return OcppRuntimeData(hub=hub, port=port, charge_point=charge_point, coordinator=coordinator)


async def async_unload(hass: HomeAssistant, entry: OcppConfigEntry) -> None:
    """Save its sessions, drop the charge point, stop the server after its last entry."""
    await async_release(hass, entry, entry.runtime_data.port, entry.data[CONF_CHARGE_POINT_ID])


async def async_remove(hass: HomeAssistant, entry: OcppConfigEntry) -> None:
    """The entry is deleted: forget its sessions and issues."""
    await async_forget(hass, entry.data[CONF_CHARGE_POINT_ID])
    ir.async_delete_issue(hass, DOMAIN, error_issue_id(entry))


def _charger(entry: OcppConfigEntry) -> Charger:
    return entry.runtime_data.charge_point


KIND = Kind(
    async_setup=async_setup,
    platforms={
        Platform.SENSOR: sensor.async_setup_entry,
        Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
        Platform.NUMBER: number.async_setup_entry,
        Platform.SWITCH: switch.async_setup_entry,
        Platform.BUTTON: button.async_setup_entry,
    },
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: OcppOptionsFlow(),
    async_unload=async_unload,
    async_remove=async_remove,
    charger=_charger,
    async_register_services=async_register_services,
)
