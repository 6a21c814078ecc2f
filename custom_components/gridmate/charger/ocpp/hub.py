"""The central-system servers shared by every OCPP charger entry.

One `CentralSystem` per port: the first entry on a port starts it, the last one to unload stops
it. Charge points whose id has no entry are offered as discovered chargers (a discovery flow);
an id that has an entry in any state (ignored, disabled, set up on another port, reloading) is
refused, so nothing is ever silently accepted. Sessions and the charger's identity survive Home
Assistant restarts in one Store.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import errno
import socket
from typing import Any

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import discovery_flow, issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ...const import CONF_KIND, DOMAIN, LOGGER, EntryKind
from ...devices.chargers.ocpp.charge_point import BootInfo, ChargePointSettings, OcppChargePoint
from ...devices.chargers.ocpp.server import CentralSystem
from ..const import CONF_CHARGER_TYPE, ChargerType
from .const import (
    CONF_CHARGE_POINT_ID,
    SAVE_DELAY,
    STORAGE_KEY,
    STORAGE_VERSION,
    entry_unique_id,
)

DATA_OCPP: HassKey[OcppServers] = HassKey(f"{DOMAIN}_ocpp")


def auth_issue_id(charge_point_id: str) -> str:
    """The repair issue raised when a charge point connects with a wrong password."""
    return f"ocpp_auth_{charge_point_id}"


@dataclass(slots=True)
class OcppHub:
    """One listening central system and the entries it serves."""

    central: CentralSystem
    entries: set[str] = field(default_factory=set)


@dataclass(slots=True)
class OcppServers:
    """Every OCPP server of this Home Assistant, and the saved session state."""

    store: Store[dict[str, Any]]
    stored: dict[str, Any]
    hubs: dict[int, OcppHub] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def snapshot_all(self) -> dict[str, Any]:
        """What to save: the state of every loaded charge point, the rest as it was."""
        data = dict(self.stored)
        for hub in self.hubs.values():
            for cp_id, cp in hub.central.charge_points.items():
                data[cp_id] = cp.persistent_state()
        self.stored = data
        return data


async def _servers(hass: HomeAssistant) -> OcppServers:
    if (servers := hass.data.get(DATA_OCPP)) is None:
        store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        stored = await store.async_load() or {}
        if (servers := hass.data.get(DATA_OCPP)) is not None:
            return servers  # another entry loaded it while we waited for the file
        servers = hass.data[DATA_OCPP] = OcppServers(store=store, stored=stored)

        async def stop_all(event: Event) -> None:
            """Home Assistant stops: save the sessions, close every server."""
            async with servers.lock:
                await servers.store.async_save(servers.snapshot_all())
                for hub in servers.hubs.values():
                    await hub.central.stop()
                servers.hubs.clear()

        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop_all)
    return servers


def port_is_free(port: int) -> bool:
    """Whether nothing else listens on `port` (blocking: call it in the executor)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


async def async_port_usable(hass: HomeAssistant, port: int) -> bool:
    """A port Gridmate already serves OCPP on, or a free one."""
    servers = hass.data.get(DATA_OCPP)
    if servers is not None and port in servers.hubs:
        return True
    return await hass.async_add_executor_job(port_is_free, port)


def _make_central(hass: HomeAssistant, port: int) -> CentralSystem:
    @callback
    def allow_unknown(cp_id: str) -> bool:
        # Any entry for this id (ignored, disabled, another port, reloading) means: not now.
        return (
            hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, entry_unique_id(cp_id))
            is None
        )

    @callback
    def on_discovered(cp_id: str, boot: BootInfo) -> None:
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={
                CONF_KIND: EntryKind.CHARGER.value,
                CONF_CHARGER_TYPE: ChargerType.OCPP.value,
                CONF_CHARGE_POINT_ID: cp_id,
                "port": port,
                "vendor": boot.vendor,
                "model": boot.model,
                "firmware": boot.firmware,
            },
        )

    @callback
    def on_auth_failure(cp_id: str) -> None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            auth_issue_id(cp_id),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="ocpp_auth_failed",
            translation_placeholders={"charge_point_id": cp_id},
        )

    return CentralSystem(
        port=port,
        allow_unknown=allow_unknown,
        on_discovered=on_discovered,
        on_auth_failure=on_auth_failure,
    )


async def async_acquire(
    hass: HomeAssistant, entry: ConfigEntry[Any], port: int, settings: ChargePointSettings
) -> tuple[OcppHub, OcppChargePoint]:
    """Register the entry's charge point on the server of its port (starting it if needed)."""
    servers = await _servers(hass)
    async with servers.lock:
        hub = servers.hubs.get(port)
        if hub is None:
            central = _make_central(hass, port)
            try:
                await central.start()
            except OSError as err:
                raise ConfigEntryNotReady(
                    translation_domain=DOMAIN,
                    translation_key="ocpp_port_in_use",
                    translation_placeholders={"port": str(port), "error": str(err)},
                ) from err
            LOGGER.debug("OCPP central system listening on port %s", port)
            hub = servers.hubs[port] = OcppHub(central=central)
        cp_id = settings.charge_point_id
        charge_point = hub.central.add(settings, restored=servers.stored.get(cp_id))
        hub.entries.add(entry.entry_id)

    @callback
    def schedule_save() -> None:
        servers.store.async_delay_save(servers.snapshot_all, SAVE_DELAY)

    entry.async_on_unload(charge_point.add_listener(schedule_save))
    return hub, charge_point


async def async_release(
    hass: HomeAssistant, entry: ConfigEntry[Any], port: int, cp_id: str
) -> None:
    """Save and drop the entry's charge point; stop the server when no entry uses it."""
    servers = hass.data.get(DATA_OCPP)
    if servers is None:
        return
    async with servers.lock:
        hub = servers.hubs.get(port)
        if hub is None:
            return
        await servers.store.async_save(servers.snapshot_all())
        await hub.central.remove(cp_id)
        hub.entries.discard(entry.entry_id)
        if not hub.entries:
            await hub.central.stop()
            del servers.hubs[port]
            LOGGER.debug("OCPP central system on port %s stopped", port)


async def async_forget(hass: HomeAssistant, cp_id: str) -> None:
    """The entry was deleted: its saved sessions and its password issue go too."""
    ir.async_delete_issue(hass, DOMAIN, auth_issue_id(cp_id))
    servers = await _servers(hass)
    async with servers.lock:
        if servers.stored.pop(cp_id, None) is not None:
            await servers.store.async_save(servers.stored)
