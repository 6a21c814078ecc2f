"""Config flow for Gridmate: a menu of device kinds, then the steps of the chosen kind.

Each kind contributes a mixin with its steps, named `async_step_<kind>...`; this class only
offers the menu and routes the flows Home Assistant starts itself (reauth, reconfigure,
options) to the entry's kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback
from homeassistant.helpers.service_info.mqtt import MqttServiceInfo

from .charger.config_flow import ChargerFlow
from .charger.ocpp.config_flow import OcppFlow
from .charger.smartevse.config_flow import SmartEvseFlow
from .const import DOMAIN
from .controller.config_flow import ControllerFlow
from .kinds import KINDS, entry_kind, kind_of
from .meter.config_flow import MeterFlow
from .monitor.config_flow import MonitorFlow
from .smart_connect.config_flow import SmartConnectFlow


class GridmateConfigFlow(  # one flow mixin per kind (and per charger type), one per line
    SmartConnectFlow,
    ChargerFlow,
    SmartEvseFlow,
    OcppFlow,
    ControllerFlow,
    MeterFlow,
    MonitorFlow,
    domain=DOMAIN,
):
    """Add a Gridmate device or controller."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing pending."""
        self._pending: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> OptionsFlow:
        """Options of an entry, as its kind defines them."""
        factory = kind_of(config_entry).options_flow
        flow = factory(config_entry) if factory else None
        if flow is None:  # pragma: no cover - HA asks async_supports_options_flow first
            raise NotImplementedError
        return flow

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry[Any]) -> bool:
        """Only kinds with options show the Configure button."""
        factory = kind_of(config_entry).options_flow
        return factory is not None and factory(config_entry) is not None

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of device to add."""
        return self.async_show_menu(step_id="user", menu_options=[kind.value for kind in KINDS])

    async def async_step_mqtt(self, discovery_info: MqttServiceInfo) -> ConfigFlowResult:
        """A topic in the manifest's MQTT list was seen: hand it to the kind it belongs to."""
        for kind, spec in KINDS.items():
            if spec.mqtt_discovery is not None and spec.mqtt_discovery(discovery_info.topic):
                step: Any = getattr(self, f"async_step_{kind}_mqtt")
                result: ConfigFlowResult = await step(discovery_info)
                return result
        return self.async_abort(reason="not_supported")

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A device refused the stored credentials: ask again, the way its kind does."""
        kind = entry_kind(self._get_reauth_entry())
        step: Any = getattr(self, f"async_step_{kind}_reauth_confirm")
        result: ConfigFlowResult = await step()
        return result

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the connection of an entry, the way its kind does."""
        kind = entry_kind(self._get_reconfigure_entry())
        step: Any = getattr(self, f"async_step_{kind}_reconfigure")
        result: ConfigFlowResult = await step(user_input)
        return result
