"""Helpers the test packages share: flows, entries, time, states, ports.

Fixtures stay in the conftest files; these are plain functions the fixtures and tests call.
"""

from __future__ import annotations

from datetime import timedelta
import socket
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.gridmate.const import DOMAIN


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def async_advance_time(hass: HomeAssistant, seconds: float) -> None:
    """Move Home Assistant's clock `seconds` ahead and wait for what that started.

    Timers due by then fire (polls, timeouts); their work runs in background tasks doing real
    socket I/O, which is waited for as well.
    """
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    await hass.async_block_till_done(wait_background_tasks=True)


async def async_add_and_set_up(hass: HomeAssistant, entry: MockConfigEntry) -> bool:
    """Add `entry` and set it up; whether setup succeeded (its state tells why not)."""
    entry.add_to_hass(hass)
    set_up = await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return set_up


async def async_open_user_flow(hass: HomeAssistant, *choices: str) -> ConfigFlowResult:
    """Start adding a Gridmate entry and pick `choices` in its menus, one menu each.

    Each menu on the way must offer the choice; the result after the last one is returned.
    """
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    for choice in choices:
        assert result["type"] is FlowResultType.MENU, result
        assert choice in result["menu_options"], (choice, result["menu_options"])
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": choice}
        )
    return result


async def async_open_form(hass: HomeAssistant, *choices: str) -> str:
    """Walk the menus to the form of the last choice; its flow id."""
    result = await async_open_user_flow(hass, *choices)
    assert result["type"] is FlowResultType.FORM, result
    assert result["step_id"] == choices[-1]
    return result["flow_id"]


def entity_ids_by_key(hass: HomeAssistant, entry: ConfigEntry[Any]) -> dict[str, str]:
    """The entry's entity ids by description key (unique ids are `<entry unique id>_<key>`)."""
    registry = er.async_get(hass)
    return {
        ent.unique_id.removeprefix(f"{entry.unique_id}_"): ent.entity_id
        for ent in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


def state_of(hass: HomeAssistant, entity_id: str) -> str:
    """The state of an entity that must exist."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def store_controller_controls(
    hass_storage: dict[str, Any], controller_entry_id: str, **controls: Any
) -> None:
    """What a controller's store holds when Home Assistant starts (e.g. `mode="smart"`)."""
    key = f"{DOMAIN}.controller.{controller_entry_id}"
    hass_storage[key] = {"version": 1, "minor_version": 1, "key": key, "data": controls}
