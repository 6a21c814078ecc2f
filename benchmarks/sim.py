"""What the solar-day harness shows a controller, and the controllers it can drive.

Every controller (Gridmate's core and the two baselines) sees the same ``Observation`` on
every meter update and answers with a target current and a phase count. The charger model
in the harness does the rest (response delay, phase switching sequence, battery full).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from custom_components.gridmate.control import (
    ChargeMode,
    ChargerConfig,
    ChargerState,
    Controller,
    MeterReading,
    PhaseMode,
    Settings,
    StepInput,
)

type Phases3 = tuple[float, float, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One meter update as a controller sees it."""

    now: float
    mains: Phases3  # A per phase, + = import, as measured at ``now``
    ev_connected: bool
    ev_charging: bool
    ev_currents: Phases3  # charger L1..L3, measured at ``now``
    ev_phases: int  # phases the charger has switched in


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """Installation and car as given on the command line."""

    mode: str = "solar"
    fuse: float = 25.0
    ev_min: float = 6.0
    ev_max: float = 16.0
    ev_phases: int = 3
    phase_switching: bool = False
    voltage: float = 230.0
    resolution: float = 0.1


class BenchController(Protocol):
    """A controller the harness can step."""

    name: str

    def step(self, obs: Observation) -> tuple[float, int]:
        """Target current (0 = stop) and phase count for the charger."""
        ...


_MODES = {
    "fast": ChargeMode.FAST,
    "smart": ChargeMode.SMART,
    "solar": ChargeMode.SOLAR,
    "min_solar": ChargeMode.MIN_SOLAR,
}


class GridmateBench:
    """Gridmate's control core behind the harness interface, with default settings."""

    name = "gridmate"

    def __init__(self, site: SiteConfig) -> None:
        charger = ChargerConfig(
            charger_id="ev",
            min_current=site.ev_min,
            max_current=site.ev_max,
            resolution=site.resolution,
            phases=site.ev_phases,
            can_switch_phases=site.phase_switching and site.ev_phases == 3,
            phase_mode=PhaseMode.AUTO,
        )
        self.controller = Controller(
            Settings(
                mode=_MODES[site.mode],
                voltage=site.voltage,
                max_mains=site.fuse,
                chargers=(charger,),
            )
        )

    def step(self, obs: Observation) -> tuple[float, int]:
        """Translate the observation into a core step."""
        result = self.controller.step(
            StepInput(
                now=obs.now,
                mains=MeterReading(currents=obs.mains, timestamp=obs.now),
                chargers=(
                    ChargerState(
                        charger_id="ev",
                        connected=obs.ev_connected,
                        charging=obs.ev_charging,
                        phases_in_use=obs.ev_phases,
                        actual_currents=obs.ev_currents,
                    ),
                ),
            )
        )
        cmd = result.commands[0]
        return cmd.current, cmd.phases


def make_controller(name: str, site: SiteConfig) -> BenchController:
    """Build a controller by its command-line name."""
    if name == "gridmate":
        return GridmateBench(site)
    if name == "evcc":
        from benchmarks.baselines.evcc import EvccBaseline

        return EvccBaseline(site)
    if name == "smartevse":
        from benchmarks.baselines.smartevse import SmartEvseBaseline

        return SmartEvseBaseline(site)
    raise ValueError(f"unknown controller {name!r}")
