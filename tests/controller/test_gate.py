"""CommandGate: what reaches a charger, and when."""

from __future__ import annotations

from custom_components.gridmate.controller.gate import CommandGate, GateCommand


def _send(gate: CommandGate, now: float, current: float, phases: int = 3) -> GateCommand | None:
    """Decide and, if something goes out, let it succeed."""
    command = gate.decide(now, current, phases)
    if command is not None:
        gate.started(command)
        gate.succeeded(now, command)
    return command


def test_first_command_always_goes_out() -> None:
    """Nothing confirmed yet: the first target is sent, even a pause."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    assert _send(gate, 0, 0.0) == GateCommand(current=0.0, phases=None)
    assert gate.sent_current == 0.0


def test_unchanged_target_is_not_repeated() -> None:
    """The same current again is not sent (the charger holds it)."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    _send(gate, 0, 10.0)
    assert all(_send(gate, t, 10.0) is None for t in range(1, 100))
    assert gate.commands_sent == 1


def test_decreases_go_out_at_once_increases_are_spaced() -> None:
    """Down immediately (the fuse); up at most once per raise interval, then the newest."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    _send(gate, 0, 10.0)
    assert _send(gate, 1, 8.0) == GateCommand(current=8.0, phases=None)
    assert _send(gate, 2, 7.0) is not None  # every decrease, however soon
    assert _send(gate, 3, 9.0) is None  # changed 1 s ago
    assert gate.next_due(3, 9.0) == 7.0
    assert _send(gate, 6, 11.0) is None
    assert _send(gate, 7, 12.0) == GateCommand(current=12.0, phases=None)  # the newest target
    assert _send(gate, 8, 16.0) is None
    assert _send(gate, 12, 16.0) is not None


def test_flapping_target_is_damped() -> None:
    """A target flapping 10/11 every second gives at most one raise per interval."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    sent = 0
    for t in range(600):
        if _send(gate, t, 10.0 if t % 2 else 11.0) is not None:
            sent += 1
    # each raise is followed by one decrease: two commands per five seconds at most
    assert sent <= 2 * 600 / 5 + 2
    assert sent < 600 / 2


def test_start_from_pause_is_not_held() -> None:
    """0 -> current is a start: the core's minimum off time already held it back."""
    gate = CommandGate(raise_interval=30)
    gate.assume_phases(3)
    _send(gate, 0, 10.0)
    _send(gate, 1, 0.0)
    assert _send(gate, 2, 6.0) == GateCommand(current=6.0, phases=None)


def test_phase_change_goes_out_with_the_current() -> None:
    """A new phase count is sent at once, together with the current."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    _send(gate, 0, 0.0)
    assert _send(gate, 1, 0.0, phases=1) == GateCommand(current=0.0, phases=1)
    assert gate.sent_phases == 1
    assert _send(gate, 2, 6.0, phases=1) == GateCommand(current=6.0, phases=None)


def test_limits_that_expire_are_refreshed() -> None:
    """A charger that forgets its limit after N s gets it again at N/2 s; a pause needs none."""
    gate = CommandGate(raise_interval=5, limit_valid_s=10)
    gate.assume_phases(3)
    _send(gate, 0, 10.0)
    assert _send(gate, 4, 10.0) is None
    assert gate.next_due(4, 10.0) == 5.0
    assert _send(gate, 5, 10.0) == GateCommand(current=10.0, phases=None)
    assert _send(gate, 9, 10.0) is None
    _send(gate, 10, 0.0)
    assert _send(gate, 100, 0.0) is None


def test_one_command_at_a_time() -> None:
    """While a command is under way nothing else is sent; the caller asks again after."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    command = gate.decide(0, 10.0, 3)
    assert command is not None
    gate.started(command)
    assert gate.decide(0.5, 6.0, 3) is None
    gate.succeeded(1.0, command)
    assert gate.decide(1.0, 6.0, 3) == GateCommand(current=6.0, phases=None)


def test_failures_back_off_but_lower_targets_retry_at_once() -> None:
    """Retry after 2, 4, 8 ... s; a target below the one that failed goes out at once."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    command = gate.decide(0, 16.0, 3)
    assert command is not None
    gate.started(command)
    gate.failed(0, command)
    assert gate.sent_current is None
    assert gate.decide(1, 16.0, 3) is None
    assert gate.next_due(1, 16.0) == 2.0
    retry = gate.decide(2, 16.0, 3)
    assert retry is not None
    gate.started(retry)
    gate.failed(2, retry)
    assert gate.retry_at == 6.0
    lower = gate.decide(3, 6.0, 3)
    assert lower == GateCommand(current=6.0, phases=None)
    gate.started(lower)
    gate.succeeded(3, lower)
    assert (gate.failures, gate.retry_at, gate.sent_current) == (0, None, 6.0)


def test_backoff_is_capped() -> None:
    """However long a charger is away, it is tried at least every 30 s."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    now = 0.0
    for _ in range(10):
        command = gate.decide(now, 10.0, 3)
        assert command is not None
        gate.started(command)
        gate.failed(now, command)
        assert gate.retry_at is not None
        assert gate.retry_at - now <= 30
        now = gate.retry_at


def test_read_back_higher_limit_is_sent_again_then_reported() -> None:
    """A charger allowing more than we set (rebooted, lost command) gets it again."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    _send(gate, 0, 10.0)
    assert gate.verify(16.0, 1.0) is None  # too soon after the change: the car still follows
    assert gate.verify(10.0, 3.0) is True
    assert gate.verify(16.0, 3.0) is None  # the same report twice counts once
    assert gate.verify(16.0, 4.0) is False
    assert gate.mismatches == 1
    assert _send(gate, 4.1, 10.0) == GateCommand(current=10.0, phases=None)  # sent again
    for at in (7.0, 10.0):
        assert gate.verify(16.0, at) is False
        _send(gate, at + 0.1, 10.0)
    assert gate.mismatches == 3  # the caller reports the charger from here on
    assert gate.verify(10.0, 13.0) is True
    assert gate.mismatches == 0


def test_read_back_lower_limit_is_sent_again_once() -> None:
    """A lost raise is repaired once; a charger that limits itself lower is left alone."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    _send(gate, 0, 16.0)
    assert gate.verify(10.0, 3.0) is None
    assert gate.sent_current is None
    assert _send(gate, 3.1, 16.0) == GateCommand(current=16.0, phases=None)
    assert gate.verify(10.0, 6.0) is True  # lower again: it limits itself, accepted
    assert gate.sent_current == 16.0
    assert gate.mismatches == 0


def test_read_back_waits_for_commands_under_way() -> None:
    """Nothing is compared while a command is on its way, or before anything was confirmed."""
    gate = CommandGate(raise_interval=5)
    gate.assume_phases(3)
    assert gate.verify(16.0, 10.0) is None
    _send(gate, 0, 10.0)
    command = gate.decide(1, 6.0, 3)
    assert command is not None
    gate.started(command)
    assert gate.verify(16.0, 20.0) is None
