"""What an Infinity gateway tells, decoded: immutable values the parser builds."""

from __future__ import annotations

from dataclasses import dataclass, field

from .schema import LoadKind, Variant


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """The gateway's identity (`config` topic)."""

    service_location_uuid: str
    serial_number: str | None = None
    service_location_id: int | None = None
    device_uuid: str | None = None
    firmware_version: str | None = None
    aggregation_period_s: int | None = None
    timezone: str | None = None

    @property
    def identity(self) -> str:
        """What identifies the gateway across service locations: its serial, else a uuid."""
        return self.serial_number or self.device_uuid or self.service_location_uuid


@dataclass(frozen=True, slots=True)
class Channel:
    """One measuring point (a CT input) as configured."""

    index: int  # ctInput or publishIndex: how realtime values find it
    name: str
    phase: int | None  # from 0; None = not in the config (realtime phaseId tells)
    reversed: bool | None = None


@dataclass(frozen=True, slots=True)
class Load:
    """Channels that measure one thing: the grid, a solar inverter, a heat pump."""

    key: str  # stable: "load_<lowest index>"
    name: str
    kind: LoadKind
    channels: tuple[Channel, ...]

    @property
    def multi_phase(self) -> bool:
        """Whether the load has more than one channel (a 3-phase load, or a 2-phase one)."""
        return len(self.channels) > 1

    @property
    def indexes(self) -> tuple[int, ...]:
        """The channel indexes of the load."""
        return tuple(channel.index for channel in self.channels)


@dataclass(frozen=True, slots=True)
class ChannelLayout:
    """Which input is which load (`channelConfig` or `channelConfigV2`)."""

    variant: Variant
    loads: tuple[Load, ...]
    measuring_points: int  # every configured input, used or not
    phase_type: str | None = None
    skipped: tuple[str, ...] = ()  # entries that could not be read, for diagnostics

    def load(self, key: str) -> Load | None:
        """The load with this key."""
        return next((load for load in self.loads if load.key == key), None)

    def channel_load(self) -> dict[int, Load]:
        """Load of each channel index."""
        return {channel.index: load for load in self.loads for channel in load.channels}


@dataclass(frozen=True, slots=True)
class ChannelReading:
    """One channel of a realtime message, in W, A, kWh. None = missing or implausible."""

    index: int
    phase: int | None
    power_w: float | None
    current_a: float | None
    import_kwh: float | None
    export_kwh: float | None


@dataclass(frozen=True, slots=True)
class Realtime:
    """One realtime message."""

    variant: Variant | None  # None when no channel carried an index
    channels: dict[int, ChannelReading]
    voltages: dict[int, float | None]  # phase from 0 -> V
    total_power_w: float | None = None
    total_reactive_var: float | None = None
    total_import_kwh: float | None = None
    total_export_kwh: float | None = None
    utc_ms: int | None = None
    monitor_status: int | None = None
    skipped: int = 0  # channel entries that could not be read


@dataclass(frozen=True, slots=True)
class OutputRelay:
    """One relay of an Output module (`homeControlConfig.outputModules[]`)."""

    node_id: int
    name: str
    module_serial: str | None
    output: int  # 1 or 2


@dataclass(frozen=True, slots=True)
class InputChannel:
    """One input of an Input module."""

    input: int  # from 0
    name: str
    pulse: bool  # pulse counter; False = status (contact open/closed)
    ppu: float | None = None  # pulses per unit, when the gateway tells
    uom: str | None = None


@dataclass(frozen=True, slots=True)
class InputModule:
    """An Input module on the B-bus (4 inputs)."""

    serial_number: str
    name: str
    inputs: tuple[InputChannel, ...]


@dataclass(frozen=True, slots=True)
class InputValue:
    """The live value of one input."""

    on: bool | None
    pulses: int | None


@dataclass(frozen=True, slots=True)
class RelayState:
    """A relay's state as the gateway reported it."""

    node_id: int
    on: bool
    since_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Aggregated:
    """The gateway's 5-minute summary (only what Gridmate uses)."""

    end_ms: int | None
    always_on_w: float | None
    voltages: tuple[float | None, ...] = field(default_factory=tuple)
