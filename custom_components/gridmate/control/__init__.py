"""The solar / dynamic-load-management control core (pure Python, no Home Assistant).

Use: build ``Settings`` (with one ``ChargerConfig`` per charger), create a ``Controller``, and
call ``Controller.step(StepInput(...))`` on every mains update and on a watchdog tick. Apply
each ``ChargerCommand`` (current 0 = stop, phases 1/3) and show its ``Reason``.
"""

from .controller import Controller
from .model import (
    MAX_CHARGERS,
    BatteryReading,
    ChargeMode,
    ChargerCommand,
    ChargerConfig,
    ChargerState,
    MeterReading,
    PhaseCurrents,
    PhaseMode,
    ProgramAction,
    Reason,
    Settings,
    StepInput,
    StepResult,
    WeeklyProgram,
    WeekTime,
)

__all__ = [
    "MAX_CHARGERS",
    "BatteryReading",
    "ChargeMode",
    "ChargerCommand",
    "ChargerConfig",
    "ChargerState",
    "Controller",
    "MeterReading",
    "PhaseCurrents",
    "PhaseMode",
    "ProgramAction",
    "Reason",
    "Settings",
    "StepInput",
    "StepResult",
    "WeekTime",
    "WeeklyProgram",
]
