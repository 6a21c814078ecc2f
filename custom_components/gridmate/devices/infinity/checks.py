"""Installation checks (the manual's section 6 and troubleshooting) as a pure, clocked evaluator.

Each check has a threshold and a minimum duration (`CHECKS`, the one table the repairs and
the docs read), so a transient never raises anything, and a raised finding clears only after
the installation has been seen healthy for `clear_after_s` (a load that is simply off proves
nothing either way). Time is passed in (seconds on a monotonic clock); nothing here reads a
clock or does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from .derive import channel_phase
from .model import ChannelLayout, Load, Realtime
from .schema import MAX_MEASURING_POINTS, LoadKind, phase_label


class Check(StrEnum):
    """The installation checks."""

    REVERSED_CT = "reversed_ct"
    WRONG_PHASE = "wrong_phase"
    TOO_MANY_POINTS = "too_many_points"
    NO_REALTIME = "no_realtime"


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """Threshold and timing of one check."""

    check: Check
    threshold: str  # for people (docs, diagnostics)
    min_duration_s: float  # the condition must hold this long before a finding is raised
    clear_after_s: float  # ... and be seen false this long before it clears


# Thresholds. A channel is judged only when it carries a real load: at least
# `MIN_CURRENT_A` and `MIN_POWER_W`, with its phase voltage known. The apparent power factor
# P / (U x I) of a correctly mapped channel is about +0.7..1 for consumers and producers; a CT
# that is reversed gives about -0.7..-1; a CT on another phase than configured multiplies its
# current with a voltage 120 degrees away, giving about -0.5..+0.3 for any ordinary load.
MIN_CURRENT_A: Final = 2.0
MIN_POWER_W: Final = 50.0
MIN_VOLTAGE_V: Final = 100.0
REVERSED_PF: Final = -0.75  # PF at or below: reversed
WRONG_PHASE_PF_HIGH: Final = 0.35  # PF between REVERSED_PF and this: wrong phase
SILENCE_S: Final = 60.0  # no realtime this long ...
ALIVE_WINDOW_S: Final = 330.0  # ... while the gateway published something else this recently

CHECKS: Final[dict[Check, CheckSpec]] = {
    Check.REVERSED_CT: CheckSpec(
        Check.REVERSED_CT,
        f"consumer or producer channel at or below -{MIN_POWER_W:.0f} W with power factor "
        f"at or below {REVERSED_PF} (or no current reading)",
        180.0,
        300.0,
    ),
    Check.WRONG_PHASE: CheckSpec(
        Check.WRONG_PHASE,
        f"channel above {MIN_CURRENT_A:.0f} A and {MIN_POWER_W:.0f} W whose power factor "
        f"P/(U x I) lies between {REVERSED_PF} and {WRONG_PHASE_PF_HIGH} "
        f"(grid and battery: absolute PF below {WRONG_PHASE_PF_HIGH})",
        300.0,
        300.0,
    ),
    Check.TOO_MANY_POINTS: CheckSpec(
        Check.TOO_MANY_POINTS,
        f"more than {MAX_MEASURING_POINTS} measuring points configured on the Power Box",
        60.0,
        0.0,
    ),
    Check.NO_REALTIME: CheckSpec(
        Check.NO_REALTIME,
        f"no realtime message for {SILENCE_S:.0f} s while the gateway published other "
        f"messages within {ALIVE_WINDOW_S:.0f} s",
        120.0,
        0.0,
    ),
}


@dataclass(slots=True)
class _Condition:
    """Debounce of one condition: true long enough raises, false long enough clears."""

    true_since: float | None = None
    false_since: float | None = None
    active: bool = False

    def observe(self, now: float, value: bool | None, spec: CheckSpec) -> None:
        if value is None:  # cannot judge now: neither progress nor proof of health
            self.true_since = self.false_since = None
            return
        if value:
            self.false_since = None
            self.true_since = now if self.true_since is None else self.true_since
            if now - self.true_since >= spec.min_duration_s:
                self.active = True
        else:
            self.true_since = None
            self.false_since = now if self.false_since is None else self.false_since
            if now - self.false_since >= spec.clear_after_s:
                self.active = False


@dataclass(frozen=True, slots=True)
class Finding:
    """A raised check: what, about which load, and the values to show the user."""

    check: Check
    subject: str  # load key, or "" for installation-wide checks
    placeholders: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable identifier (one repair issue per id)."""
        return f"{self.check}_{self.subject}" if self.subject else str(self.check)


def _judge(load: Load, power: float, current: float | None, voltage: float | None) -> Check | None:
    """What a channel's reading says about its wiring; None = fine."""
    consumer = load.kind in (LoadKind.APPLIANCE, LoadKind.SOLAR)
    if abs(power) < MIN_POWER_W:
        return None
    if current is None or voltage is None or voltage < MIN_VOLTAGE_V:
        return Check.REVERSED_CT if consumer and power <= -MIN_POWER_W else None
    if current < MIN_CURRENT_A:
        return None
    pf = power / (voltage * current)
    if consumer:
        if pf <= REVERSED_PF:
            return Check.REVERSED_CT
        return Check.WRONG_PHASE if pf < WRONG_PHASE_PF_HIGH else None
    return Check.WRONG_PHASE if abs(pf) < WRONG_PHASE_PF_HIGH else None


@dataclass(slots=True)
class _ChannelState:
    reversed: _Condition = field(default_factory=_Condition)
    wrong_phase: _Condition = field(default_factory=_Condition)
    power_w: float | None = None
    pf: float | None = None


class InstallationChecks:
    """Feed it what the gateway says; ask it which findings stand."""

    def __init__(self) -> None:
        """Nothing observed yet."""
        self._layout: ChannelLayout | None = None
        self._channels: dict[int, _ChannelState] = {}
        self._points = _Condition()
        self._silence = _Condition()
        self._last_realtime: float | None = None
        self._last_other: float | None = None
        self._started: float | None = None

    def observe_layout(self, now: float, layout: ChannelLayout) -> None:
        """A (new) channel configuration: per-channel judgements start over."""
        if layout != self._layout:
            self._channels = {}
        self._layout = layout
        self._points.observe(
            now, layout.measuring_points > MAX_MEASURING_POINTS, _spec(Check.TOO_MANY_POINTS)
        )

    def observe_other_message(self, now: float) -> None:
        """The gateway published something live that is not realtime (it is present)."""
        self._last_other = now

    def observe_realtime(self, now: float, realtime: Realtime) -> None:
        """Judge every configured channel of one realtime message."""
        self._last_realtime = now
        self._silence.observe(now, False, _spec(Check.NO_REALTIME))
        if self._layout is None:
            return
        for load in self._layout.loads:
            for channel in load.channels:
                reading = realtime.channels.get(channel.index)
                state = self._channels.setdefault(channel.index, _ChannelState())
                if reading is None or reading.power_w is None:
                    state.reversed.observe(now, None, _spec(Check.REVERSED_CT))
                    state.wrong_phase.observe(now, None, _spec(Check.WRONG_PHASE))
                    continue
                phase = channel_phase(channel, reading)
                voltage = realtime.voltages.get(phase) if phase is not None else None
                verdict = _judge(load, reading.power_w, reading.current_a, voltage)
                judged = abs(reading.power_w) >= MIN_POWER_W
                state.power_w = reading.power_w
                state.pf = (
                    reading.power_w / (voltage * reading.current_a)
                    if voltage and reading.current_a
                    else None
                )
                state.reversed.observe(
                    now,
                    (verdict is Check.REVERSED_CT) if judged else None,
                    _spec(Check.REVERSED_CT),
                )
                state.wrong_phase.observe(
                    now,
                    (verdict is Check.WRONG_PHASE)
                    if judged and (reading.current_a or 0) >= MIN_CURRENT_A
                    else None,
                    _spec(Check.WRONG_PHASE),
                )

    def findings(self, now: float) -> dict[str, Finding]:
        """The findings that stand at `now`, by id."""
        if self._started is None:
            self._started = now
        silent_since = self._last_realtime if self._last_realtime is not None else self._started
        gateway_alive = self._last_other is not None and now - self._last_other <= ALIVE_WINDOW_S
        if now - silent_since >= SILENCE_S:
            self._silence.observe(now, gateway_alive, _spec(Check.NO_REALTIME))
        found: dict[str, Finding] = {}
        if self._silence.active:
            finding = Finding(Check.NO_REALTIME, "", {"seconds": f"{now - silent_since:.0f}"})
            found[finding.id] = finding
        layout = self._layout
        if layout is None:
            return found
        self._points.observe(
            now, layout.measuring_points > MAX_MEASURING_POINTS, _spec(Check.TOO_MANY_POINTS)
        )
        if self._points.active:
            finding = Finding(
                Check.TOO_MANY_POINTS,
                "",
                {"points": str(layout.measuring_points), "limit": str(MAX_MEASURING_POINTS)},
            )
            found[finding.id] = finding
        for load in layout.loads:
            for check in (Check.REVERSED_CT, Check.WRONG_PHASE):
                bad = [
                    channel
                    for channel in load.channels
                    if (state := self._channels.get(channel.index)) is not None
                    and (state.reversed if check is Check.REVERSED_CT else state.wrong_phase).active
                ]
                if not bad:
                    continue
                details = []
                for channel in bad:
                    state = self._channels[channel.index]
                    where = f" ({phase_label(channel.phase)})" if channel.phase is not None else ""
                    measured = f"{state.power_w:.0f} W" if state.power_w is not None else "?"
                    if state.pf is not None:
                        measured += f", PF {state.pf:.2f}"
                    details.append(f"{channel.name}{where}: {measured}")
                finding = Finding(
                    check, load.key, {"load": load.name, "channels": "; ".join(details)}
                )
                found[finding.id] = finding
        return found


def _spec(check: Check) -> CheckSpec:
    return CHECKS[check]
