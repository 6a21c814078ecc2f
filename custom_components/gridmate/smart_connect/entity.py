"""The device of a Smart Connect entry."""

from __future__ import annotations

from homeassistant.const import CONF_HOST
from homeassistant.helpers.device_registry import DeviceInfo

from ..const import CONF_INTERFACE, CONF_SERIAL, DOMAIN, MeterInterface
from ..devices.hosts import split_host
from ..devices.smart_connect.telegram import GasMeter
from .coordinator import SmartConnectConfigEntry

SMART_CONNECT_MODELS = {
    MeterInterface.P1: "P1/A1 Smart Connect",
    MeterInterface.TIC: "TIC Smart Connect",
}


def smart_connect_device_info(entry: SmartConnectConfigEntry) -> DeviceInfo:
    """The one device of a Smart Connect entry."""
    host, port = split_host(entry.data[CONF_HOST])
    firmware = entry.runtime_data.info.data
    interface = MeterInterface(entry.data.get(CONF_INTERFACE, MeterInterface.P1))
    return DeviceInfo(
        identifiers={(DOMAIN, entry.data[CONF_SERIAL])},
        manufacturer="Xemex",
        model=SMART_CONNECT_MODELS[interface],
        name=f"Smart Connect {entry.data[CONF_SERIAL]}",
        serial_number=entry.data[CONF_SERIAL],
        sw_version=firmware.version if firmware else None,
        configuration_url=f"http://{host}:{port}" if port else f"http://{host}",
    )


def gas_meter_device_info(
    entry: SmartConnectConfigEntry, gas: GasMeter, parent_device_id: str
) -> DeviceInfo:
    """The gas meter on the smart meter's M-Bus, reached through the Smart Connect."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.data[CONF_SERIAL]}_gas")},
        translation_key="smart_connect_gas_meter",
        model="Gas meter (M-Bus)",
        serial_number=gas.equipment_id,
        via_device_id=parent_device_id,
    )
