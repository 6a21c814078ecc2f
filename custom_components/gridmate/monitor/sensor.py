"""Sensors of a monitor: per load and phase, phase voltages, totals, always-on, pulse counters.

The set of sensors follows the gateway's configuration (`hub.async_register_platform`): each
build returns the wanted entities by key; new keys are added, vanished ones removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import ExtraStoredData, RestoredExtraData, RestoreEntity

from ..devices.infinity.derive import (
    Totals,
    channel_phase,
    load_export,
    load_import,
    load_power,
)
from ..devices.infinity.model import Channel, Load
from ..devices.infinity.schema import LoadKind, phase_label
from .const import PulseUnit
from .data import MonitorConfigEntry
from .device_info import gateway_device, input_module_device, load_device
from .entity import MonitorEntity
from .hub import EntityFactories, MonitorHub
from .pulses import pulse_setting

type ValueFn = Callable[[MonitorHub], float | None]


@dataclass(frozen=True, kw_only=True)
class MonitorSensorEntityDescription(SensorEntityDescription):
    """A monitor value and whether it comes from the realtime stream (stale = unavailable)."""

    value_fn: ValueFn
    realtime: bool = True


_POWER: dict[str, Any] = {
    "device_class": SensorDeviceClass.POWER,
    "native_unit_of_measurement": UnitOfPower.WATT,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 0,
}
_CURRENT: dict[str, Any] = {
    "device_class": SensorDeviceClass.CURRENT,
    "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
_ENERGY: dict[str, Any] = {
    "device_class": SensorDeviceClass.ENERGY,
    "native_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "state_class": SensorStateClass.TOTAL_INCREASING,
    "suggested_display_precision": 2,
}
_VOLTAGE: dict[str, Any] = {
    "device_class": SensorDeviceClass.VOLTAGE,
    "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 0,
}

# (import, export) translation keys per load kind: what the two counters mean for that load.
ENERGY_KEYS: dict[LoadKind, tuple[str, str]] = {
    LoadKind.GRID: ("monitor_energy_import", "monitor_energy_export"),
    LoadKind.SOLAR: ("monitor_energy_produced", "monitor_energy_consumed"),
    LoadKind.BATTERY: ("monitor_energy_discharged", "monitor_energy_charged"),
    LoadKind.APPLIANCE: ("monitor_energy_consumed", "monitor_energy_returned"),
}

PULSE_UNITS: dict[PulseUnit, tuple[SensorDeviceClass | None, str | None, int]] = {
    PulseUnit.GAS_M3: (SensorDeviceClass.GAS, UnitOfVolume.CUBIC_METERS, 3),
    PulseUnit.WATER_M3: (SensorDeviceClass.WATER, UnitOfVolume.CUBIC_METERS, 3),
    PulseUnit.WATER_L: (SensorDeviceClass.WATER, UnitOfVolume.LITERS, 0),
    PulseUnit.ENERGY_KWH: (SensorDeviceClass.ENERGY, UnitOfEnergy.KILO_WATT_HOUR, 2),
    PulseUnit.PULSES: (None, None, 0),
}


def _r(value: float | None, digits: int) -> float | None:
    if value is None:
        return None
    return round(value) if digits == 0 else round(value, digits)


# --- value functions (they look the load up by key: the layout may have changed) --------------


def _load_fn(key: str, fn: Callable[[Load, Any], float | None], digits: int) -> ValueFn:
    def value(hub: MonitorHub) -> float | None:
        layout, realtime = hub.layout, hub.realtime
        load = layout.load(key) if layout else None
        return _r(fn(load, realtime), digits) if load and realtime else None

    return value


def _channel_fn(index: int, attr: str, digits: int) -> ValueFn:
    def value(hub: MonitorHub) -> float | None:
        realtime = hub.realtime
        reading = realtime.channels.get(index) if realtime else None
        return _r(getattr(reading, attr), digits) if reading else None

    return value


def _total_fn(attr: str, digits: int) -> ValueFn:
    def value(hub: MonitorHub) -> float | None:
        totals: Totals | None = hub.totals
        return _r(getattr(totals, attr), digits) if totals else None

    return value


def _voltage_fn(phase: int) -> ValueFn:
    def value(hub: MonitorHub) -> float | None:
        return hub.realtime.voltages.get(phase) if hub.realtime else None

    return value


# --- the wanted entities -----------------------------------------------------------------------


def _phase_name(channel: Channel, hub: MonitorHub) -> str:
    reading = hub.realtime.channels.get(channel.index) if hub.realtime else None
    phase = channel_phase(channel, reading)
    return phase_label(phase) if phase is not None else channel.name


def _load_entities(hub: MonitorHub, load: Load) -> EntityFactories:
    device = load_device(hub, load)
    key = load.key
    import_key, export_key = ENERGY_KEYS[load.kind]
    export_wanted = load.kind is not LoadKind.APPLIANCE
    descriptions = [
        MonitorSensorEntityDescription(
            key=f"{key}_power",
            translation_key="monitor_power",
            value_fn=_load_fn(key, load_power, 0),
            **_POWER,
        ),
        MonitorSensorEntityDescription(
            key=f"{key}_energy_import",
            translation_key=import_key,
            value_fn=_load_fn(key, load_import, 3),
            **_ENERGY,
        ),
        MonitorSensorEntityDescription(
            key=f"{key}_energy_export",
            translation_key=export_key,
            value_fn=_load_fn(key, load_export, 3),
            entity_registry_enabled_default=export_wanted,
            **_ENERGY,
        ),
    ]
    if not load.multi_phase:
        channel = load.channels[0]
        descriptions.append(
            MonitorSensorEntityDescription(
                key=f"{key}_current",
                translation_key="monitor_current",
                value_fn=_channel_fn(channel.index, "current_a", 2),
                **_CURRENT,
            )
        )
    else:
        for channel in load.channels:
            placeholders = {"phase": _phase_name(channel, hub)}
            base = f"{key}_ch{channel.index}"
            descriptions += [
                MonitorSensorEntityDescription(
                    key=f"{base}_power",
                    translation_key="monitor_power_phase",
                    translation_placeholders=placeholders,
                    value_fn=_channel_fn(channel.index, "power_w", 0),
                    **_POWER,
                ),
                MonitorSensorEntityDescription(
                    key=f"{base}_current",
                    translation_key="monitor_current_phase",
                    translation_placeholders=placeholders,
                    value_fn=_channel_fn(channel.index, "current_a", 2),
                    **_CURRENT,
                ),
                MonitorSensorEntityDescription(
                    key=f"{base}_energy_import",
                    translation_key=f"{import_key}_phase",
                    translation_placeholders=placeholders,
                    value_fn=_channel_fn(channel.index, "import_kwh", 3),
                    entity_registry_enabled_default=False,
                    **_ENERGY,
                ),
                MonitorSensorEntityDescription(
                    key=f"{base}_energy_export",
                    translation_key=f"{export_key}_phase",
                    translation_placeholders=placeholders,
                    value_fn=_channel_fn(channel.index, "export_kwh", 3),
                    entity_registry_enabled_default=False,
                    **_ENERGY,
                ),
            ]
    return {d.key: _factory(MonitorSensor, hub, d, device) for d in descriptions}


def _gateway_entities(hub: MonitorHub) -> EntityFactories:
    device = gateway_device(hub)
    layout = hub.layout
    descriptions: list[MonitorSensorEntityDescription] = []
    # Phases the loads are mapped to, and any phase the Power Box sees a voltage on.
    phases = {
        phase
        for load in (layout.loads if layout else ())
        for channel in load.channels
        if (phase := channel.phase) is not None
    }
    if hub.realtime:
        phases |= {p for p, volts in hub.realtime.voltages.items() if volts}
    for phase in sorted(phases):
        descriptions.append(
            MonitorSensorEntityDescription(
                key=f"voltage_l{phase + 1}",
                translation_key="monitor_voltage_phase",
                translation_placeholders={"phase": phase_label(phase)},
                value_fn=_voltage_fn(phase),
                **_VOLTAGE,
            )
        )
    kinds = {load.kind for load in layout.loads} if layout else set()
    if LoadKind.GRID in kinds:
        descriptions += [
            MonitorSensorEntityDescription(
                key="grid_power",
                translation_key="monitor_grid_power",
                value_fn=_total_fn("grid_power_w", 0),
                **_POWER,
            ),
            MonitorSensorEntityDescription(
                key="grid_import",
                translation_key="monitor_grid_import",
                value_fn=_total_fn("grid_import_kwh", 3),
                **_ENERGY,
            ),
            MonitorSensorEntityDescription(
                key="grid_export",
                translation_key="monitor_grid_export",
                value_fn=_total_fn("grid_export_kwh", 3),
                **_ENERGY,
            ),
            MonitorSensorEntityDescription(
                key="home_power",
                translation_key="monitor_home_power",
                value_fn=_total_fn("home_power_w", 0),
                **_POWER,
            ),
        ]
    if LoadKind.SOLAR in kinds:
        descriptions += [
            MonitorSensorEntityDescription(
                key="solar_power",
                translation_key="monitor_solar_power",
                value_fn=_total_fn("solar_power_w", 0),
                **_POWER,
            ),
            MonitorSensorEntityDescription(
                key="solar_energy",
                translation_key="monitor_solar_energy",
                value_fn=_total_fn("solar_energy_kwh", 3),
                **_ENERGY,
            ),
        ]
    if LoadKind.BATTERY in kinds:
        descriptions.append(
            MonitorSensorEntityDescription(
                key="battery_power",
                translation_key="monitor_battery_power",
                value_fn=_total_fn("battery_power_w", 0),
                **_POWER,
            )
        )
    factories: EntityFactories = {
        d.key: _factory(MonitorSensor, hub, d, device) for d in descriptions
    }
    if LoadKind.GRID in kinds:
        always_on = MonitorSensorEntityDescription(
            key="always_on",
            translation_key="monitor_always_on",
            value_fn=lambda hub: _r(hub.baseload.value(), 0),
            realtime=False,
            **_POWER,
        )
        factories[always_on.key] = _factory(AlwaysOnSensor, hub, always_on, device)
    return factories


def _counter_fn(serial: str, number: int, ppu: float | None, digits: int) -> ValueFn:
    def value(hub: MonitorHub) -> float | None:
        current = hub.input_values.get(serial, {}).get(number)
        if current is None or current.pulses is None:
            return None
        return _r(current.pulses / ppu, digits) if ppu else current.pulses

    return value


def _input_entities(hub: MonitorHub) -> EntityFactories:
    factories: EntityFactories = {}
    for module in (hub.input_modules or {}).values():
        device = input_module_device(hub, module)
        for channel in module.inputs:
            if not channel.pulse:
                continue
            ppu, unit = pulse_setting(dict(hub.entry.options), module, channel)
            device_class, native_unit, digits = PULSE_UNITS[unit]
            description = MonitorSensorEntityDescription(
                key=f"input_{module.serial_number}_{channel.input}_{unit}",
                name=channel.name,
                device_class=device_class,
                native_unit_of_measurement=native_unit,
                state_class=SensorStateClass.TOTAL_INCREASING,
                suggested_display_precision=digits,
                value_fn=_counter_fn(module.serial_number, channel.input, ppu, digits),
                realtime=False,
            )
            factories[description.key] = _factory(MonitorSensor, hub, description, device)
    return factories


def build_sensors(hub: MonitorHub) -> EntityFactories:
    """Every sensor the gateway's current configuration calls for."""
    factories = _gateway_entities(hub)
    for load in hub.layout.loads if hub.layout else ():
        factories.update(_load_entities(hub, load))
    factories.update(_input_entities(hub))
    return factories


def _factory(
    cls: type[MonitorSensor],
    hub: MonitorHub,
    description: MonitorSensorEntityDescription,
    device: Any,
) -> Callable[[], Entity]:
    return lambda: cls(hub, description, device)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MonitorConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Create the sensors the gateway's configuration calls for, now and on every change."""
    entry.runtime_data.hub.async_register_platform(
        Platform.SENSOR, async_add_entities, build_sensors
    )


class MonitorSensor(MonitorEntity, SensorEntity):
    """A value of the gateway."""

    entity_description: MonitorSensorEntityDescription

    def _compute(self) -> Any:
        description = self.entity_description
        available = self.hub.fresh or not description.realtime
        value = description.value_fn(self.hub) if available else None
        self._attr_available = available
        self._attr_native_value = value
        return available, value


class AlwaysOnSensor(MonitorSensor, RestoreEntity):
    """Always-on power; its consumption history survives restarts."""

    async def async_added_to_hass(self) -> None:
        """Take back the history before the first state."""
        if (last := await self.async_get_last_extra_data()) is not None:
            self.hub.baseload.restore(last.as_dict(), self.hub.wall_clock())
        await super().async_added_to_hass()

    @property
    def extra_restore_state_data(self) -> ExtraStoredData:
        """The 5-minute averages of the window."""
        return RestoredExtraData(self.hub.baseload.export())
