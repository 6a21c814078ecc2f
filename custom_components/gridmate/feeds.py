"""Mains feeds: per-phase grid currents from any source, for the controller and charger feeding.

A feed is where "the current on each phase of the main fuse right now" comes from: a Gridmate
entry that measures the grid (Smart Connect, a Modbus meter with role mains, a monitor's grid
load) or three sensors of any other Home Assistant integration (DSMR, HomeWizard, Shelly, ...).
Consumers never poll a feed: they subscribe and are called on every new sample, including a
sample whose values did not change, so a steady meter is never mistaken for a silent one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import math
import time
from typing import Protocol

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
)
from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)

type PhaseValues = tuple[float | None, float | None, float | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class MainsSample:
    """One reading of the grid connection.

    Currents are amperes per installation phase (L1, L2, L3), signed: + = import from the grid,
    - = export. None means that phase is unknown right now. `measured_at` is `time.monotonic()`
    when Home Assistant received the values, so consumers can judge staleness on one clock.
    """

    currents: PhaseValues
    measured_at: float
    power_w: float | None = None

    @property
    def complete(self) -> bool:
        """Whether every phase current is known."""
        return all(current is not None for current in self.currents)


class MainsFeed(Protocol):
    """What the controller and the charger mains-feeding need from a grid meter."""

    @property
    def name(self) -> str:
        """A human name for logs and repair issues (the entry title or entity names)."""

    def latest(self) -> MainsSample | None:
        """The newest sample, or None when the source has none (yet, or any more)."""

    def subscribe(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` on every new sample (and when the source becomes unavailable)."""


def signed_current(current: float | None, power: float | None) -> float | None:
    """A current with the sign of its phase's active power.

    Most meters report currents unsigned; the direction is only in the power.
    """
    if current is None:
        return None
    if power is not None and power < 0:
        return -abs(current)
    if power is not None:
        return abs(current)
    return current


def _number(state: State | None) -> float | None:
    """A sensor state as a finite float, or None for unknown/unavailable/garbage."""
    if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_POWER_TO_W: dict[str, float] = {
    UnitOfPower.WATT: 1.0,
    UnitOfPower.KILO_WATT: 1000.0,
    UnitOfPower.MEGA_WATT: 1_000_000.0,
}
_CURRENT_TO_A: dict[str, float] = {
    UnitOfElectricCurrent.AMPERE: 1.0,
    UnitOfElectricCurrent.MILLIAMPERE: 0.001,
}


_VOLTAGE_TO_V: dict[str, float] = {
    UnitOfElectricPotential.VOLT: 1.0,
    UnitOfElectricPotential.MILLIVOLT: 0.001,
    UnitOfElectricPotential.KILOVOLT: 1000.0,
}


def _scaled(state: State | None, factors: dict[str, float]) -> float | None:
    """A numeric state converted to the base unit (W, A, V) by its unit of measurement.

    A sensor without a unit is taken to be in the base unit; a unit that is not one of
    `factors` (a percentage, kVA, ...) gives None: a wrong number is worse than none.
    """
    value = _number(state)
    if value is None or state is None:
        return None
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if unit is None or unit == "":
        return value
    factor = factors.get(str(unit))
    return None if factor is None else value * factor


class EntityMainsFeed:
    """A mains feed made of other integrations' sensors.

    Either current sensors (one for a single-phase installation, or three; signed, or unsigned
    with one power sensor per phase giving the sign), or power sensors (one or three) plus a
    voltage (fixed, one sensor, or one per phase), from which currents are derived as P / U.
    Unknown, unavailable or non-numeric inputs, and units that are not electrical, make that
    phase None.

    A sample is as old as the least recently reported sensor it is made of (voltage sensors
    excepted: they only scale): if one phase's sensor goes quiet while the others keep
    reporting, the sample ages and the consumer's staleness timeout fires. Sensors must
    therefore report every update, changed or not (most meter integrations do).
    """

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        current_entities: Sequence[str] = (),
        power_entities: Sequence[str] = (),
        voltage_entities: Sequence[str] = (),
        voltage: float = 230.0,
    ) -> None:
        """Describe the source; nothing is tracked until the first subscriber.

        Raises ValueError for a combination that cannot describe an installation.
        """
        if current_entities:
            if len(current_entities) not in (1, 3):
                raise ValueError("one or three current sensors")
            if power_entities and len(power_entities) != len(current_entities):
                raise ValueError("sign-giving power sensors must match the current sensors")
            if voltage_entities:
                raise ValueError("voltage sensors are only used with power sensors")
        else:
            if len(power_entities) not in (1, 3):
                raise ValueError("one or three current sensors, or one or three power sensors")
            if len(voltage_entities) not in (0, 1, len(power_entities)):
                raise ValueError("one voltage sensor, or one per power sensor")
        if not math.isfinite(voltage) or voltage <= 0:
            raise ValueError("voltage must be positive")
        ids = (*current_entities, *power_entities, *voltage_entities)
        if len(set(ids)) != len(ids):
            raise ValueError("each sensor may be used once")
        self._hass = hass
        self._currents = tuple(current_entities)
        self._powers = tuple(power_entities)
        self._voltages = tuple(voltage_entities)
        self._voltage = voltage
        self._listeners: list[Callable[[], None]] = []
        self._unsub: list[CALLBACK_TYPE] = []
        self._latest: MainsSample | None = None

    @property
    def name(self) -> str:
        """The entity ids, for logs and repairs."""
        return ", ".join(self._currents or self._powers)

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity this feed reads."""
        return self._currents + self._powers + self._voltages

    @property
    def _timed_entities(self) -> tuple[str, ...]:
        """The sensors whose reports make a sample fresh (voltages only scale)."""
        return self._currents + self._powers

    def latest(self) -> MainsSample | None:
        """The newest sample; None until one of the sensors reported."""
        return self._latest

    def subscribe(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Track the sensors (state changes and same-value reports) while anyone listens."""
        self._listeners.append(listener)
        if not self._unsub:
            ids = list(self.entity_ids)
            self._unsub = [
                async_track_state_change_event(self._hass, ids, self._on_event),
                async_track_state_report_event(self._hass, ids, self._on_event),
            ]
            # Seed from the current states, as old as their reports: a restart or a late
            # subscriber must not make old values look fresh.
            self._latest = self._sample() if self._any_state() else None

        @callback
        def remove() -> None:
            if listener not in self._listeners:
                return
            self._listeners.remove(listener)
            if not self._listeners:
                for unsub in self._unsub:
                    unsub()
                self._unsub = []

        return remove

    def _any_state(self) -> bool:
        return any(self._hass.states.get(entity_id) for entity_id in self.entity_ids)

    def _measured_at(self) -> float:
        """When the oldest of the timed sensors last reported, on the monotonic clock."""
        oldest: float | None = None
        for entity_id in self._timed_entities:
            state = self._hass.states.get(entity_id)
            if state is None:
                continue
            reported = state.last_reported_timestamp
            oldest = reported if oldest is None else min(oldest, reported)
        now_mono = time.monotonic()
        if oldest is None:
            return now_mono
        return now_mono - max(0.0, time.time() - oldest)

    @callback
    def _on_event(
        self, event: Event[EventStateChangedData] | Event[EventStateReportedData]
    ) -> None:
        self._latest = self._sample()
        for listener in list(self._listeners):
            listener()

    def _sample(self) -> MainsSample:
        states = self._hass.states
        powers = [_scaled(states.get(e), _POWER_TO_W) for e in self._powers]
        currents: list[float | None]
        if self._currents:
            currents = [_scaled(states.get(e), _CURRENT_TO_A) for e in self._currents]
            if powers:
                currents = [signed_current(c, p) for c, p in zip(currents, powers, strict=True)]
        else:
            voltages = [_scaled(states.get(e), _VOLTAGE_TO_V) for e in self._voltages]
            currents = []
            for index, power in enumerate(powers):
                voltage: float | None = self._voltage
                if voltages:
                    voltage = voltages[index if len(voltages) == len(powers) else 0]
                currents.append(
                    None if power is None or voltage is None or voltage <= 0 else power / voltage
                )
        if len(currents) == 1:
            # A single-phase installation: L1 only, the other phases carry nothing.
            currents = [currents[0], 0.0, 0.0]
        total = (
            sum(p for p in powers if p is not None)
            if powers and all(p is not None for p in powers)
            else None
        )
        return MainsSample(
            currents=(currents[0], currents[1], currents[2]),
            measured_at=self._measured_at(),
            power_w=total,
        )
