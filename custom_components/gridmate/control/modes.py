"""Charge modes: which plain mode is in force, and the solar rules each mode implies.

Programmed and boost are "meta" modes: they resolve to a plain mode (off, fast, smart, solar,
min_solar, green) plus an optional current limit. The solar family (solar, min_solar, green)
share one state machine in the controller and differ only in the numbers computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from .model import ChargeMode, ChargerConfig, ProgramAction, Settings, WeekTime

SOLAR_MODES = frozenset({ChargeMode.SOLAR, ChargeMode.MIN_SOLAR, ChargeMode.GREEN})


@dataclass(frozen=True, slots=True, kw_only=True)
class ModePlan:
    """The plain mode in force for a charger this step."""

    mode: ChargeMode
    max_current: float | None = None
    green_min_level_pct: float | None = None
    from_program: bool = False
    boost: bool = False

    @property
    def solar(self) -> bool:
        """Whether current above the minimum must come from the solar surplus."""
        return self.mode in SOLAR_MODES


def _from_action(action: ProgramAction) -> ModePlan:
    return ModePlan(
        mode=action.mode,
        max_current=action.max_current,
        green_min_level_pct=action.green_min_level_pct,
        from_program=True,
    )


def resolve_mode(
    settings: Settings, charger: ChargerConfig, when: WeekTime | None, boost_done: bool
) -> ModePlan:
    """Resolve per-charger override, boost and weekly programs to a plain mode.

    Programmed mode without a wall-clock time runs the default program: the core cannot know
    which program is active and the default is what the user chose for "no program".
    """
    mode = charger.mode if charger.mode is not None else settings.mode
    if mode is ChargeMode.BOOST:
        if not boost_done:
            return ModePlan(mode=ChargeMode.FAST, boost=True)
        mode = settings.boost_fallback_mode
    if mode is ChargeMode.PROGRAMMED:
        if when is not None:
            for program in settings.programs:
                if program.active_at(when):
                    return _from_action(program.action)
        return _from_action(settings.default_program)
    return ModePlan(mode=mode)


@dataclass(frozen=True, slots=True, kw_only=True)
class SolarRule:
    """Numbers of the solar state machine, all sums over phases in amperes.

    start_threshold: surplus needed (for the start delay) before charging starts.
    allowed_import: grid import tolerated while charging at minimum; beyond it the stop timer
      runs (and a three-phase session first tries to drop to one phase).
    always_run: charge at least the minimum whenever connected (min+solar, green at 0 %).
    reserve: surplus that is never used (Infinergi's minimum exported power).
    """

    start_threshold: float
    allowed_import: float
    always_run: bool
    reserve: float


def solar_rule(plan: ModePlan, settings: Settings, min_current: float, phases: int) -> SolarRule:
    """The solar rule for ``plan`` when charging on ``phases`` phases."""
    need = min_current * phases
    if plan.mode is ChargeMode.MIN_SOLAR:
        return SolarRule(start_threshold=0.0, allowed_import=math.inf, always_run=True, reserve=0.0)
    if plan.mode is ChargeMode.GREEN:
        # Infinergi: the minimum green level is a share of the minimum charging power that
        # must be covered by surplus to start and to keep charging; the rest may be imported.
        # A minimum exported power makes the level 100 %.
        reserve = settings.min_export_w / settings.voltage
        level = (
            plan.green_min_level_pct
            if plan.green_min_level_pct is not None
            else settings.green_min_level_pct
        )
        if reserve > 0:
            level = 100.0
        threshold = need * level / 100.0
        return SolarRule(
            start_threshold=threshold,
            allowed_import=need - threshold,
            always_run=level <= 0,
            reserve=reserve,
        )
    # SmartEVSE-style solar: START (sum of phases) but never less than what the minimum
    # needs beyond the allowed IMPORT, so a start does not immediately import more than allowed.
    return SolarRule(
        start_threshold=max(settings.start_current, need - settings.allowed_import),
        allowed_import=settings.allowed_import,
        always_run=False,
        reserve=0.0,
    )
