"""When a charger gets a command: only on a change, or to refresh a limit about to expire.

The control core decides every step (every meter reading and every watchdog second); in solar
mode its target moves by a step every few seconds on a cloudy day. Sending each one would
wear the charger's interface (and cloud-backed chargers rate-limit) without charging more.
The gate sends:

- a lower current (or a stop) at once: that is what keeps the fuse whole;
- a start (0 -> current) at once: the core's minimum off time already held it back;
- a higher current at most once per `raise_interval` seconds, then the newest target;
- a phase change at once (the core only asks for one while no current flows);
- the same current again when the charger forgets limits after `limit_valid_s`, at half
  that time, so it never falls back on its own;
- after a failed command, again after a backoff (2, 4, 8 ... 30 s), or at once when the
  new target is lower than the one that failed;
- the same current again when the charger, some seconds after our last change, reports a
  higher limit in force than we set (it rebooted, someone changed it, or a command got
  lost): after three such resends in a row the charger counts as refusing our limit; and
  once when it reports a lower one (a lost raise; a charger limiting itself stays lower).
"""

from __future__ import annotations

from dataclasses import dataclass

from .const import RETRY_BACKOFF_MAX_S, VERIFY_SETTLE_S


@dataclass(frozen=True, slots=True)
class GateCommand:
    """What to send: the limit (A, 0 = pause) and, if it changes, the phase count."""

    current: float
    phases: int | None


@dataclass(slots=True)
class CommandGate:
    """The send decisions for one charger (pure: the caller passes the time)."""

    raise_interval: float
    limit_valid_s: float | None = None
    sent_current: float | None = None  # confirmed by the charger (the call returned)
    sent_phases: int | None = None
    sent_at: float | None = None
    changed_at: float | None = None
    in_flight: GateCommand | None = None
    failures: int = 0
    failed_current: float | None = None
    retry_at: float | None = None
    commands_sent: int = 0
    mismatches: int = 0
    verified_at: float | None = None
    resent_low: float | None = None

    def decide(self, now: float, current: float, phases: int) -> GateCommand | None:
        """The command to send now for this target, or None (nothing, or not yet)."""
        if self.in_flight is not None:
            return None  # one at a time; the caller asks again when it completes
        phase_change = self.sent_phases is not None and phases != self.sent_phases
        if self.retry_at is not None and now < self.retry_at:
            lower = self.failed_current is not None and current < self.failed_current
            if not (lower or phase_change):
                return None
        command = GateCommand(current=current, phases=phases if phase_change else None)
        if self.sent_current is None or phase_change or self.retry_at is not None:
            return command
        if current < self.sent_current:
            return command
        if current > self.sent_current:
            if self.sent_current <= 0 or self.changed_at is None:
                return command
            if now - self.changed_at >= self.raise_interval:
                return command
            return None
        if (
            self.limit_valid_s is not None
            and self.sent_at is not None
            and current > 0
            and now - self.sent_at >= self.limit_valid_s / 2
        ):
            return command
        return None

    def next_due(self, now: float, current: float) -> float | None:
        """When a held-back command becomes due (to schedule a re-check), if one is held."""
        times: list[float] = []
        if self.retry_at is not None and self.retry_at > now:
            times.append(self.retry_at)
        if (
            self.sent_current is not None
            and current > self.sent_current > 0
            and self.changed_at is not None
        ):
            times.append(self.changed_at + self.raise_interval)
        if self.limit_valid_s is not None and self.sent_at is not None and current > 0:
            times.append(self.sent_at + self.limit_valid_s / 2)
        due = [t for t in times if t > now]
        return min(due) if due else None

    def verify(self, limit_in_force: float | None, reported_at: float | None) -> bool | None:
        """Compare what the charger reports with what it confirmed; schedule a resend.

        Returns None when there is nothing to compare (no report, too soon after our last
        change, a command under way), True when it matches (or is lower: the charger may
        limit itself), False when it allows more than we set. A mismatch makes the next
        `decide` send again, until `MISMATCHES_BEFORE_FAILURE` in a row.
        """
        if (
            limit_in_force is None
            or reported_at is None
            or self.sent_current is None
            or self.changed_at is None
            or self.in_flight is not None
            or reported_at < self.changed_at + VERIFY_SETTLE_S
            or reported_at <= (self.verified_at or -1e18)
        ):
            return None
        self.verified_at = reported_at
        if limit_in_force < self.sent_current - 0.05 and self.resent_low != self.sent_current:
            # Lower than set: a command that got lost, or the charger limiting itself (its
            # own load balancing, temperature). Send once more; if it stays lower, so be it.
            self.resent_low = self.sent_current
            self.sent_current = None
            return None
        if limit_in_force <= self.sent_current + 0.05:
            self.mismatches = 0
            return True
        self.mismatches += 1
        self.sent_current = None  # not what the charger has: send again
        return False

    def started(self, command: GateCommand) -> None:
        """The command is on its way."""
        self.in_flight = command

    def succeeded(self, now: float, command: GateCommand) -> None:
        """The charger took the command."""
        if command.current != self.sent_current:
            # any change restarts the raise clock: the car ramps from here
            self.changed_at = now
        self.sent_current = command.current
        if command.phases is not None:
            self.sent_phases = command.phases
        self.sent_at = now
        self.in_flight = None
        self.failures = 0
        self.failed_current = None
        self.retry_at = None
        self.commands_sent += 1

    def failed(self, now: float, command: GateCommand) -> None:
        """The charger did not take the command: back off before trying again."""
        self.in_flight = None
        self.failures += 1
        self.failed_current = command.current
        self.retry_at = now + min(2.0**self.failures, RETRY_BACKOFF_MAX_S)

    def assume_phases(self, phases: int) -> None:
        """The phase count in force when we first talk to the charger."""
        if self.sent_phases is None:
            self.sent_phases = phases
