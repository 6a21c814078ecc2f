"""Config-flow steps of the Smart Connect kind (mixed into the Gridmate config flow)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import re
from typing import Any

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
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
from ..devices.smart_connect.errors import (
    SmartConnectAuthError,
    SmartConnectConnectionError,
    SmartConnectError,
)
from ..devices.smart_connect.http_api import (
    FirmwareInfo,
    SmartConnectApi,
    serial_from_hostname,
    split_host,
)
from ..devices.smart_connect.modbus import SmartConnectModbus

SERIAL_RE = re.compile(r"^[0-9A-Za-z]{4,32}$")

_PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _connection_schema(*, with_interface: bool) -> vol.Schema:
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
        vol.Required(CONF_PORT, default=DEFAULT_MODBUS_PORT): vol.All(
            _PORT_SELECTOR, vol.Coerce(int)
        ),
    }
    if with_interface:
        fields[vol.Required(CONF_INTERFACE, default=MeterInterface.P1)] = SelectSelector(
            SelectSelectorConfig(
                options=[interface.value for interface in MeterInterface],
                translation_key=CONF_INTERFACE,
                mode=SelectSelectorMode.LIST,
            )
        )
    return vol.Schema(fields)


class ModbusUnreachableError(SmartConnectError):
    """HTTP answered but Modbus TCP did not."""


@dataclass(frozen=True, slots=True)
class SmartConnectIdentity:
    """What the connection test learned about the device."""

    firmware: FirmwareInfo
    serial: str | None


async def validate_smart_connect(
    hass: HomeAssistant, host: str, password: str, port: int
) -> SmartConnectIdentity:
    """Check the HTTP API (password) and one Modbus read, like the first poll would."""
    api = SmartConnectApi(async_get_clientsession(hass), host, password)
    await api.status()
    firmware = await api.firmware()
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


def _error_key(err: Exception) -> str:
    """The one mapping from a connection-test failure to its translated form error."""
    if isinstance(err, SmartConnectAuthError):
        return "invalid_auth"
    if isinstance(err, ModbusUnreachableError):
        return "modbus_unreachable"
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
            hass, user_input[CONF_HOST], user_input[CONF_PASSWORD], int(user_input[CONF_PORT])
        )
    except Exception as err:
        errors["base"] = _error_key(err)
    return None


class SmartConnectFlow(ConfigFlow):
    """Add, re-authenticate and reconfigure a Smart Connect."""

    _pending: dict[str, Any]

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
                if identity.serial is None:
                    return await self.async_step_smart_connect_serial()
                return await self._async_create_smart_connect(identity.serial)
        return self.async_show_form(
            step_id=EntryKind.SMART_CONNECT.value,
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(with_interface=True), user_input
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
        return self.async_create_entry(
            title=f"Smart Connect {serial}", data={**self._pending, CONF_SERIAL: serial}
        )

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
            data_schema=vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR}),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_smart_connect_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, password or Modbus port of the same device."""
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
                    },
                )
        suggested = user_input or {
            CONF_HOST: entry.data[CONF_HOST],
            CONF_PORT: entry.data.get(CONF_PORT, DEFAULT_MODBUS_PORT),
        }
        return self.async_show_form(
            step_id="smart_connect_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema(with_interface=False), suggested
            ),
            errors=errors,
        )


class SmartConnectOptionsFlow(OptionsFlowWithReload):
    """Polling and connection options of a Smart Connect."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options form."""
        if user_input is not None:
            user_input[CONF_SCAN_INTERVAL] = int(user_input[CONF_SCAN_INTERVAL])
            return self.async_create_entry(data=user_input)
        schema = vol.Schema(
            {
                vol.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): vol.All(
                    NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_SCAN_INTERVAL,
                            max=MAX_SCAN_INTERVAL,
                            step=1,
                            unit_of_measurement="s",
                            mode=NumberSelectorMode.SLIDER,
                        )
                    ),
                    vol.Coerce(int),
                    vol.Range(min=MIN_SCAN_INTERVAL, max=MAX_SCAN_INTERVAL),
                ),
                vol.Required(CONF_KEEP_CONNECTION_OPEN, default=False): BooleanSelector(),
                vol.Required(CONF_ENERGY_UNIT, default=EnergyUnit.AUTO.value): SelectSelector(
                    SelectSelectorConfig(
                        options=[unit.value for unit in EnergyUnit],
                        translation_key=CONF_ENERGY_UNIT,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, self.config_entry.options),
        )
