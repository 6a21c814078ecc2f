"""Config-flow steps of the charger kind: pick a charger type, then that type's steps.

Each type contributes a mixin with steps named `async_step_<type>...` (`smartevse`,
`ocpp`, ...), including `async_step_<type>_reconfigure` and, if it has credentials,
`async_step_<type>_reauth_confirm`.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import CONF_CHARGER_TYPE


class ChargerFlow(ConfigFlow):
    """The charger menu and the routing of reauth/reconfigure to the entry's charger type."""

    async def async_step_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which kind of charger to add."""
        from . import CHARGER_TYPES  # noqa: PLC0415 - the package imports this module

        return self.async_show_menu(
            step_id="charger", menu_options=[charger_type.value for charger_type in CHARGER_TYPES]
        )

    async def async_step_charger_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure the way the entry's charger type does."""
        charger_type = self._get_reconfigure_entry().data[CONF_CHARGER_TYPE]
        step: Any = getattr(self, f"async_step_{charger_type}_reconfigure")
        result: ConfigFlowResult = await step(user_input)
        return result

    async def async_step_charger_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Re-authenticate the way the entry's charger type does."""
        charger_type = self._get_reauth_entry().data[CONF_CHARGER_TYPE]
        step: Any = getattr(self, f"async_step_{charger_type}_reauth_confirm")
        result: ConfigFlowResult = await step(user_input)
        return result
