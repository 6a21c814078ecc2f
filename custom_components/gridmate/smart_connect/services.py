"""Service action: point a Smart Connect at Home Assistant's MQTT broker.

``gridmate.smart_connect_configure_mqtt`` PATCHes the device's ``/api/v1/config`` ``MQTT``
object (broker URL, site, username, password; manual 5.2) and then, unless told not to, restarts
it (``POST /api/v1/reset``), because the device applies MQTT settings only after a restart.
Nothing is changed on the device unless the user calls the action.

Without a broker given, it takes the broker of Home Assistant's MQTT integration; a broker that
only Home Assistant itself can reach (localhost, the add-on name ``core-mosquitto``) is replaced
by Home Assistant's own address on the device's network.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from homeassistant.components import mqtt
from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.service import async_get_config_entry, async_register_admin_service
import probatio as vol

from ..const import CONF_KIND, DOMAIN, EntryKind
from ..devices.hosts import split_host
from ..devices.smart_connect.mqtt import valid_topic_level
from .const import ATTR_BROKER, ATTR_RESTART, ATTR_SITE, DEFAULT_SITE, SERVICE_CONFIGURE_MQTT
from .coordinator import SmartConnectConfigEntry
from .errors import device_errors

DEFAULT_MQTT_PORT = 1883
DEFAULT_MQTT_TLS_PORT = 8883
# Names that resolve to the Home Assistant host only from Home Assistant itself.
_LOCAL_ONLY_HOSTS = frozenset({"localhost", "core-mosquitto", "homeassistant", "mosquitto"})

SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_BROKER): cv.string,
        vol.Optional(CONF_USERNAME): cv.string,
        vol.Optional(CONF_PASSWORD): cv.string,
        vol.Optional(ATTR_SITE): cv.string,
        vol.Optional(ATTR_RESTART, default=True): cv.boolean,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def broker_url(url: str) -> str:
    """Check a broker URL the device understands: ``mqtt://host:port`` or ``mqtts://...``."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname or port is None:
        raise _invalid("invalid_broker", broker=url)
    if parts.path not in ("", "/") or parts.query or parts.username:
        raise _invalid("invalid_broker", broker=url)
    return f"{parts.scheme}://{parts.netloc}"


def source_address(target: str) -> str | None:
    """The local IPv4 address this host uses to reach ``target`` (no packet is sent)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.connect((target, 9))  # UDP "connect" only picks the route
        address: str = sock.getsockname()[0]
        return address
    return None


def _local_only(host: str) -> bool:
    if host.lower() in _LOCAL_ONLY_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _ha_broker(hass: HomeAssistant, device_host: str) -> tuple[str, str | None, str | None]:
    """Home Assistant's broker as the device must address it, with its credentials."""
    entries = hass.config_entries.async_entries(mqtt.DOMAIN)
    if not entries or not mqtt.util.mqtt_config_entry_enabled(hass):
        raise _invalid("mqtt_not_configured")
    data = entries[0].data
    host = str(data.get(mqtt.CONF_BROKER, ""))
    tls = bool(data.get(mqtt.CONF_CERTIFICATE))
    port = int(data.get(CONF_PORT, DEFAULT_MQTT_TLS_PORT if tls else DEFAULT_MQTT_PORT))
    if data.get(mqtt.CONF_TRANSPORT, "tcp") != "tcp":
        raise _invalid("broker_websockets")
    if not host or _local_only(host):
        # The device cannot reach "localhost": use the address Home Assistant reaches it from.
        # A host name may need a DNS lookup: not in the event loop.
        source = await hass.async_add_executor_job(source_address, device_host)
        # A loopback address only works for a device on this very machine (a simulator).
        if source is None or (_local_only(source) and not _local_only(device_host)):
            raise _invalid("broker_address_unknown")
        host = source
    scheme = "mqtts" if tls else "mqtt"
    return f"{scheme}://{host}:{port}", data.get(CONF_USERNAME), data.get(CONF_PASSWORD)


async def _configure_mqtt(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    entry: SmartConnectConfigEntry = async_get_config_entry(
        hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    if entry.data.get(CONF_KIND) != EntryKind.SMART_CONNECT:
        raise _invalid("not_smart_connect", entry=entry.title)
    site = call.data.get(ATTR_SITE)
    if site is not None and not valid_topic_level(site.strip()):
        raise _invalid("invalid_site", site=site)
    if ATTR_BROKER in call.data:
        broker = broker_url(call.data[ATTR_BROKER])
        username = call.data.get(CONF_USERNAME)
        password = call.data.get(CONF_PASSWORD)
    else:
        device_host = split_host(entry.data[CONF_HOST])[0]
        broker, username, password = await _ha_broker(hass, device_host)
        username = call.data.get(CONF_USERNAME, username)
        password = call.data.get(CONF_PASSWORD, password)
    if password and not username:
        raise _invalid("password_without_username")
    api = entry.runtime_data.api
    async with device_errors(hass, entry):
        if site is None:
            current: Any = (await api.config()).get("MQTT")
            current_site = current.get("Site") if isinstance(current, dict) else None
            site = (
                current_site
                if isinstance(current_site, str) and valid_topic_level(current_site)
                else DEFAULT_SITE
            )
        settings = {
            "Broker": broker,
            "Site": site.strip(),
            "Username": username or "",
            "Password": password or "",
        }
        await api.patch_config({"MQTT": settings})
        if call.data[ATTR_RESTART]:
            await api.reset()
    return {
        "broker": broker,
        "site": settings["Site"],
        "username": settings["Username"],
        "restarted": bool(call.data[ATTR_RESTART]),
    }


def async_register_services(hass: HomeAssistant) -> None:
    """Register the Smart Connect service actions (admin only: they change the device)."""

    async def handle(call: ServiceCall) -> ServiceResponse:
        return await _configure_mqtt(hass, call)

    async_register_admin_service(
        hass,
        DOMAIN,
        SERVICE_CONFIGURE_MQTT,
        handle,
        schema=SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
