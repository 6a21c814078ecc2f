"""Config-flow steps of the Smart Connect kind (mixed into the Gridmate config flow).

Found by hand (menu), by MQTT discovery (a device publishing on Home Assistant's broker; site
and serial from the topic) or by DHCP (host name ``smart-connect-<serial>``; a known device's
new address is stored). The live transport, Modbus TCP or MQTT, is chosen per entry and can be
changed with reconfigure; the HTTP API (firmware, telegram, commands) is used with both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import ipaddress
import re
from typing import Any

from homeassistant.components import mqtt
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelectorMode,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from ..const import (
    CONF_ENERGY_UNIT,
    CONF_INTERFACE,
    CONF_KEEP_CONNECTION_OPEN,
    CONF_KIND,
    CONF_SERIAL,
    DEFAULT_MODBUS_PORT,
    DEFAULT_SCAN_INTERVAL,
    LOGGER,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
    EnergyUnit,
    EntryKind,
    MeterInterface,
)
from ..devices.hosts import split_host
from ..devices.smart_connect.errors import (
    SmartConnectAuthError,
    SmartConnectConnectionError,
    SmartConnectError,
)
from ..devices.smart_connect.http_api import (
    FirmwareInfo,
    SmartConnectApi,
    serial_from_hostname,
)
from ..devices.smart_connect.modbus import SmartConnectModbus
from ..devices.smart_connect.mqtt import parse_topic
from ..flow_fields import PASSWORD_SELECTOR, TCP_PORT_FIELD, enum_selector, whole_number_field
from .const import CONF_MQTT_SERIAL, CONF_TRANSPORT, Transport

SERIAL_RE = re.compile(r"^[0-9A-Za-z]{4,32}$")

_TRANSPORT_SELECTOR = enum_selector(Transport, CONF_TRANSPORT)
_INTERFACE_SELECTOR = enum_selector(MeterInterface, CONF_INTERFACE)


def _connection_schema(*, with_interface: bool) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
        vol.Required(CONF_TRANSPORT, default=Transport.MODBUS_TCP.value): _TRANSPORT_SELECTOR,
        vol.Required(CONF_PORT, default=DEFAULT_MODBUS_PORT): TCP_PORT_FIELD,
    }
    if with_interface:
        fields[vol.Required(CONF_INTERFACE, default=MeterInterface.P1)] = _INTERFACE_SELECTOR
    return vol.Schema(fields)


class ModbusUnreachableError(SmartConnectError):
    """HTTP answered but Modbus TCP did not."""


class MqttUnavailableError(SmartConnectError):
    """The MQTT transport was chosen but Home Assistant's MQTT integration is not set up."""


@dataclass(frozen=True, slots=True)
class SmartConnectIdentity:
    """What the connection test learned about the device."""

    firmware: FirmwareInfo
    serial: str | None


async def validate_smart_connect(
    hass: HomeAssistant,
    host: str,
    password: str,
    port: int,
    transport: Transport = Transport.MODBUS_TCP,
) -> SmartConnectIdentity:
    """Check the HTTP API (password), then the live transport like the first update would.

    Modbus: one read. MQTT: Home Assistant's MQTT integration must be set up (the device may
    start publishing to it only later, e.g. after the configure-MQTT action).
    """
    if transport is Transport.MQTT and not mqtt_ready(hass):
        raise MqttUnavailableError("Home Assistant's MQTT integration is not set up")
    api = SmartConnectApi(async_get_clientsession(hass), host, password)
    await api.status()
    firmware = await api.firmware()
    if transport is Transport.MODBUS_TCP:
        modbus = SmartConnectModbus(split_host(host)[0], port)
        try:
            await modbus.check()
        except SmartConnectError as err:
            raise ModbusUnreachableError(str(err)) from err
        finally:
            await modbus.close()
    return SmartConnectIdentity(
        firmware=firmware, serial=serial_from_hostname(split_host(host)[0]) or firmware.serial
    )


def mqtt_ready(hass: HomeAssistant) -> bool:
    """Whether Home Assistant's MQTT integration is set up (no waiting: a form is open)."""
    return any(
        entry.state is ConfigEntryState.LOADED
        for entry in hass.config_entries.async_entries(mqtt.DOMAIN)
    )


def _error_key(err: Exception) -> str:
    """The one mapping from a connection-test failure to its translated form error."""
    if isinstance(err, SmartConnectAuthError):
        return "invalid_auth"
    if isinstance(err, ModbusUnreachableError):
        return "modbus_unreachable"
    if isinstance(err, MqttUnavailableError):
        return "mqtt_not_configured"
    if isinstance(err, SmartConnectConnectionError):
        return "cannot_connect"
    LOGGER.exception("Unexpected error while testing the Smart Connect", exc_info=err)
    return "unknown"


async def _try_validate(
    hass: HomeAssistant, user_input: Mapping[str, Any], errors: dict[str, str]
) -> SmartConnectIdentity | None:
    """Run the connection test, filling `errors` with a translated key on failure."""
    try:
        return await validate_smart_connect(
            hass,
            user_input[CONF_HOST],
            user_input[CONF_PASSWORD],
            int(user_input.get(CONF_PORT, DEFAULT_MODBUS_PORT)),
            Transport(user_input.get(CONF_TRANSPORT, Transport.MODBUS_TCP)),
        )
    except Exception as err:
        errors["base"] = _error_key(err)
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class SmartConnectFlow(ConfigFlow):
    """Add, discover, re-authenticate and reconfigure a Smart Connect."""

    _pending: dict[str, Any]
    # Filled by discovery (DHCP: the host; MQTT: the topic's serial and site).
    _sc_suggested: dict[str, Any] | None = None
    _sc_mqtt_serial: str | None = None

    async def async_step_smart_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connection details of a Smart Connect."""
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input[CONF_HOST] = user_input[CONF_HOST].strip()
            identity = await _try_validate(self.hass, user_input, errors)
            if identity is not None:
                self._pending = {
                    **user_input,
                    CONF_KIND: EntryKind.SMART_CONNECT.value,
                    CONF_PORT: int(user_input[CONF_PORT]),
                }
                if identity.serial is None and self.unique_id:
                    # Discovered: the host name told the serial before the API was asked.
                    return await self._async_create_smart_connect(self.unique_id)
                if identity.serial is None:
                    return await self.async_step_smart_connect_serial()
                return await self._async_create_smart_connect(identity.serial)
        return self.async_show_form(
            step_id=EntryKind.SMART_CONNECT.value,
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(with_interface=True), user_input or self._sc_suggested
            ),
            errors=errors,
        )

    async def async_step_smart_connect_serial(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the serial when neither the host name nor the API gives it."""
        errors: dict[str, str] = {}
        if user_input is not None:
            serial = user_input[CONF_SERIAL].strip().upper()
            if SERIAL_RE.match(serial):
                return await self._async_create_smart_connect(serial)
            errors[CONF_SERIAL] = "invalid_serial"
        return self.async_show_form(
            step_id="smart_connect_serial",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_SERIAL): TextSelector()}), user_input
            ),
            errors=errors,
        )

    async def _async_create_smart_connect(self, serial: str) -> ConfigFlowResult:
        await self.async_set_unique_id(serial)
        self._abort_if_unique_id_configured()
        data = {
            CONF_TRANSPORT: Transport.MODBUS_TCP.value,
            **self._pending,
            CONF_SERIAL: serial,
        }
        if self._sc_mqtt_serial and self._sc_mqtt_serial.upper() == serial:
            data[CONF_MQTT_SERIAL] = self._sc_mqtt_serial
        return self.async_create_entry(title=f"Smart Connect {serial}", data=data)

    async def async_step_smart_connect_mqtt(
        self, discovery_info: MqttServiceInfo
    ) -> ConfigFlowResult:
        """A Smart Connect publishes on Home Assistant's broker: offer to add it."""
        topic = parse_topic(discovery_info.topic)
        if topic is None or not SERIAL_RE.match(topic.serial):
            return self.async_abort(reason="not_supported")
        serial = topic.serial.upper()
        await self.async_set_unique_id(serial)
        self._abort_if_unique_id_configured()
        self._sc_mqtt_serial = topic.serial
        self._sc_suggested = {
            CONF_HOST: f"smart-connect-{topic.serial.lower()}",
            CONF_TRANSPORT: Transport.MQTT.value,
        }
        self.context["title_placeholders"] = {"name": f"Smart Connect {serial}"}
        return await self.async_step_smart_connect_mqtt_confirm()

    async def async_step_smart_connect_mqtt_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The web API of a device found on MQTT (its live values will come over MQTT)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            form = {
                **user_input,
                CONF_HOST: user_input[CONF_HOST].strip(),
                CONF_TRANSPORT: Transport.MQTT.value,
                CONF_PORT: DEFAULT_MODBUS_PORT,
            }
            identity = await _try_validate(self.hass, form, errors)
            if identity is not None:
                if identity.serial is not None and identity.serial != self.unique_id:
                    errors["base"] = "serial_mismatch"
                else:
                    self._pending = {**form, CONF_KIND: EntryKind.SMART_CONNECT.value}
                    assert self.unique_id is not None
                    return await self._async_create_smart_connect(self.unique_id)
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): TextSelector(),
                vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
                vol.Required(CONF_INTERFACE, default=MeterInterface.P1): _INTERFACE_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="smart_connect_mqtt_confirm",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._sc_suggested
            ),
            description_placeholders={"serial": self.unique_id or ""},
            errors=errors,
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A `smart-connect-<serial>` host on the network: update a known one, offer a new one."""
        serial = serial_from_hostname(discovery_info.hostname)
        if serial is None:
            return self.async_abort(reason="not_supported")
        await self.async_set_unique_id(serial)
        entry = self.hass.config_entries.async_entry_for_domain_unique_id(self.handler, serial)
        if entry is not None:
            host, port = split_host(entry.data[CONF_HOST])
            # A host name keeps working when the address changes; an old address does not.
            if _is_ip(host) and host != discovery_info.ip:
                new_host = f"{discovery_info.ip}:{port}" if port else discovery_info.ip
                self._abort_if_unique_id_configured(updates={CONF_HOST: new_host})
            return self.async_abort(reason="already_configured")
        self._sc_suggested = {CONF_HOST: discovery_info.ip}
        self.context["title_placeholders"] = {"name": f"Smart Connect {serial}"}
        return await self.async_step_smart_connect()

    async def async_step_smart_connect_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password on the device label again."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            api = SmartConnectApi(
                async_get_clientsession(self.hass), entry.data[CONF_HOST], user_input[CONF_PASSWORD]
            )
            try:
                await api.status()
            except Exception as err:
                errors["base"] = _error_key(err)
            else:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}
                )
        return self.async_show_form(
            step_id="smart_connect_reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR}),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_smart_connect_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, password, transport or Modbus port of the same device."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input[CONF_HOST] = user_input[CONF_HOST].strip()
            identity = await _try_validate(self.hass, user_input, errors)
            if identity is not None:
                if identity.serial is not None:
                    # Only a device that tells its serial can be checked; one that does not
                    # keeps the serial the user confirmed when adding it.
                    await self.async_set_unique_id(identity.serial)
                    self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_HOST: user_input[CONF_HOST],
                        CONF_PASSWORD: user_input[CONF_PASSWORD],
                        CONF_PORT: int(user_input[CONF_PORT]),
                        CONF_TRANSPORT: user_input[CONF_TRANSPORT],
                    },
                )
        suggested = user_input or {
            CONF_HOST: entry.data[CONF_HOST],
            CONF_PORT: entry.data.get(CONF_PORT, DEFAULT_MODBUS_PORT),
            CONF_TRANSPORT: entry.data.get(CONF_TRANSPORT, Transport.MODBUS_TCP.value),
        }
        return self.async_show_form(
            step_id="smart_connect_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(with_interface=False), suggested
            ),
            errors=errors,
        )


class SmartConnectOptionsFlow(OptionsFlowWithReload):
    """Polling and connection options of a Smart Connect (MQTT entries: the energy unit)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options form."""
        mqtt_entry = self.config_entry.data.get(CONF_TRANSPORT) == Transport.MQTT
        if user_input is not None:
            if CONF_SCAN_INTERVAL in user_input:
                user_input[CONF_SCAN_INTERVAL] = int(user_input[CONF_SCAN_INTERVAL])
            return self.async_create_entry(data={**self.config_entry.options, **user_input})
        fields: dict[vol.Marker, Any] = {}
        if not mqtt_entry:
            fields[vol.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL)] = (
                whole_number_field(
                    MIN_SCAN_INTERVAL,
                    MAX_SCAN_INTERVAL,
                    unit=UnitOfTime.SECONDS,
                    mode=NumberSelectorMode.SLIDER,
                )
            )
            fields[vol.Required(CONF_KEEP_CONNECTION_OPEN, default=False)] = BooleanSelector()
        fields[vol.Required(CONF_ENERGY_UNIT, default=EnergyUnit.AUTO.value)] = enum_selector(
            EnergyUnit, CONF_ENERGY_UNIT, mode=SelectSelectorMode.DROPDOWN
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), self.config_entry.options
            ),
        )
