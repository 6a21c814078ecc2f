"""Installation checks: thresholds, minimum durations, clearing; fed by the simulator's physics."""

from __future__ import annotations

import json

import pytest

from custom_components.gridmate.devices.infinity import parser
from custom_components.gridmate.devices.infinity.checks import (
    CHECKS,
    Check,
    InstallationChecks,
)
from simulator.infinity import InfinitySimulator

REVERSED = CHECKS[Check.REVERSED_CT]
WRONG = CHECKS[Check.WRONG_PHASE]


class Run:
    """The simulator's payloads fed into the checks on an explicit clock."""

    def __init__(self, variant: str = "ct_input", hour: float = 12.25) -> None:
        self.sim = InfinitySimulator("127.0.0.1", 1, variant=variant, hour=hour)
        self.checks = InstallationChecks()
        self.now = 0.0
        self.layout()

    def layout(self) -> None:
        payload = json.dumps(self.sim.channel_config_payload())
        layout = (
            parser.parse_channel_config(payload)
            if self.sim.variant == "ct_input"
            else parser.parse_channel_config_v2(payload)
        )
        self.checks.observe_layout(self.now, layout)

    def seconds(self, duration: float, step: float = 1.0) -> dict[str, object]:
        end = self.now + duration
        while self.now < end:
            self.now += step
            realtime = parser.parse_realtime(json.dumps(self.sim.realtime_payload(step)))
            self.checks.observe_realtime(self.now, realtime)
        return self.checks.findings(self.now)


@pytest.mark.parametrize("variant", ["ct_input", "publish_index"])
def test_healthy_installation_raises_nothing(variant: str) -> None:
    """A correctly wired installation, all day: no finding (no false alarm at any hour)."""
    for hour in (0.5, 7.5, 10.5, 12.25, 13.0, 18.9):
        run = Run(variant, hour)
        assert run.seconds(REVERSED.min_duration_s + WRONG.min_duration_s + 30, step=5) == {}


def test_reversed_ct_needs_its_minimum_duration() -> None:
    """The heat pump's L2 CT clamped backwards: raised after 3 minutes, not before."""
    run = Run()
    run.sim.reverse_ct(7)  # heat pump, L2
    assert run.seconds(REVERSED.min_duration_s - 5) == {}
    findings = run.seconds(10)
    assert list(findings) == ["reversed_ct_load_6"]
    finding = findings["reversed_ct_load_6"]
    assert finding.placeholders["load"] == "Heat pump"
    assert "Heat pump - Phase 2 (L2): -800 W, PF -0.9" in finding.placeholders["channels"]


def test_transient_never_raises() -> None:
    """Negative for less than the minimum duration, then right again: nothing, ever."""
    run = Run()
    run.sim.reverse_ct(12)  # kitchen
    assert run.seconds(REVERSED.min_duration_s - 10) == {}
    run.sim.reverse_ct(12, False)
    assert run.seconds(REVERSED.min_duration_s * 2) == {}


def test_reversed_clears_only_after_seen_healthy() -> None:
    """A load that is off proves nothing; the finding clears once it is measured right."""
    run = Run(hour=12.25)  # kitchen at 1800 W
    run.sim.reverse_ct(12)
    assert "reversed_ct_load_12" in run.seconds(REVERSED.min_duration_s + 5)
    run.sim.reverse_ct(12, False)
    run.sim.hour = 15.0  # kitchen at 120 W: above the 50 W threshold, measurable
    assert "reversed_ct_load_12" in run.seconds(REVERSED.clear_after_s - 5)
    assert run.seconds(10) == {}


def test_idle_load_keeps_a_raised_finding() -> None:
    """When the faulty load switches off, the finding stays (no proof of a fix)."""
    run = Run(hour=10.5)  # washing machine running (2000 W on L2)
    run.sim.reverse_ct(13)
    assert "reversed_ct_load_13" in run.seconds(REVERSED.min_duration_s + 5)
    run.sim.hour = 20.0  # washing machine at 5 W: below the threshold, cannot be judged
    assert "reversed_ct_load_13" in run.seconds(REVERSED.clear_after_s * 3)


@pytest.mark.parametrize(("ct_input", "actual"), [(9, 1), (10, 2), (4, 0)])
def test_wrong_phase_mapping(ct_input: int, actual: int) -> None:
    """A CT on another conductor than configured (EV L1 on L2, ...) is a wrong-phase finding."""
    run = Run()
    run.sim.misplace_ct(ct_input, actual)
    assert run.seconds(WRONG.min_duration_s - 5) == {}
    findings = run.seconds(10)
    assert any(key.startswith("wrong_phase_") for key in findings), findings
    assert not any(key.startswith("reversed_ct") for key in findings)
    run.sim.misplace_ct(ct_input, None)
    assert run.seconds(WRONG.clear_after_s + 5) == {}


def test_too_many_measuring_points() -> None:
    """28 configured inputs are fine; 29 raise after the minimum duration; removing clears."""
    run = Run()
    run.sim.installation.extra_unused_points = 28 - len(run.sim.installation.channels)
    run.layout()
    assert run.seconds(120) == {}
    run.sim.installation.extra_unused_points += 1
    run.layout()
    assert run.seconds(30) == {}
    findings = run.seconds(40)
    assert findings["too_many_points"].placeholders == {"points": "29", "limit": "28"}
    run.sim.installation.extra_unused_points -= 1
    run.layout()
    assert run.checks.findings(run.now) == {}


def test_no_realtime_while_gateway_present() -> None:
    """Silence with other traffic = bus error after 60 + 120 s; resumes clear it at once."""
    run = Run()
    run.seconds(10)
    silent_from = run.now
    for _ in range(int(150 / 5)):
        run.now += 5
        run.checks.observe_other_message(run.now)
        assert run.checks.findings(run.now) == {}
    run.now = silent_from + 185
    run.checks.observe_other_message(run.now)
    findings = run.checks.findings(run.now)
    assert list(findings) == ["no_realtime"]
    run.seconds(1)
    assert run.checks.findings(run.now) == {}


def test_silent_gateway_is_not_a_bus_error() -> None:
    """No traffic at all is a gateway or broker outage, not a Power Box problem."""
    run = Run()
    run.seconds(5)
    for step in range(60):
        assert run.checks.findings(run.now + step * 10) == {}
