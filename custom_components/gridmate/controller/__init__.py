"""The controller entry kind: solar / load-balancing control of one installation.

One controller per main fuse steers one to eight chargers from one mains source. The pure
control core (`control/`) decides; this package feeds it from Home Assistant (mains feeds,
charger drivers, the user's select/number entities and services) and applies its commands.
"""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..kinds import Kind
from . import number, select, sensor
from .config import parse_entry
from .config_flow import ControllerOptionsFlow
from .diagnostics import async_get_diagnostics
from .entity import ControllerConfigEntry
from .runtime import ControllerRuntime
from .services import async_register_services
from .store import ControlsStore


async def async_setup(hass: HomeAssistant, entry: ControllerConfigEntry) -> ControllerRuntime:
    """Load the user's controls, then start stepping (before the entities exist)."""
    store = ControlsStore(hass, entry.entry_id)
    await store.async_load()
    runtime = ControllerRuntime(hass, entry, parse_entry(entry.data, entry.options), store)
    runtime.async_start()
    entry.async_on_unload(runtime.async_stop)
    return runtime


async def async_unload(hass: HomeAssistant, entry: ControllerConfigEntry) -> None:
    """Write the user's controls before the runtime goes."""
    await entry.runtime_data.async_flush()


async def async_remove(hass: HomeAssistant, entry: ControllerConfigEntry) -> None:
    """The entry is deleted: its stored controls and repair issues go with it."""
    from homeassistant.helpers import issue_registry as ir  # noqa: PLC0415

    await ControlsStore(hass, entry.entry_id).async_remove()
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == "gridmate" and entry.entry_id in issue_id:
            ir.async_delete_issue(hass, domain, issue_id)


KIND = Kind(
    async_setup=async_setup,
    platforms={
        Platform.NUMBER: number.async_setup_entry,
        Platform.SELECT: select.async_setup_entry,
        Platform.SENSOR: sensor.async_setup_entry,
    },
    async_diagnostics=async_get_diagnostics,
    options_flow=lambda entry: ControllerOptionsFlow(),
    async_register_services=async_register_services,
    async_unload=async_unload,
    async_remove=async_remove,
)
