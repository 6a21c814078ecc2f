"""Typed inputs, settings and outputs of the control core.

Everything here is an immutable value (frozen, slotted dataclasses) so a step's inputs can be
logged, replayed and compared; the only mutable state lives inside the controller. Currents are
amperes, powers watts, times seconds on one monotonic time line chosen by the caller. Phase
tuples are always (L1, L2, L3) of the installation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

type PhaseCurrents = tuple[float, float, float]
"""Currents per installation phase (L1, L2, L3), amperes."""

MAX_CHARGERS: Final = 8
"""Power Share supports up to eight chargers on one mains supply; so do we."""

WEEK_S: Final = 7 * 86400
QUARTER_HOUR_S: Final = 900


class ChargeMode(StrEnum):
    """What the user asked for; values double as Home Assistant select options."""

    OFF = "off"
    FAST = "fast"
    SMART = "smart"
    SOLAR = "solar"
    MIN_SOLAR = "min_solar"
    GREEN = "green"
    BOOST = "boost"
    PROGRAMMED = "programmed"


class PhaseMode(StrEnum):
    """Phase choice for a charger that can switch 1/3 phases (SmartEVSE C2)."""

    AUTO = "auto"
    SINGLE = "single"
    THREE = "three"


class Reason(StrEnum):
    """Why a charger got its current. Snake-case values are Home Assistant translation keys.

    The phase a limit applies to is reported beside the reason (``limit_phase``) so one
    translation with a placeholder covers L1, L2 and L3.
    """

    DISCONNECTED = "disconnected"
    MODE_OFF = "mode_off"
    PROGRAM_OFF = "program_off"
    STALE_METER_DATA = "stale_meter_data"
    CHARGING = "charging"
    CHARGING_SOLAR = "charging_solar"
    CHARGING_MINIMUM = "charging_minimum"
    SOLAR_STOP_PENDING = "solar_stop_pending"
    BOOST = "boost"
    WAITING_FOR_SURPLUS = "waiting_for_surplus"
    START_PENDING = "start_pending"
    BATTERY_FIRST = "battery_first"
    WAITING_MIN_OFF_TIME = "waiting_min_off_time"
    SWITCHING_PHASES = "switching_phases"
    LIMITED_BY_MAIN_FUSE = "limited_by_main_fuse"
    LIMITED_BY_CIRCUIT = "limited_by_circuit"
    LIMITED_BY_SUM_LIMIT = "limited_by_sum_limit"
    LIMITED_BY_CAPACITY_CAP = "limited_by_capacity_cap"
    INSUFFICIENT_CURRENT = "insufficient_current"
    PAUSED_FOR_OTHER_CHARGER = "paused_for_other_charger"


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_phases(currents: PhaseCurrents, what: str) -> None:
    _check(len(currents) == 3, f"{what} needs three phase currents")


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReading:
    """Per-phase currents from one meter (signed, + = import) and when they were measured."""

    currents: PhaseCurrents
    timestamp: float

    def __post_init__(self) -> None:
        _check_phases(self.currents, "meter reading")


@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryReading:
    """Home battery AC current, summed over phases: + = charging, - = discharging."""

    current: float
    soc_pct: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekTime:
    """Local wall-clock position in the week, only needed by programmed mode."""

    weekday: int  # 0 = Monday
    second_of_day: float

    def __post_init__(self) -> None:
        _check(0 <= self.weekday <= 6, "weekday must be 0 (Monday) .. 6 (Sunday)")
        _check(0 <= self.second_of_day < 86400, "second_of_day must be within a day")

    @property
    def second_of_week(self) -> float:
        """Seconds since Monday 00:00."""
        return self.weekday * 86400 + self.second_of_day


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgramAction:
    """What a weekly program (or the default program) does while active."""

    mode: ChargeMode = ChargeMode.OFF
    max_current: float | None = None
    green_min_level_pct: float | None = None

    def __post_init__(self) -> None:
        _check(
            self.mode not in (ChargeMode.PROGRAMMED, ChargeMode.BOOST),
            "a program runs a plain mode, not programmed or boost",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklyProgram:
    """Infinergi-style program: active on some weekdays from a start time for a duration.

    A program may run past midnight (e.g. 22:00 for 8 h); a zero duration disables it.
    """

    days: frozenset[int]
    start_s: float
    duration_s: float
    action: ProgramAction

    def __post_init__(self) -> None:
        _check(all(0 <= d <= 6 for d in self.days), "program days must be 0..6")
        _check(0 <= self.start_s < 86400, "program start must be within a day")
        _check(0 <= self.duration_s <= WEEK_S, "program duration must be 0..one week")

    def active_at(self, when: WeekTime) -> bool:
        """True when ``when`` lies in one of this program's windows."""
        if self.duration_s <= 0:
            return False
        now = when.second_of_week
        return any(
            (now - (day * 86400 + self.start_s)) % WEEK_S < self.duration_s for day in self.days
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerConfig:
    """Capabilities and wiring of one charger.

    ``first_phase`` is the installation phase (0 = L1) wired to the charger's L1; a
    three-phase charger uses the two following phases in rotation. A charger that can switch
    phases (C2) drops to its L1 when running single-phase.
    """

    charger_id: str
    priority: int = 0  # higher goes first
    min_current: float = 6.0
    max_current: float = 16.0
    resolution: float = 1.0
    phases: int = 3
    first_phase: int = 0
    can_switch_phases: bool = False
    phase_mode: PhaseMode = PhaseMode.AUTO
    mode: ChargeMode | None = None  # per-charger override of Settings.mode

    def __post_init__(self) -> None:
        _check(bool(self.charger_id), "charger_id must not be empty")
        _check(self.min_current > 0, "min_current must be positive")
        _check(self.min_current <= self.max_current, "min_current must not exceed max_current")
        _check(self.resolution > 0, "resolution must be positive")
        _check(self.phases in (1, 3), "phases must be 1 or 3")
        _check(0 <= self.first_phase <= 2, "first_phase must be 0, 1 or 2")
        _check(
            not self.can_switch_phases or self.phases == 3,
            "only a three-phase charger can switch phases",
        )

    def mains_phases(self, phases: int) -> tuple[int, ...]:
        """Installation phases used when charging on ``phases`` phases."""
        return tuple((self.first_phase + k) % 3 for k in range(phases))


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the user can set. Replace it with ``Controller.update_settings``.

    Current thresholds that are about solar surplus (start current, allowed import) are sums
    over all phases, like SmartEVSE's START and IMPORT; fuse limits are per phase.

    Limits: ``max_mains`` (A per phase, MaxMains), ``max_circuit`` (A per phase; with a
    circuit reading it limits the sub-panel, without one the chargers' own sum, MaxCircuit),
    ``max_sum_mains`` (A, sum of the three phases), ``capacity_cap_w`` (15-minute average
    import power). Every mode obeys every limit; fast and boost jump to the room at once,
    smart raises gradually. Safety: ``stale_timeout_s`` (mains or circuit data older than
    this means ``safe_current``, A, 0 = stop).

    Solar family: ``start_current`` (A, surplus needed to start, never less than the minimum
    minus ``allowed_import``), ``start_delay_s`` (surplus held that long), ``stop_time_s``
    (import beyond ``allowed_import`` that long stops; 0 = at once, use min_solar for
    "never"), ``stop_import_share_pct`` (also stop when the grid share over the stop time
    exceeds it), ``max_import_share_pct`` over ``start_window_s`` (no start while the recent
    grid share a session would have had exceeds it), ``no_surplus_stop_s`` (stop after that
    long with no surplus at all). Green: ``green_min_level_pct``, ``min_export_w``. Boost:
    ``boost_energy_wh`` (0 = until the mode changes), then ``boost_fallback_mode``.
    Programmed: ``programs`` and ``default_program``. Battery: ``battery_first_soc_pct``.
    Contactor care: ``min_on_s``, ``min_off_s``. C2: ``phase_up_delay_s``,
    ``phase_down_delay_s``, ``phase_switch_interval_s`` (before going up again),
    ``phase_switch_pause_s`` (off time around a switch).
    """

    mode: ChargeMode = ChargeMode.SMART
    voltage: float = 230.0
    max_mains: float = 25.0
    max_circuit: float | None = None
    max_sum_mains: float | None = None
    capacity_cap_w: float | None = None
    stale_timeout_s: float = 10.0
    safe_current: float = 0.0
    start_current: float = 4.0
    start_delay_s: float = 60.0
    stop_time_s: float = 600.0
    allowed_import: float = 0.0
    stop_import_share_pct: float = 25.0
    max_import_share_pct: float = 15.0
    start_window_s: float = 300.0
    no_surplus_stop_s: float = 120.0
    green_min_level_pct: float = 100.0
    min_export_w: float = 0.0
    boost_energy_wh: float = 0.0
    boost_fallback_mode: ChargeMode = ChargeMode.SOLAR
    programs: tuple[WeeklyProgram, ...] = ()
    default_program: ProgramAction = field(default_factory=ProgramAction)
    battery_first_soc_pct: float | None = None
    min_on_s: float = 60.0
    min_off_s: float = 60.0
    phase_up_delay_s: float = 30.0
    phase_down_delay_s: float = 10.0
    phase_switch_interval_s: float = 90.0
    phase_switch_pause_s: float = 5.0
    chargers: tuple[ChargerConfig, ...] = ()

    def __post_init__(self) -> None:
        _check(self.voltage > 0, "voltage must be positive")
        _check(self.max_mains > 0, "max_mains must be positive")
        _check(self.max_circuit is None or self.max_circuit > 0, "max_circuit must be positive")
        _check(
            self.max_sum_mains is None or self.max_sum_mains > 0, "max_sum_mains must be positive"
        )
        _check(
            self.capacity_cap_w is None or self.capacity_cap_w > 0,
            "capacity_cap_w must be positive",
        )
        _check(self.stale_timeout_s > 0, "stale_timeout_s must be positive")
        _check(self.safe_current >= 0, "safe_current must not be negative")
        _check(self.allowed_import >= 0, "allowed_import must not be negative")
        _check(0 <= self.green_min_level_pct <= 100, "green_min_level_pct must be 0..100")
        _check(self.boost_energy_wh >= 0, "boost_energy_wh must not be negative")
        _check(self.boost_fallback_mode is not ChargeMode.BOOST, "boost cannot fall back to boost")
        _check(len(self.chargers) <= MAX_CHARGERS, f"at most {MAX_CHARGERS} chargers")
        ids = [c.charger_id for c in self.chargers]
        _check(len(ids) == len(set(ids)), "charger ids must be unique")
        for name in (
            "start_delay_s",
            "stop_time_s",
            "min_on_s",
            "min_off_s",
            "phase_up_delay_s",
            "phase_down_delay_s",
            "phase_switch_interval_s",
            "phase_switch_pause_s",
            "min_export_w",
            "start_current",
            "start_window_s",
            "no_surplus_stop_s",
            "stop_import_share_pct",
            "max_import_share_pct",
        ):
            _check(getattr(self, name) >= 0, f"{name} must not be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerState:
    """What a charger reports: plug state, whether current flows, and optionally how much.

    ``actual_currents`` are on the charger's own L1..L3 (L2/L3 zero when single-phase).
    ``energy_wh`` is any monotonic energy counter (only differences are used, for boost).
    """

    charger_id: str
    connected: bool
    charging: bool = False
    phases_in_use: int | None = None
    actual_currents: PhaseCurrents | None = None
    energy_wh: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StepInput:
    """One controller step: the time and the latest readings (which carry their own age)."""

    now: float
    mains: MeterReading | None
    chargers: tuple[ChargerState, ...] = ()
    circuit: MeterReading | None = None
    battery: BatteryReading | None = None
    local_time: WeekTime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerCommand:
    """The decision for one charger: current (0 = stop), phase count and the reason."""

    charger_id: str
    current: float
    phases: int
    reason: Reason
    limit_phase: int | None = None  # 1..3 when the reason is a per-phase limit
    mode: ChargeMode = ChargeMode.OFF  # the mode in force after programs and boost
    starts: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    """All commands of one step plus figures worth showing as sensors."""

    now: float
    commands: tuple[ChargerCommand, ...]
    available: PhaseCurrents  # headroom per phase for all chargers together, A
    surplus_w: float  # solar surplus the EVs could use, W (negative = deficit)
    stale: bool
    boost_active: bool = False
    boost_complete: bool = False

    def command(self, charger_id: str) -> ChargerCommand:
        """The command for one charger (KeyError when unknown)."""
        for cmd in self.commands:
            if cmd.charger_id == charger_id:
                return cmd
        raise KeyError(charger_id)
