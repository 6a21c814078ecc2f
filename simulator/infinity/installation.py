"""A realistic Infinity installation and its electrical behaviour over a day.

Power Box on 3x400 V+N, four CT Hubs (16 measuring points): 3-phase grid, 3-phase solar,
3-phase heat pump, 3-phase EV charger (11 kW), kitchen on L1, washing machine on L2; one Input
module (gas pulse meter on input 1, a door contact on input 2) and one Output module with two
relays. Values follow the time of day deterministically (no randomness), so tests can reason
about them.

Units are the gateway's own, written here from the public sources (not from Gridmate's table):
power in W, current in 0.1 A, energy counters in J, voltage in V, phases counted from 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math


@dataclass(slots=True)
class SimChannel:
    """One CT input."""

    ct_input: int
    publish_index: int
    name: str
    phase: int  # configured phase, from 0
    load: str  # which SimLoad it belongs to
    import_j: float = 0.0
    export_j: float = 0.0
    reversed_wiring: bool = False  # CT arrow the wrong way round (not corrected in config)
    actual_phase: int | None = None  # the conductor really clamped, when not `phase`


@dataclass(slots=True)
class SimLoad:
    """A load as the Smappee app configures it."""

    key: str
    name: str
    # V1 channelConfig: inputChannelType / inputChannelConnection; V2: flow / connectionType
    flow: str  # CONSUMPTION | PRODUCTION | STORAGE
    connection: str  # GRID | SUBMETER
    phases: tuple[int, ...]
    pf: float = 0.97  # power factor of the load


@dataclass(slots=True)
class InputSpec:
    """One Input module input."""

    input: int
    name: str
    type: str  # PULSE | STATUS
    ppu: float | None = None
    uom: str | None = None


@dataclass(slots=True)
class Installation:
    """Loads, CT inputs, modules."""

    loads: list[SimLoad]
    channels: list[SimChannel]
    extra_unused_points: int = 0  # CT Hub inputs configured but unused
    input_module_serial: str = "5400000111"
    inputs: list[InputSpec] = field(default_factory=list)
    output_module_serial: str = "5500000222"
    relays: dict[int, str] = field(default_factory=dict)  # nodeId -> name
    gas_pulses: float = 123_456.0
    door_closed: bool = True

    def load(self, key: str) -> SimLoad:
        """The load with this key."""
        return next(load for load in self.loads if load.key == key)

    def channels_of(self, key: str) -> list[SimChannel]:
        """The channels of a load."""
        return [channel for channel in self.channels if channel.load == key]

    def add_load(self, load: SimLoad) -> None:
        """Add a load on the next free CT inputs (one per phase)."""
        self.loads.append(load)
        next_ct = max((c.ct_input for c in self.channels), default=-1) + 1
        next_pi = max((c.publish_index for c in self.channels), default=-1) + 1
        for offset, phase in enumerate(load.phases):
            suffix = f" - Phase {phase + 1}" if len(load.phases) > 1 else ""
            self.channels.append(
                SimChannel(
                    next_ct + offset, next_pi + offset, f"{load.name}{suffix}", phase, load.key
                )
            )

    def remove_load(self, key: str) -> None:
        """Remove a load and its channels."""
        self.loads = [load for load in self.loads if load.key != key]
        self.channels = [channel for channel in self.channels if channel.load != key]


def default_installation() -> Installation:
    """The installation of the issue: grid, solar, heat pump, EV, two 1-phase loads, modules."""
    inst = Installation(loads=[], channels=[])
    for load in (
        SimLoad("grid", "Grid", "CONSUMPTION", "GRID", (0, 1, 2)),
        SimLoad("solar", "Solar", "PRODUCTION", "GRID", (0, 1, 2), pf=1.0),
        SimLoad("heat_pump", "Heat pump", "CONSUMPTION", "SUBMETER", (0, 1, 2), pf=0.9),
        SimLoad("ev", "EV charger", "CONSUMPTION", "SUBMETER", (0, 1, 2), pf=0.99),
        SimLoad("kitchen", "Kitchen", "CONSUMPTION", "SUBMETER", (0,), pf=0.95),
        SimLoad("washer", "Washing machine", "CONSUMPTION", "SUBMETER", (1,), pf=0.8),
    ):
        inst.add_load(load)
    inst.extra_unused_points = 2  # four CT Hubs, 14 inputs used
    # Newer firmware numbers its published channels by measurement, not by CT input: make the
    # two numberings differ so a parser that mixes them up is caught.
    for channel in inst.channels:
        channel.publish_index = (channel.ct_input + 3) % len(inst.channels)
    inst.inputs = [
        InputSpec(0, "Gas meter", "PULSE", ppu=100.0, uom="m3"),
        InputSpec(1, "Door contact", "STATUS"),
    ]
    inst.relays = {11: "Boiler", 12: "Garden pump"}
    for channel in inst.channels:  # counters of an installation that has been running a while
        channel.import_j = 3_600_000.0 * (1000 + 10 * channel.ct_input)
        channel.export_j = 3_600_000.0 * (5 if channel.load == "grid" else 0)
    return inst


def large_installation() -> Installation:
    """The default installation grown to the Power Box's limit: 28 measuring points in use.

    Adds a 3-phase air conditioner, sauna and pool pump and five 1-phase groups (seven CT Hubs).
    """
    inst = default_installation()
    for load in (
        SimLoad("aircon", "Air conditioning", "CONSUMPTION", "SUBMETER", (0, 1, 2), pf=0.9),
        SimLoad("sauna", "Sauna", "CONSUMPTION", "SUBMETER", (0, 1, 2), pf=1.0),
        SimLoad("pool", "Pool pump", "CONSUMPTION", "SUBMETER", (0, 1, 2), pf=0.85),
        SimLoad("office", "Office", "CONSUMPTION", "SUBMETER", (0,)),
        SimLoad("garage", "Garage", "CONSUMPTION", "SUBMETER", (1,)),
        SimLoad("dryer", "Tumble dryer", "CONSUMPTION", "SUBMETER", (2,)),
        SimLoad("fridge", "Fridge", "CONSUMPTION", "SUBMETER", (0,)),
        SimLoad("lights", "Lighting", "CONSUMPTION", "SUBMETER", (1,)),
    ):
        inst.add_load(load)
    inst.extra_unused_points = 0
    for channel in inst.channels:
        channel.publish_index = (channel.ct_input + 3) % len(inst.channels)
    return inst


def load_power(key: str, hour: float) -> float:
    """Total true power (W) of a non-grid load at an hour of the day."""
    if key == "solar":  # a 6 kWp array: clear-sky bell between 7 h and 19 h
        return max(0.0, 6000.0 * math.sin(math.pi * (hour - 7) / 12)) if 7 < hour < 19 else 0.0
    if key == "heat_pump":
        return 2400.0 if int(hour * 4) % 3 != 0 else 300.0  # cycling
    if key == "ev":
        return 11_000.0 if 11 <= hour < 14 else 0.0
    if key == "kitchen":
        return 1800.0 if 12 <= hour < 12.5 else 120.0
    if key == "washer":
        return 2000.0 if 10 <= hour < 11 else 5.0
    return 400.0  # anything else added at runtime


def voltage(phase: int, hour: float) -> float:
    """Phase voltage (V), a little different per phase and over the day."""
    return 230.0 + 2.0 * math.sin(hour / 24 * 2 * math.pi + phase) + phase * 0.5
