"""The solar / dynamic-load-management control core (pure Python, no Home Assistant).

Use::

    ctrl = Controller(Settings(mode=ChargeMode.SOLAR, max_mains=25,
                               chargers=(ChargerConfig(charger_id="garage"),)))
    result = ctrl.step(StepInput(
        now=time.time(),
        mains=MeterReading(currents=(l1, l2, l3), timestamp=reading_time),
        chargers=(ChargerState(charger_id="garage", connected=True, charging=True,
                               actual_currents=(i1, i2, i3)),),
    ))
    for cmd in result.commands:  # current (A, 0 = stop), phases (1/3), reason (+ limit_phase)
        ...

Contract for the caller (Home Assistant wiring):

- Step on every new mains reading and on a watchdog tick (e.g. every second). Between two
  readings pass the *same* last ``MeterReading`` (same values and timestamp): the core then
  keeps the charger draws that belong to that reading and ages it; older than
  ``Settings.stale_timeout_s`` (or ``mains=None``) means every charger gets at most the safe
  current. A circuit reading, when given, is held to the same timeout.
- ``now`` and all timestamps are seconds on one clock (epoch seconds in Home Assistant; the
  capacity-tariff quarter hours are aligned on multiples of 900 s of it). Pass ``local_time``
  for programmed mode.
- Give measured charger currents when the charger has them; without them the core assumes the
  smallest of its recent commands (safe side).
- Apply commands as given; they are never above a limit nor between 0 and the minimum. A phase
  change is only ever commanded while the charger reports no current.
- ``update_settings`` for every user change (select/number entities); timers, start counts
  and boost progress survive it. ``StepResult.boost_complete`` tells when to put the mode
  select back after a boost.
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
