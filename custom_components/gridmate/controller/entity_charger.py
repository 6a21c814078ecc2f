"""A charger made of another integration's entities (Easee, Wallbox, Alfen, OCPP, ...).

The current limit is a `number` (or `input_number`) entity driven through its `set_value`
action; an optional switch starts and stops charging; optional sensors tell whether a car is
plugged in, whether it charges, how much current it draws (one sensor, or one per phase) and
an energy counter. Pausing needs either the switch or a number that accepts 0 A: the flow
refuses a charger that cannot be paused, because the failsafe may have to stop it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import math
import time

from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_UNIT_OF_MEASUREMENT,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant, State, callback, split_entity_id
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
import probatio as vol

from ..devices.chargers.contract import (
    ChargerCapabilities,
    ChargerNotSupportedError,
    ChargerRejectedError,
    ChargerStatus,
    ChargerUnreachableError,
)
from .config import ChargerEntryConfig
from .const import COMMAND_TIMEOUT_S

_CHARGING_A = 1.0  # a phase drawing this much means the car charges
_ENERGY_TO_WH = {"Wh": 1.0, "kWh": 1000.0, "MWh": 1_000_000.0}
_CURRENT_TO_A = {"A": 1.0, "mA": 0.001}
LIMIT_DOMAINS = ("number", "input_number")


def number_range(state: State | None) -> tuple[float, float, float] | None:
    """(min, max, step) of a number entity, or None when it does not say."""
    if state is None:
        return None
    try:
        low = float(state.attributes["min"])
        high = float(state.attributes["max"])
        step = float(state.attributes.get("step", 1.0))
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(step)) or step <= 0:
        return None
    return low, high, step


def _value(state: State | None, factors: dict[str, float] | None = None) -> float | None:
    if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        return None
    try:
        value = float(state.state)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    if factors is None:
        return value
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    if not unit:
        return value
    factor = factors.get(str(unit))
    return None if factor is None else value * factor


def _on(state: State | None) -> bool | None:
    if state is None or state.state not in (STATE_ON, STATE_OFF):
        return None
    return state.state == STATE_ON


class EntityCharger:
    """The `Charger` contract over another integration's entities."""

    def __init__(self, hass: HomeAssistant, config: ChargerEntryConfig) -> None:
        """Describe the charger; `async_start` begins tracking its entities."""
        assert config.number is not None
        self._hass = hass
        self._config = config
        self._number = config.number
        self._listeners: list[Callable[[], None]] = []
        self._unsub: list[Callable[[], None]] = []
        self._commanded: float | None = None

    @property
    def capabilities(self) -> ChargerCapabilities:
        """Configured range, the number's step, start/stop when there is a switch."""
        rng = number_range(self._hass.states.get(self._number))
        step = rng[2] if rng else 1.0
        return ChargerCapabilities(
            min_current=self._config.min_current,
            max_current=self._config.max_current,
            current_step=step,
            phases=self._config.phases,
            can_switch_phases=False,
            remote_current_limit=True,
            can_start_stop=self._config.switch is not None,
            limit_valid_s=None,
        )

    @property
    def status(self) -> ChargerStatus | None:
        """What the entities say; None while the limit entity is missing or unavailable."""
        states = self._hass.states
        number = states.get(self._number)
        if number is None or number.state == STATE_UNAVAILABLE:
            return None
        limit = _value(number)
        switch_on = _on(states.get(self._config.switch)) if self._config.switch else None
        if switch_on is False:
            limit = 0.0
        currents: list[float | None] = [None, None, None]
        for index, entity_id in enumerate(self._config.currents):
            currents[index] = _value(states.get(entity_id), _CURRENT_TO_A)
        if len(self._config.currents) == 1 and currents[0] is not None:
            # one sensor on a three-phase charger: the car draws it on each phase in use
            if self._config.phases == 3:
                currents = [currents[0], currents[0], currents[0]]
            else:
                currents = [currents[0], 0.0, 0.0]
        connected = True
        if self._config.connected:
            plugged = _on(states.get(self._config.connected))
            connected = plugged is not False
        charging = _on(states.get(self._config.charging)) if self._config.charging else None
        measured = [c for c in currents if c is not None]
        if charging is None and measured:
            charging = max(measured) >= _CHARGING_A
        energy = (
            _value(states.get(self._config.energy), _ENERGY_TO_WH) if self._config.energy else None
        )
        phases_in_use = None
        if measured and len(self._config.currents) == 3 and charging:
            phases_in_use = sum(1 for c in measured if c >= _CHARGING_A) or None
        return ChargerStatus(
            measured_at=self._measured_at(),
            connected=connected,
            charging=charging,
            paused=None if limit is None else limit <= 0,
            currents=(currents[0], currents[1], currents[2]),
            total_energy_wh=energy,
            phases_in_use=phases_in_use,
            current_limit=limit,
        )

    def _measured_at(self) -> float | None:
        """When the oldest current sensor last reported, on the monotonic clock."""
        reported = [
            state.last_reported_timestamp
            for entity_id in self._config.currents
            if (state := self._hass.states.get(entity_id)) is not None
        ]
        if not reported:
            return None
        return time.monotonic() - max(0.0, time.time() - min(reported))

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever one of the charger's entities reports."""
        self._listeners.append(listener)
        if not self._unsub:
            ids = list(self._config.entity_ids)
            self._unsub = [
                async_track_state_change_event(self._hass, ids, self._changed),
                async_track_state_report_event(self._hass, ids, self._changed),
            ]

        @callback
        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)
            if not self._listeners:
                for unsub in self._unsub:
                    unsub()
                self._unsub = []

        return remove

    @callback
    def _changed(self, _event: object) -> None:
        for listener in list(self._listeners):
            listener()

    async def set_current_limit(self, amps: float) -> None:
        """Set the number (and the switch); 0 pauses (switch off, or 0 A)."""
        number = self._hass.states.get(self._number)
        if number is None or number.state == STATE_UNAVAILABLE:
            raise ChargerUnreachableError(f"{self._number} is unavailable")
        if amps <= 0:
            if self._config.switch:
                await self._call(
                    split_entity_id(self._config.switch)[0], SERVICE_TURN_OFF, self._config.switch
                )
                return
            await self._set_number(0.0)
            return
        rng = number_range(number)
        if rng is not None and not rng[0] <= amps <= rng[1]:
            raise ChargerRejectedError(
                f"{amps} A is outside {self._number}'s range {rng[0]}..{rng[1]}"
            )
        await self._set_number(amps)
        if self._config.switch and _on(self._hass.states.get(self._config.switch)) is not True:
            await self._call(
                split_entity_id(self._config.switch)[0], SERVICE_TURN_ON, self._config.switch
            )

    async def _set_number(self, amps: float) -> None:
        await self._call(
            split_entity_id(self._number)[0], "set_value", self._number, {"value": amps}
        )
        self._commanded = amps

    async def _call(
        self,
        domain: str,
        service: str,
        entity_id: str,
        data: dict[str, float] | None = None,
    ) -> None:
        state = self._hass.states.get(entity_id)
        if state is None or state.state == STATE_UNAVAILABLE:
            raise ChargerUnreachableError(f"{entity_id} is unavailable")
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT_S):
                await self._hass.services.async_call(
                    domain,
                    service,
                    {ATTR_ENTITY_ID: entity_id, **(data or {})},
                    blocking=True,
                )
        except TimeoutError as err:
            raise ChargerUnreachableError(f"{domain}.{service} on {entity_id} timed out") from err
        except (HomeAssistantError, vol.Invalid, ValueError) as err:
            raise ChargerRejectedError(f"{domain}.{service} on {entity_id}: {err}") from err

    async def set_phases(self, phases: int) -> None:
        """Entity chargers cannot switch phases."""
        raise ChargerNotSupportedError("an entity charger cannot switch phases")

    async def start(self) -> None:
        """Turn the switch on."""
        if not self._config.switch:
            raise ChargerNotSupportedError("no switch configured")
        await self._call(
            split_entity_id(self._config.switch)[0], SERVICE_TURN_ON, self._config.switch
        )

    async def stop(self) -> None:
        """Turn the switch off."""
        if not self._config.switch:
            raise ChargerNotSupportedError("no switch configured")
        await self._call(
            split_entity_id(self._config.switch)[0], SERVICE_TURN_OFF, self._config.switch
        )
