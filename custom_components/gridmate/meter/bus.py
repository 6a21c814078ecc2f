"""The shared Modbus buses of all meter entries: one client per gateway or serial port.

Meters on one RS485 adapter or behind one TCP gateway must never talk at once, whichever
config entry they belong to, and a serial port can only be opened once. So every meter entry,
and every config-flow connection test, takes its bus from one `BusRegistry` that lives as long
as Home Assistant runs; the last entry on a bus closes it, and stopping Home Assistant closes
them all.
"""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_CLOSE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..devices.meters.client import BusRegistry
from . import const

DATA_BUS_REGISTRY: HassKey[BusRegistry] = HassKey(f"{DOMAIN}_meter_buses")


@callback
def bus_registry(hass: HomeAssistant) -> BusRegistry:
    """The registry of this Home Assistant instance (created on first use)."""
    registry = hass.data.get(DATA_BUS_REGISTRY)
    if registry is None:
        registry = hass.data[DATA_BUS_REGISTRY] = BusRegistry(timeout=const.REQUEST_TIMEOUT)

        async def _close(event: Event) -> None:
            await registry.close_all()

        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_CLOSE, _close)
    return registry
