"""Switches of a monitor: the relays of Output modules.

A relay's state is what the gateway last reported on `plug/<nodeId>/state`; a command only
publishes `plug/<nodeId>/setstate` and the switch follows when the gateway confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..devices.infinity.model import OutputRelay
from .data import MonitorConfigEntry
from .device_info import output_module_device
from .entity import MonitorEntity
from .hub import EntityFactories, MonitorHub


def build_switches(hub: MonitorHub) -> EntityFactories:
    """One switch per Output module relay in `homeControlConfig`."""
    factories: EntityFactories = {}
    for relay in (hub.relays or {}).values():
        description = SwitchEntityDescription(key=f"relay_{relay.node_id}", name=relay.name)
        factories[description.key] = _factory(
            hub, relay, description, output_module_device(hub, relay)
        )
    return factories


def _factory(
    hub: MonitorHub, relay: OutputRelay, description: SwitchEntityDescription, device: DeviceInfo
) -> Callable[[], Entity]:
    return lambda: MonitorRelaySwitch(hub, relay.node_id, description, device)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MonitorConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the relay switches, now and whenever the configuration changes."""
    entry.runtime_data.hub.async_register_platform(
        Platform.SWITCH, async_add_entities, build_switches
    )


class MonitorRelaySwitch(MonitorEntity, SwitchEntity):
    """A relay of an Output module."""

    def __init__(
        self,
        hub: MonitorHub,
        node_id: int,
        description: SwitchEntityDescription,
        device: DeviceInfo,
    ) -> None:
        """Bind to the relay's node id."""
        self._node_id = node_id
        super().__init__(hub, description, device)

    def _compute(self) -> Any:
        available = self.hub.relay_available(self._node_id)
        state = self.hub.relay_states.get(self._node_id)
        self._attr_available = available
        self._attr_is_on = state.on if available and state else None
        return available, self._attr_is_on

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Ask the gateway to close the relay."""
        await self.hub.async_set_relay(self._node_id, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Ask the gateway to open the relay."""
        await self.hub.async_set_relay(self._node_id, False)
