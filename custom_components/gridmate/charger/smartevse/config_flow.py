"""Config-flow steps of the SmartEVSE charger type, and its options flow."""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

from homeassistant.components.mqtt import mqtt_config_entry_enabled
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_SCAN_INTERVAL, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    ConfigEntrySelector,
    ConfigEntrySelectorConfig,
    EntitySelector,
    EntitySelectorConfig,
    TextSelector,
)
import probatio as vol

from ...const import CONF_KIND, CONF_SERIAL, DOMAIN, LOGGER, EntryKind
from ...devices.chargers.contract import ChargerUnreachableError
from ...devices.chargers.smartevse import SmartEvse, SmartEvseResponseError, SmartEvseState
from ...devices.chargers.smartevse.protocol import MAINS_METER_API
from ...flow_fields import enum_selector, whole_number_field
from ..const import CONF_CHARGER_TYPE, ChargerType
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
    MAX_MAINS_MAX_AGE,
    MAX_SCAN_INTERVAL,
    MIN_MAINS_MAX_AGE,
    MIN_SCAN_INTERVAL,
    MainsSource,
)

SERIAL_RE = re.compile(r"^[0-9]{1,10}$")
# The firmware's default MQTT prefix and host name carry the serial: SmartEVSE-51446.
_NAMED_SERIAL_RE = re.compile(r"^smartevse-(\d{1,10})(?:\.|$)", re.IGNORECASE)
_PREFIX_RE = re.compile(r"^[^#+\s/][^#+\s]*$")


def unique_id_for(serial: str) -> str:
    """The entry's unique id (prefixed: OCPP charge point ids are free text)."""
    return f"smartevse_{serial}"


def _connection_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST): TextSelector(),
            vol.Optional(CONF_MQTT_PREFIX): TextSelector(),
        }
    )


def serial_from_name(name: str | None) -> str | None:
    """The serial in a `SmartEVSE-<serial>` prefix or host name."""
    if not name:
        return None
    match = _NAMED_SERIAL_RE.match(name.strip().strip("/"))
    return match.group(1) if match else None


class _Validated:
    """The outcome of a connection test."""

    def __init__(self, state: SmartEvseState, serial: str | None) -> None:
        self.state = state
        self.serial = serial


async def _validate(
    hass: HomeAssistant,
    user_input: Mapping[str, Any],
    errors: dict[str, str],
    placeholders: dict[str, str],
) -> _Validated | None:
    """Read `/settings` and check the MQTT prefix; fill `errors` with translated keys."""
    host = user_input[CONF_HOST]
    prefix = user_input.get(CONF_MQTT_PREFIX, "")
    if prefix and not _PREFIX_RE.match(prefix):
        errors[CONF_MQTT_PREFIX] = "smartevse_invalid_prefix"
        return None
    if prefix and not mqtt_config_entry_enabled(hass):
        errors[CONF_MQTT_PREFIX] = "smartevse_mqtt_not_configured"
        return None
    driver = SmartEvse(async_get_clientsession(hass), host)
    try:
        state = await driver.refresh()
    except SmartEvseResponseError:
        errors["base"] = "smartevse_not_smartevse"
        return None
    except ChargerUnreachableError:
        errors["base"] = "cannot_connect"
        return None
    except Exception:
        LOGGER.exception("Unexpected error while testing the SmartEVSE at %s", host)
        errors["base"] = "unknown"
        return None
    if prefix and state.mqtt_prefix and state.mqtt_prefix != prefix:
        placeholders["charger_prefix"] = state.mqtt_prefix
        errors[CONF_MQTT_PREFIX] = "smartevse_prefix_mismatch"
        return None
    serial = state.serial or serial_from_name(state.mqtt_prefix) or serial_from_name(host)
    return _Validated(state, serial)


def _clean(user_input: dict[str, Any]) -> dict[str, Any]:
    host = str(user_input[CONF_HOST]).strip()
    prefix = str(user_input.get(CONF_MQTT_PREFIX) or "").strip().strip("/")
    return {CONF_HOST: host, CONF_MQTT_PREFIX: prefix}


class SmartEvseFlow(ConfigFlow):
    """Add and reconfigure a SmartEVSE."""

    _pending: dict[str, Any]

    async def async_step_smartevse(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host and optional MQTT prefix of a SmartEVSE."""
        errors: dict[str, str] = {}
        placeholders = {"charger_prefix": "-"}
        if user_input is not None:
            user_input = _clean(user_input)
            validated = await _validate(self.hass, user_input, errors, placeholders)
            if validated is not None:
                self._pending = {
                    CONF_KIND: EntryKind.CHARGER.value,
                    CONF_CHARGER_TYPE: ChargerType.SMARTEVSE.value,
                    **user_input,
                }
                if validated.serial is None:
                    return await self.async_step_smartevse_serial()
                return await self._async_create_smartevse(validated.serial)
        return self.async_show_form(
            step_id="smartevse",
            data_schema=self.add_suggested_values_to_schema(_connection_schema(), user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_smartevse_serial(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Old firmware does not report its serial: ask for the number on the display."""
        errors: dict[str, str] = {}
        if user_input is not None:
            serial = str(user_input[CONF_SERIAL]).strip()
            if SERIAL_RE.match(serial):
                return await self._async_create_smartevse(serial)
            errors[CONF_SERIAL] = "smartevse_invalid_serial"
        return self.async_show_form(
            step_id="smartevse_serial",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_SERIAL): TextSelector()}), user_input
            ),
            errors=errors,
        )

    async def _async_create_smartevse(self, serial: str) -> ConfigFlowResult:
        await self.async_set_unique_id(unique_id_for(serial))
        self._abort_if_unique_id_configured(updates={CONF_HOST: self._pending[CONF_HOST]})
        return self.async_create_entry(
            title=f"SmartEVSE {serial}", data={**self._pending, CONF_SERIAL: serial}
        )

    async def async_step_smartevse_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the host or MQTT prefix of the same charger."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders = {"charger_prefix": "-"}
        if user_input is not None:
            user_input = _clean(user_input)
            validated = await _validate(self.hass, user_input, errors, placeholders)
            if validated is not None:
                if validated.serial is not None:
                    await self.async_set_unique_id(unique_id_for(validated.serial))
                    self._abort_if_unique_id_mismatch(reason="smartevse_wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        suggested = user_input or {
            CONF_HOST: entry.data[CONF_HOST],
            CONF_MQTT_PREFIX: entry.data.get(CONF_MQTT_PREFIX, ""),
        }
        return self.async_show_form(
            step_id="smartevse_reconfigure",
            data_schema=self.add_suggested_values_to_schema(_connection_schema(), suggested),
            errors=errors,
            description_placeholders=placeholders,
        )


_CURRENT_SENSOR = EntitySelector(EntitySelectorConfig(domain="sensor", device_class="current"))


def _measures_the_grid(source: ConfigEntry[Any], own_entry_id: str) -> bool:
    """Whether a Gridmate entry can feed mains data (a loaded one: whether it does now)."""
    from ...kinds import kind_of, mains_feed_of  # noqa: PLC0415 - kinds imports the kinds

    if source.domain != DOMAIN or source.entry_id == own_entry_id:
        return False
    try:
        kind = kind_of(source)
    except (KeyError, ValueError):
        return False
    if kind.mains_feed is None:
        return False
    if getattr(source, "runtime_data", None):
        # e.g. a Modbus meter entry feeds only in the mains role
        return mains_feed_of(source) is not None
    return True


class SmartEvseOptionsFlow(OptionsFlowWithReload):
    """Polling, and where Gridmate takes the mains currents it feeds the charger."""

    _options: dict[str, Any]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the first options form."""
        return await self.async_step_smartevse()

    async def async_step_smartevse(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Poll interval, mains feeding source and its maximum age."""
        errors: dict[str, str] = {}
        if user_input is not None:
            source = MainsSource(user_input[CONF_MAINS_SOURCE])
            if source is not MainsSource.NONE and not self._charger_takes_api_data():
                errors[CONF_MAINS_SOURCE] = "smartevse_mains_meter_not_api"
            else:
                self._options = {
                    CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                    CONF_MAINS_SOURCE: source.value,
                    CONF_MAINS_MAX_AGE: int(user_input[CONF_MAINS_MAX_AGE]),
                }
                if source is MainsSource.ENTRY:
                    return await self.async_step_smartevse_feed_entry()
                if source is MainsSource.SENSORS:
                    return await self.async_step_smartevse_feed_sensors()
                return self.async_create_entry(data=self._options)
        schema = vol.Schema(
            {
                vol.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): whole_number_field(
                    MIN_SCAN_INTERVAL, MAX_SCAN_INTERVAL, unit=UnitOfTime.SECONDS
                ),
                vol.Required(CONF_MAINS_SOURCE, default=MainsSource.NONE.value): enum_selector(
                    MainsSource, "smartevse_mains_source"
                ),
                vol.Required(CONF_MAINS_MAX_AGE, default=DEFAULT_MAINS_MAX_AGE): whole_number_field(
                    MIN_MAINS_MAX_AGE, MAX_MAINS_MAX_AGE, unit=UnitOfTime.SECONDS
                ),
            }
        )
        return self.async_show_form(
            step_id="smartevse",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
        )

    def _charger_takes_api_data(self) -> bool:
        """False only when the charger is known to have another mains meter than API."""
        runtime = getattr(self.config_entry, "runtime_data", None)
        state = runtime.coordinator.data if runtime else None
        return state is None or state.mains_meter in (None, MAINS_METER_API)

    async def async_step_smartevse_feed_entry(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which Gridmate entry measures the grid (a Smart Connect, a mains meter)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            source = self.hass.config_entries.async_get_entry(user_input[CONF_MAINS_ENTRY])
            if source is None or not _measures_the_grid(source, self.config_entry.entry_id):
                errors[CONF_MAINS_ENTRY] = "smartevse_not_a_mains_source"
            else:
                return self.async_create_entry(
                    data={**self._options, CONF_MAINS_ENTRY: source.entry_id}
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_MAINS_ENTRY): ConfigEntrySelector(
                    ConfigEntrySelectorConfig(integration=DOMAIN)
                )
            }
        )
        return self.async_show_form(
            step_id="smartevse_feed_entry",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
        )

    async def async_step_smartevse_feed_sensors(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Current sensors of any integration: L1 alone (one phase), or L1, L2 and L3."""
        errors: dict[str, str] = {}
        if user_input is not None:
            phases = [user_input.get(key) for key in (CONF_MAINS_L1, CONF_MAINS_L2, CONF_MAINS_L3)]
            if bool(phases[1]) != bool(phases[2]):
                errors["base"] = "smartevse_one_or_three_sensors"
            elif len({p for p in phases if p}) != len([p for p in phases if p]):
                errors["base"] = "smartevse_same_sensor_twice"
            else:
                return self.async_create_entry(
                    data={
                        **self._options,
                        **{
                            key: value
                            for key, value in zip(
                                (CONF_MAINS_L1, CONF_MAINS_L2, CONF_MAINS_L3), phases, strict=True
                            )
                            if value
                        },
                    }
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_MAINS_L1): _CURRENT_SENSOR,
                vol.Optional(CONF_MAINS_L2): _CURRENT_SENSOR,
                vol.Optional(CONF_MAINS_L3): _CURRENT_SENSOR,
            }
        )
        return self.async_show_form(
            step_id="smartevse_feed_sensors",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self.config_entry.options
            ),
            errors=errors,
        )
