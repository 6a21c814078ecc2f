"""Config-flow steps of the OCPP charger type (mixed into the Gridmate config flow).

Gridmate is the server here: there is no device to test. Adding a charger checks what can be
checked (a usable id, a free or already-served port), and the charger shows up once it connects
to `ws://<Home Assistant>:<port>/<charge point id>`. A charge point that connects with an id
nobody added is offered as a discovered charger (`async_step_integration_discovery`), to be
accepted or ignored.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_PASSWORD, CONF_PORT, UnitOfElectricCurrent, UnitOfTime
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig
from homeassistant.helpers.typing import DiscoveryInfoType
import probatio as vol

from ...const import CONF_KIND, EntryKind
from ...devices.chargers.ocpp.charge_point import AuthMode
from ...devices.chargers.ocpp.const import (
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_METER_INTERVAL,
    DEFAULT_PORT,
    DEFAULT_REMOTE_ID_TAG,
    MAX_ID_TAG_LENGTH,
)
from ...devices.chargers.ocpp.infinergi import infinergi_phases
from ...devices.chargers.ocpp.server import charge_point_id_from_path
from ...flow_fields import (
    PASSWORD_SELECTOR,
    TCP_PORT_FIELD,
    choice_selector,
    enum_selector,
    whole_number_field,
)
from ..const import CONF_CHARGER_TYPE, ChargerType
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
    DEFAULT_MAX_CURRENT,
    MAX_HEARTBEAT_INTERVAL,
    MAX_MAX_CURRENT,
    MAX_METER_INTERVAL,
    MIN_HEARTBEAT_INTERVAL,
    MIN_MAX_CURRENT,
    entry_unique_id,
)
from .hub import async_port_usable

_MAX_CURRENT = whole_number_field(
    MIN_MAX_CURRENT, MAX_MAX_CURRENT, unit=UnitOfElectricCurrent.AMPERE
)
_PHASES = choice_selector(["1", "3"], translation_key="ocpp_phases")


def _charger_fields(*, with_port: bool) -> dict[vol.Marker, Any]:
    fields: dict[vol.Marker, Any] = {}
    if with_port:
        fields[vol.Required(CONF_PORT, default=DEFAULT_PORT)] = TCP_PORT_FIELD
    fields[vol.Optional(CONF_PASSWORD)] = PASSWORD_SELECTOR
    fields[vol.Required(CONF_MAX_CURRENT, default=DEFAULT_MAX_CURRENT)] = _MAX_CURRENT
    fields[vol.Required(CONF_PHASES, default="3")] = _PHASES
    return fields


def valid_charge_point_id(cp_id: str) -> bool:
    """An id a charger can put in its URL path and the server reads back the same."""
    return (
        bool(cp_id)
        and cp_id == cp_id.strip()
        and charge_point_id_from_path("/" + quote(cp_id, safe="")) == cp_id
    )


def _password(user_input: dict[str, Any]) -> str | None:
    password = (user_input.get(CONF_PASSWORD) or "").strip()
    return password or None


def _server_url(flow: ConfigFlow, port: int | None) -> str:
    """Where the charger's OCPP URL must point (this Home Assistant on the OCPP port)."""
    try:
        host = urlsplit(get_url(flow.hass, allow_external=False, allow_cloud=False)).hostname
    except NoURLAvailableError:
        host = None
    return f"ws://{host or '<home-assistant-address>'}:{port or DEFAULT_PORT}"


class OcppFlow(ConfigFlow):
    """Add an OCPP 1.6J charge point by hand or from discovery; reconfigure it."""

    _pending: dict[str, Any]

    async def _async_ocpp_check_port(self, port: int, errors: dict[str, str]) -> None:
        if not await async_port_usable(self.hass, port):
            errors[CONF_PORT] = "port_in_use"

    def _ocpp_entry_data(self, cp_id: str, port: int, user_input: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = {
            CONF_KIND: EntryKind.CHARGER.value,
            CONF_CHARGER_TYPE: ChargerType.OCPP.value,
            CONF_CHARGE_POINT_ID: cp_id,
            CONF_PORT: port,
            CONF_MAX_CURRENT: int(user_input[CONF_MAX_CURRENT]),
            CONF_PHASES: int(user_input[CONF_PHASES]),
            CONF_CONNECTOR_ID: 1,
        }
        if (password := _password(user_input)) is not None:
            data[CONF_PASSWORD] = password
        return data

    async def async_step_ocpp(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Charge point id, port and limits of a charger that will connect to us."""
        errors: dict[str, str] = {}
        if user_input is not None:
            cp_id = str(user_input.get(CONF_CHARGE_POINT_ID, "")).strip()
            user_input[CONF_CHARGE_POINT_ID] = cp_id
            port = int(user_input[CONF_PORT])
            if not valid_charge_point_id(cp_id):
                errors[CONF_CHARGE_POINT_ID] = "invalid_charge_point_id"
            else:
                await self.async_set_unique_id(entry_unique_id(cp_id))
                self._abort_if_unique_id_configured()
                await self._async_ocpp_check_port(port, errors)
            if not errors:
                return self.async_create_entry(
                    title=f"OCPP {cp_id}", data=self._ocpp_entry_data(cp_id, port, user_input)
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_CHARGE_POINT_ID): TextSelector(),
                **_charger_fields(with_port=True),
            }
        )
        return self.async_show_form(
            step_id="ocpp",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"url": _server_url(self, None)},
        )

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """A charge point with an unknown id connected to one of our OCPP servers."""
        if (
            discovery_info.get(CONF_KIND) != EntryKind.CHARGER.value
            or discovery_info.get(CONF_CHARGER_TYPE) != ChargerType.OCPP.value
        ):
            return self.async_abort(reason="not_supported")
        return await self.async_step_ocpp_discovered(discovery_info)

    async def async_step_ocpp_discovered(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """Remember what the charger said about itself and ask the user."""
        cp_id = str(discovery_info[CONF_CHARGE_POINT_ID])
        await self.async_set_unique_id(entry_unique_id(cp_id))
        self._abort_if_unique_id_configured()
        self._pending = dict(discovery_info)
        self.context["title_placeholders"] = {"name": cp_id}
        return await self.async_step_ocpp_discovery_confirm()

    async def async_step_ocpp_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Accept the discovered charger with its limits (or ignore it in the UI)."""
        info = self._pending
        cp_id = str(info[CONF_CHARGE_POINT_ID])
        port = int(info[CONF_PORT])
        if user_input is not None:
            return self.async_create_entry(
                title=f"OCPP {cp_id}", data=self._ocpp_entry_data(cp_id, port, user_input)
            )
        phases = infinergi_phases(info.get("model")) or 3
        schema = vol.Schema(_charger_fields(with_port=False))
        return self.async_show_form(
            step_id="ocpp_discovery_confirm",
            data_schema=self.add_suggested_values_to_schema(schema, {CONF_PHASES: str(phases)}),
            description_placeholders={
                "charge_point_id": cp_id,
                "vendor": str(info.get("vendor") or "?"),
                "model": str(info.get("model") or "?"),
                "firmware": str(info.get("firmware") or "?"),
                "port": str(port),
            },
        )

    async def async_step_ocpp_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change port, password and limits; the charge point id stays (it is the device)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            if port != entry.data[CONF_PORT]:
                await self._async_ocpp_check_port(port, errors)
            if not errors:
                data = self._ocpp_entry_data(entry.data[CONF_CHARGE_POINT_ID], port, user_input)
                return self.async_update_reload_and_abort(entry, data=data)
        suggested = user_input or {
            CONF_PORT: entry.data[CONF_PORT],
            CONF_PASSWORD: entry.data.get(CONF_PASSWORD),
            CONF_MAX_CURRENT: entry.data[CONF_MAX_CURRENT],
            CONF_PHASES: str(entry.data[CONF_PHASES]),
        }
        return self.async_show_form(
            step_id="ocpp_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(_charger_fields(with_port=True)), suggested
            ),
            errors=errors,
            description_placeholders={
                "charge_point_id": entry.data[CONF_CHARGE_POINT_ID],
                "url": _server_url(self, entry.data[CONF_PORT]),
            },
        )


_TAG_SPLIT = re.compile(r"[\s,;]+")


def parse_id_tags(text: str) -> list[str] | None:
    """Tags separated by new lines, commas or spaces; None if one is longer than OCPP allows."""
    tags: list[str] = []
    for tag in _TAG_SPLIT.split(text or ""):
        if not tag:
            continue
        if len(tag) > MAX_ID_TAG_LENGTH:
            return None
        if tag.casefold() not in {known.casefold() for known in tags}:
            tags.append(tag)
    return tags


class OcppOptionsFlow(OptionsFlowWithReload):
    """Authorization, id tags and message intervals of an OCPP charger."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the form (its strings live under options.step.ocpp)."""
        return await self.async_step_ocpp()

    async def async_step_ocpp(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Validate and store the options."""
        errors: dict[str, str] = {}
        if user_input is not None:
            tags = parse_id_tags(user_input.get(CONF_ID_TAGS, ""))
            remote = str(user_input.get(CONF_REMOTE_ID_TAG) or "").strip()
            if tags is None:
                errors[CONF_ID_TAGS] = "invalid_id_tag"
            if not remote or len(remote) > MAX_ID_TAG_LENGTH or " " in remote:
                errors[CONF_REMOTE_ID_TAG] = "invalid_id_tag"
            if not errors and tags is not None:
                return self.async_create_entry(
                    data={
                        CONF_AUTH_MODE: user_input[CONF_AUTH_MODE],
                        CONF_ID_TAGS: tags,
                        CONF_REMOTE_ID_TAG: remote,
                        CONF_METER_INTERVAL: int(user_input[CONF_METER_INTERVAL]),
                        CONF_HEARTBEAT_INTERVAL: int(user_input[CONF_HEARTBEAT_INTERVAL]),
                    }
                )
        options = self.config_entry.options
        suggested = user_input or {
            CONF_AUTH_MODE: options.get(CONF_AUTH_MODE, AuthMode.ACCEPT_ALL.value),
            CONF_ID_TAGS: "\n".join(options.get(CONF_ID_TAGS, [])),
            CONF_REMOTE_ID_TAG: options.get(CONF_REMOTE_ID_TAG, DEFAULT_REMOTE_ID_TAG),
            CONF_METER_INTERVAL: options.get(CONF_METER_INTERVAL, DEFAULT_METER_INTERVAL),
            CONF_HEARTBEAT_INTERVAL: options.get(
                CONF_HEARTBEAT_INTERVAL, DEFAULT_HEARTBEAT_INTERVAL
            ),
        }
        schema = vol.Schema(
            {
                vol.Required(CONF_AUTH_MODE): enum_selector(AuthMode, "ocpp_auth_mode"),
                vol.Optional(CONF_ID_TAGS, default=""): TextSelector(
                    TextSelectorConfig(multiline=True)
                ),
                vol.Required(CONF_REMOTE_ID_TAG): TextSelector(),
                vol.Required(CONF_METER_INTERVAL): whole_number_field(
                    0, MAX_METER_INTERVAL, unit=UnitOfTime.SECONDS
                ),
                vol.Required(CONF_HEARTBEAT_INTERVAL): whole_number_field(
                    MIN_HEARTBEAT_INTERVAL, MAX_HEARTBEAT_INTERVAL, unit=UnitOfTime.SECONDS
                ),
            }
        )
        return self.async_show_form(
            step_id="ocpp",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )
