"""Config-flow steps of the monitor kind (mixed into the Gridmate config flow), and its options.

The broker is Home Assistant's MQTT integration. The user picks a gateway found on the broker
(retained `<prefix>/+/config` topics) or types its service location uuid; Gridmate checks that
the gateway's `config` topic is there before it creates the entry. MQTT discovery of
`servicelocation/+/config` (the manifest's topic) leads to the same entry after a confirmation.
The gateway's serial number is the unique id: a re-installed gateway gets a new service
location uuid, and discovery or reconfigure move the existing entry to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from homeassistant.components import mqtt
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import UnitOfTime
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo
import probatio as vol

from ..const import CONF_KIND, CONF_SERIAL, EntryKind
from ..devices.infinity.model import GatewayConfig
from ..devices.infinity.parser import PayloadError, parse_config
from ..devices.infinity.schema import (
    DEFAULT_TOPIC_PREFIX,
    TopicKind,
    gateway_model,
    split_config_topic,
    topic,
)
from ..flow_fields import choice_selector, enum_selector, whole_number_field
from . import const as c
from .const import (
    CONF_ALWAYS_ON_HOURS,
    CONF_INPUT,
    CONF_PULSE_FACTORS,
    CONF_PULSES_PER_UNIT,
    CONF_SERVICE_LOCATION,
    CONF_TOPIC_PREFIX,
    CONF_UNIT,
    DEFAULT_ALWAYS_ON_HOURS,
    MAX_ALWAYS_ON_HOURS,
    MIN_ALWAYS_ON_HOURS,
    NO_INPUT,
    PulseUnit,
)
from .pulses import default_pulse_unit

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def monitor_title(config: GatewayConfig) -> str:
    """`Smappee Genius 5010000123`."""
    model = gateway_model(config.serial_number)
    return " ".join(part for part in ("Smappee", model, config.identity) if part)


async def async_find_gateways(
    hass: HomeAssistant, prefix: str, *, uuid: str | None = None, wait: float
) -> dict[str, GatewayConfig]:
    """Gateways whose retained `config` is on the broker, by service location uuid.

    With `uuid`, only that one, returned as soon as it arrives.
    """
    found: dict[str, GatewayConfig] = {}
    arrived = asyncio.Event()

    @callback
    def on_message(msg: mqtt.ReceiveMessage) -> None:
        split = split_config_topic(msg.topic)
        if split is None or not msg.payload:
            return
        try:
            config = parse_config(msg.payload)
        except PayloadError:
            return
        if config.service_location_uuid != split[1]:
            return
        found[config.service_location_uuid] = config
        if uuid is not None:
            arrived.set()

    filter_topic = (
        topic(prefix, uuid, TopicKind.CONFIG) if uuid else f"{prefix}/+/{TopicKind.CONFIG}"
    )
    unsubscribe = await mqtt.async_subscribe(hass, filter_topic, on_message)
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await arrived.wait()
    finally:
        unsubscribe()
    return found


def _clean_prefix(value: str) -> str | None:
    prefix = value.strip().strip("/")
    if not prefix or any(ch in prefix for ch in "+#\0") or "//" in prefix:
        return None
    return prefix


def _schema(found: dict[str, GatewayConfig]) -> vol.Schema:
    if found:
        location: Any = choice_selector(
            [
                SelectOptionDict(value=uuid, label=f"{monitor_title(config)} ({uuid})")
                for uuid, config in sorted(found.items())
            ],
            mode=SelectSelectorMode.DROPDOWN,
            custom_value=True,
        )
    else:
        location = TextSelector()
    return vol.Schema(
        {
            vol.Required(CONF_SERVICE_LOCATION): location,
            vol.Required(CONF_TOPIC_PREFIX, default=DEFAULT_TOPIC_PREFIX): TextSelector(),
        }
    )


class MonitorFlow(ConfigFlow):
    """Add and reconfigure an Infinity-style monitor."""

    _pending: dict[str, Any]

    async def _async_mqtt_ready(self) -> str | None:
        """None when HA's MQTT integration can be used, else the abort/error reason."""
        if not await mqtt.async_wait_for_mqtt_client(self.hass):
            return "monitor_mqtt_not_configured"
        if not mqtt.is_connected(self.hass):
            return "monitor_mqtt_not_connected"
        return None

    async def _async_validate(
        self, user_input: dict[str, Any], errors: dict[str, str]
    ) -> tuple[str, str, GatewayConfig] | None:
        """(prefix, uuid, gateway config), or None with `errors` filled in."""
        uuid = str(user_input[CONF_SERVICE_LOCATION]).strip().lower()
        prefix = _clean_prefix(str(user_input.get(CONF_TOPIC_PREFIX, DEFAULT_TOPIC_PREFIX)))
        if not UUID_RE.match(uuid):
            errors[CONF_SERVICE_LOCATION] = "monitor_invalid_service_location"
            return None
        if prefix is None:
            errors[CONF_TOPIC_PREFIX] = "monitor_invalid_prefix"
            return None
        if (problem := await self._async_mqtt_ready()) is not None:
            errors["base"] = problem
            return None
        found = await async_find_gateways(self.hass, prefix, uuid=uuid, wait=c.CONFIRM_WAIT_S)
        if uuid not in found:
            errors["base"] = "monitor_no_gateway"
            return None
        return prefix, uuid, found[uuid]

    async def async_step_monitor(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a gateway found on the broker, or type its service location uuid."""
        if (problem := await self._async_mqtt_ready()) == "monitor_mqtt_not_configured":
            return self.async_abort(reason=problem)
        errors: dict[str, str] = {}
        found: dict[str, GatewayConfig] = {}
        if user_input is not None:
            checked = await self._async_validate(user_input, errors)
            if checked is not None:
                prefix, uuid, config = checked
                # The user's choice wins over a discovery of the same gateway in progress.
                await self.async_set_unique_id(config.identity, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                return self._create_monitor(prefix, uuid, config)
        elif problem is None:
            found = await async_find_gateways(
                self.hass, DEFAULT_TOPIC_PREFIX, wait=c.DISCOVERY_WAIT_S
            )
            configured = {entry.unique_id for entry in self._async_current_entries()}
            found = {u: cfg for u, cfg in found.items() if cfg.identity not in configured}
        else:
            errors["base"] = problem
        return self.async_show_form(
            step_id="monitor",
            data_schema=self.add_suggested_values_to_schema(_schema(found), user_input),
            errors=errors,
            description_placeholders={"topic": f"{DEFAULT_TOPIC_PREFIX}/<uuid>/config"},
        )

    def _create_monitor(self, prefix: str, uuid: str, config: GatewayConfig) -> ConfigFlowResult:
        return self.async_create_entry(
            title=monitor_title(config),
            data={
                CONF_KIND: EntryKind.MONITOR.value,
                CONF_SERVICE_LOCATION: uuid,
                CONF_TOPIC_PREFIX: prefix,
                CONF_SERIAL: config.serial_number,
            },
        )

    async def async_step_monitor_mqtt(self, discovery_info: MqttServiceInfo) -> ConfigFlowResult:
        """A gateway's retained `config` was seen on the broker."""
        split = split_config_topic(discovery_info.topic)
        if split is None or not discovery_info.payload:
            return self.async_abort(reason="monitor_invalid_discovery_info")
        try:
            config = parse_config(discovery_info.payload)
        except PayloadError:
            return self.async_abort(reason="monitor_invalid_discovery_info")
        prefix, uuid = split
        if config.service_location_uuid != uuid:
            return self.async_abort(reason="monitor_invalid_discovery_info")
        await self.async_set_unique_id(config.identity)
        # A known gateway re-installed on a new service location: follow it.
        self._abort_if_unique_id_configured(
            updates={CONF_SERVICE_LOCATION: uuid, CONF_TOPIC_PREFIX: prefix}
        )
        self._pending = {"prefix": prefix, "uuid": uuid, "config": config}
        self.context["title_placeholders"] = {"name": monitor_title(config)}
        return await self.async_step_monitor_confirm()

    async def async_step_monitor_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm adding a discovered gateway."""
        pending = self._pending
        if user_input is not None:
            return self._create_monitor(pending["prefix"], pending["uuid"], pending["config"])
        self._set_confirm_only()
        return self.async_show_form(
            step_id="monitor_confirm",
            description_placeholders={"name": monitor_title(pending["config"])},
        )

    async def async_step_monitor_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to another service location uuid or topic prefix (same gateway)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        found: dict[str, GatewayConfig] = {}
        if user_input is not None:
            checked = await self._async_validate(user_input, errors)
            if checked is not None:
                prefix, uuid, config = checked
                await self.async_set_unique_id(config.identity, raise_on_progress=False)
                self._abort_if_unique_id_mismatch(reason="monitor_wrong_gateway")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_SERVICE_LOCATION: uuid, CONF_TOPIC_PREFIX: prefix}
                )
        elif (problem := await self._async_mqtt_ready()) is None:
            found = await async_find_gateways(
                self.hass, entry.data[CONF_TOPIC_PREFIX], wait=c.DISCOVERY_WAIT_S
            )
        else:
            errors["base"] = problem
        suggested = user_input or {
            CONF_SERVICE_LOCATION: entry.data[CONF_SERVICE_LOCATION],
            CONF_TOPIC_PREFIX: entry.data[CONF_TOPIC_PREFIX],
        }
        return self.async_show_form(
            step_id="monitor_reconfigure",
            data_schema=self.add_suggested_values_to_schema(_schema(found), suggested),
            errors=errors,
        )


class MonitorOptionsFlow(OptionsFlowWithReload):
    """Always-on window and the pulses per unit of each pulse input."""

    def __init__(self) -> None:
        """Nothing chosen yet."""
        self._options: dict[str, Any] = {}
        self._input: str | None = None

    def _pulse_inputs(self) -> dict[str, tuple[str, Any]]:
        """Pulse inputs the gateway reported: "<serial>:<n>" -> (label, InputChannel)."""
        runtime = getattr(self.config_entry, "runtime_data", None)
        modules = runtime.hub.input_modules if runtime else None
        return {
            f"{module.serial_number}:{channel.input}": (f"{module.name}: {channel.name}", channel)
            for module in (modules or {}).values()
            for channel in module.inputs
            if channel.pulse
        }

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the monitor's options."""
        return await self.async_step_monitor(user_input)

    async def async_step_monitor(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Always-on window; optionally pick a pulse input to set its pulses per unit."""
        inputs = self._pulse_inputs()
        if user_input is not None:
            self._options = {
                **self.config_entry.options,
                CONF_ALWAYS_ON_HOURS: int(user_input[CONF_ALWAYS_ON_HOURS]),
            }
            choice = user_input.get(CONF_INPUT, NO_INPUT)
            if choice in inputs:
                self._input = choice
                return await self.async_step_monitor_input()
            return self.async_create_entry(data=self._options)
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_ALWAYS_ON_HOURS, default=DEFAULT_ALWAYS_ON_HOURS): whole_number_field(
                MIN_ALWAYS_ON_HOURS, MAX_ALWAYS_ON_HOURS, unit=UnitOfTime.HOURS
            )
        }
        if inputs:
            fields[vol.Optional(CONF_INPUT, default=NO_INPUT)] = choice_selector(
                [
                    SelectOptionDict(value=NO_INPUT, label="-"),
                    *(
                        SelectOptionDict(value=key, label=label)
                        for key, (label, _) in sorted(inputs.items())
                    ),
                ],
                mode=SelectSelectorMode.DROPDOWN,
            )
        return self.async_show_form(
            step_id="monitor",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), {**self.config_entry.options, CONF_INPUT: NO_INPUT}
            ),
        )

    async def async_step_monitor_input(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pulses per unit and unit of one pulse input."""
        assert self._input is not None
        label, channel = self._pulse_inputs().get(self._input, (self._input, None))
        errors: dict[str, str] = {}
        factors: dict[str, Any] = dict(self._options.get(CONF_PULSE_FACTORS, {}))
        if user_input is not None:
            unit = PulseUnit(user_input[CONF_UNIT])
            ppu = user_input.get(CONF_PULSES_PER_UNIT)
            if unit is not PulseUnit.PULSES and (ppu is None or float(ppu) <= 0):
                errors[CONF_PULSES_PER_UNIT] = "monitor_invalid_pulses_per_unit"
            else:
                factors[self._input] = {
                    CONF_UNIT: unit.value,
                    **({CONF_PULSES_PER_UNIT: float(ppu)} if ppu else {}),
                }
                return self.async_create_entry(data={**self._options, CONF_PULSE_FACTORS: factors})
        current = factors.get(self._input, {})
        suggested = user_input or {
            CONF_PULSES_PER_UNIT: current.get(
                CONF_PULSES_PER_UNIT, channel.ppu if channel else None
            ),
            CONF_UNIT: current.get(
                CONF_UNIT, (default_pulse_unit(channel) if channel else PulseUnit.PULSES).value
            ),
        }
        schema = vol.Schema(
            {
                vol.Required(CONF_UNIT): enum_selector(
                    PulseUnit, "monitor_pulse_unit", mode=SelectSelectorMode.DROPDOWN
                ),
                vol.Optional(CONF_PULSES_PER_UNIT): NumberSelector(
                    NumberSelectorConfig(
                        min=0.001, max=1_000_000, step="any", mode=NumberSelectorMode.BOX
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="monitor_input",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"input": label},
        )
