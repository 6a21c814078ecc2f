"""Builders that keep the control-core tests short."""

from __future__ import annotations

from custom_components.gridmate.control import (
    ChargerConfig,
    ChargerState,
    Controller,
    MeterReading,
    Settings,
    StepInput,
    StepResult,
)
from custom_components.gridmate.control.model import PhaseCurrents

V = 230.0


def charger(charger_id: str = "ev", **kw: object) -> ChargerConfig:
    """A charger config with test defaults (6-16 A, 1 A resolution, 3 phases)."""
    return ChargerConfig(charger_id=charger_id, **kw)  # type: ignore[arg-type]


def state(
    charger_id: str = "ev",
    *,
    connected: bool = True,
    current: float = 0.0,
    phases: int = 3,
) -> ChargerState:
    """A charger state drawing ``current`` on ``phases`` phases."""
    actual = (current, current if phases == 3 else 0.0, current if phases == 3 else 0.0)
    return ChargerState(
        charger_id=charger_id,
        connected=connected,
        charging=current > 0,
        phases_in_use=phases,
        actual_currents=actual,
    )


def step(
    ctrl: Controller,
    now: float,
    mains: PhaseCurrents,
    *states: ChargerState,
    mains_age: float = 0.0,
    **kw: object,
) -> StepResult:
    """Step with a mains reading taken ``mains_age`` seconds ago."""
    return ctrl.step(
        StepInput(
            now=now,
            mains=MeterReading(currents=mains, timestamp=now - mains_age),
            chargers=states or (state(),),
            **kw,  # type: ignore[arg-type]
        )
    )


def controller(**kw: object) -> Controller:
    """A controller with one default charger unless ``chargers`` is given."""
    kw.setdefault("chargers", (charger(),))
    return Controller(Settings(**kw))  # type: ignore[arg-type]


def solar_mains(surplus_sum: float, ev_current: float = 0.0, ev_phases: int = 3) -> PhaseCurrents:
    """Mains currents when the house exports ``surplus_sum`` A (sum of phases) without the EV
    and the EV draws ``ev_current`` on ``ev_phases`` phases (spread evenly)."""
    per = -surplus_sum / 3
    ev = [ev_current, ev_current if ev_phases == 3 else 0.0, ev_current if ev_phases == 3 else 0.0]
    return (per + ev[0], per + ev[1], per + ev[2])
