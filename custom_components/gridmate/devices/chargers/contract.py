"""What every charger driver offers the controller and the entities, whatever its protocol.

A driver (SmartEVSE over REST/MQTT, an OCPP charge point, a charger made of another
integration's entities) describes what it can do (`ChargerCapabilities`), reports what it is
doing (`ChargerStatus`, pushed to listeners whenever it changes or is refreshed) and accepts
four commands. Failures are typed so callers can tell "try again later" (unreachable) from
"the charger said no" (rejected) from "this charger cannot do that" (not supported).

Currents are amperes per phase; energies Wh; powers W. No Home Assistant imports here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
from typing import Protocol

type PhaseValues = tuple[float | None, float | None, float | None]


class ChargerError(Exception):
    """A charger command or poll failed."""


class ChargerUnreachableError(ChargerError):
    """No answer (connection refused, timeout, busy device): the command may not have applied."""


class ChargerRejectedError(ChargerError):
    """The charger answered and refused the command (bad value, wrong state, not authorised)."""


class ChargerNotSupportedError(ChargerError):
    """This charger (or its configuration) has no such command."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerCapabilities:
    """What a charger can do; the controller never asks for more."""

    min_current: float = 6.0  # IEC 61851: below 6 A a car will not charge
    max_current: float = 16.0  # the lower of the charger's rating and its wiring/cable limit
    current_step: float = 1.0  # 1 A, or 0.1 A for chargers with finer control
    phases: int = 3  # phases wired to the charger: 1 or 3
    can_switch_phases: bool = False  # 1-phase/3-phase switching (SmartEVSE C2 contactor)
    remote_current_limit: bool = True  # accepts a current limit from outside
    can_start_stop: bool = True  # accepts start and stop/pause
    # How long a limit stays in force without being sent again; None = until changed. After
    # this the charger falls back on its own (SmartEVSE: 11 s without mains data).
    limit_valid_s: float | None = None

    def __post_init__(self) -> None:
        """Reject impossible capabilities early (they come from user config too)."""
        if self.phases not in (1, 3):
            raise ValueError("a charger has 1 or 3 phases")
        if not 0 < self.min_current <= self.max_current:
            raise ValueError("minimum current must be above 0 and not above the maximum")
        if self.current_step <= 0:
            raise ValueError("current step must be positive")

    def allowed_limit(self, amps: float) -> float:
        """The highest limit this charger accepts that is not above `amps`.

        Rounded down to the charger's step and capped at its maximum; below the minimum the
        answer is 0 (pause): a charger must never get more than asked, only less.
        """
        if not math.isfinite(amps) or amps < self.min_current:
            return 0.0
        capped = min(amps, self.max_current)
        steps = math.floor(capped / self.current_step + 1e-9)
        return round(steps * self.current_step, 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerStatus:
    """One snapshot of a charger; None = unknown (the charger does not say, or not yet)."""

    connected: bool | None = None  # a vehicle is plugged in
    charging: bool | None = None  # current is flowing
    paused: bool | None = None  # plugged in, allowed to stop by us or the charger
    error_code: str | None = None  # None = no error
    error_text: str | None = None
    currents: PhaseValues = (None, None, None)  # measured per phase, A
    power_w: float | None = None
    session_energy_wh: float | None = None
    total_energy_wh: float | None = None
    phases_in_use: int | None = None
    current_limit: float | None = None  # the limit in force on the charger, A
    # time.monotonic() when this snapshot was read from the charger: lets the controller tell a
    # steady charger from a silent one (listeners also fire on unchanged refreshes).
    measured_at: float | None = None


class Charger(Protocol):
    """The driver side of a charger, as the controller and entities use it."""

    @property
    def capabilities(self) -> ChargerCapabilities:
        """What this charger can do."""

    @property
    def status(self) -> ChargerStatus | None:
        """The last known status; None before the first or after a failed poll."""

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever the status is refreshed; returns the remover."""

    async def set_current_limit(self, amps: float) -> None:
        """Limit the charge current per phase; 0 pauses. Raises ChargerError subclasses."""

    async def set_phases(self, phases: int) -> None:
        """Charge on 1 or 3 phases (ChargerNotSupportedError without switching)."""

    async def start(self) -> None:
        """Allow charging (resume after a stop)."""

    async def stop(self) -> None:
        """Stop or pause charging."""
