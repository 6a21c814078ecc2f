"""The devices of a monitor entry: the gateway, its loads and its B-bus modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers.device_registry import DeviceInfo

from ..const import DOMAIN
from ..devices.infinity.model import InputModule, Load, OutputRelay
from ..devices.infinity.schema import LoadKind, gateway_model

if TYPE_CHECKING:
    from .hub import MonitorHub

LOAD_MODELS = {
    LoadKind.GRID: "Grid connection",
    LoadKind.SOLAR: "Solar production",
    LoadKind.BATTERY: "Battery",
    LoadKind.APPLIANCE: "Load",
}


def gateway_device(hub: MonitorHub) -> DeviceInfo:
    """The gateway (Genius / Connect) and its Power Box: the entry's main device."""
    config = hub.gateway
    model = gateway_model(config.serial_number if config else None)
    return DeviceInfo(
        identifiers={(DOMAIN, hub.identity)},
        manufacturer="Smappee",
        model=f"Infinity {model}" if model else "Infinity",
        name=hub.entry.title,
        serial_number=config.serial_number if config else None,
        sw_version=config.firmware_version if config else None,
    )


def load_device(hub: MonitorHub, load: Load) -> DeviceInfo:
    """A load (grid, solar, heat pump...) measured by the gateway's CTs."""
    return _child(
        hub,
        DeviceInfo(
            identifiers={(DOMAIN, hub.load_device_id(load.key))},
            manufacturer="Smappee",
            model=LOAD_MODELS[load.kind],
            name=load.name,
        ),
    )


def output_module_device(hub: MonitorHub, relay: OutputRelay) -> DeviceInfo:
    """The Output module a relay belongs to."""
    return _child(
        hub,
        DeviceInfo(
            identifiers={(DOMAIN, hub.output_device_id(relay.module_serial))},
            manufacturer="Smappee",
            model="Infinity Output module",
            name=f"Output module {(relay.module_serial or '')[-4:]}".strip(),
            serial_number=relay.module_serial,
        ),
    )


def input_module_device(hub: MonitorHub, module: InputModule) -> DeviceInfo:
    """An Input module on the gateway's B-bus."""
    return _child(
        hub,
        DeviceInfo(
            identifiers={(DOMAIN, hub.input_device_id(module.serial_number))},
            manufacturer="Smappee",
            model="Infinity Input module",
            name=module.name,
            serial_number=module.serial_number,
        ),
    )


def _child(hub: MonitorHub, info: DeviceInfo) -> DeviceInfo:
    """A device behind the gateway (linked once the gateway device is registered)."""
    if hub.gateway_device_id:
        info["via_device_id"] = hub.gateway_device_id
    return info
