"""Always-on (base load) power from the home consumption history.

The home's consumption is averaged per 5-minute bucket; the always-on power is the lowest
bucket average within the window (24 h by default): what the home draws when nothing is
switched on. A bucket counts only when samples cover at least half of it, so a gap in the
stream (a restart, a broker outage) cannot produce a falsely low bucket. Time is wall-clock
seconds passed in by the caller, so the history survives a restart (see `export`/`restore`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

BUCKET_S = 300.0
MIN_COVERAGE = 0.5  # a bucket needs samples spanning half of it
MAX_SAMPLE_GAP_S = 30.0  # a longer gap between samples does not count as covered


@dataclass(slots=True)
class _Bucket:
    start: float
    energy_ws: float = 0.0  # integral of power over covered time
    covered_s: float = 0.0

    @property
    def average_w(self) -> float:
        return self.energy_ws / self.covered_s


class BaseLoadTracker:
    """Lowest 5-minute average of the home consumption within a sliding window."""

    def __init__(self, window_s: float) -> None:
        """Track a window of `window_s` seconds (at least one bucket)."""
        self.window_s = max(window_s, BUCKET_S)
        self._done: deque[tuple[float, float]] = deque()  # (bucket start, average W)
        self._current: _Bucket | None = None
        self._last: tuple[float, float] | None = None  # (time, W) of the previous sample

    def add(self, now: float, power_w: float) -> bool:
        """Add a sample; True when the always-on value may have changed (a bucket closed)."""
        start = now - now % BUCKET_S
        changed = False
        if self._current is not None and start != self._current.start:
            changed = self._close()
            self._current = None
        if self._current is None:
            self._current = _Bucket(start)
        if self._last is not None:
            then, previous = self._last
            gap = now - then
            if 0 < gap <= MAX_SAMPLE_GAP_S and then >= self._current.start:
                self._current.energy_ws += (previous + power_w) / 2 * gap
                self._current.covered_s += gap
        self._last = (now, power_w)
        return self._expire(now) or changed

    def _close(self) -> bool:
        bucket = self._current
        if bucket is None or bucket.covered_s < BUCKET_S * MIN_COVERAGE:
            return False
        self._done.append((bucket.start, bucket.average_w))
        return True

    def _expire(self, now: float) -> bool:
        expired = False
        while self._done and self._done[0][0] < now - self.window_s:
            self._done.popleft()
            expired = True
        return expired

    def value(self) -> float | None:
        """The always-on power (W), or None until one bucket is complete."""
        if not self._done:
            return None
        return max(0.0, min(average for _, average in self._done))

    @property
    def buckets(self) -> int:
        """Complete buckets in the window."""
        return len(self._done)

    def export(self) -> dict[str, Any]:
        """The history, to persist across restarts."""
        return {"buckets": [[start, round(avg, 1)] for start, avg in self._done]}

    def restore(self, data: Any, now: float) -> None:
        """Take back an exported history (ignoring anything malformed or outside the window)."""
        buckets = data.get("buckets") if isinstance(data, dict) else None
        if not isinstance(buckets, list):
            return
        restored: list[tuple[float, float]] = []
        for item in buckets:
            if (
                isinstance(item, list)
                and len(item) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in item)
                and now - self.window_s <= item[0] <= now
                and item[1] >= 0
            ):
                restored.append((float(item[0]), float(item[1])))
        restored.sort()
        self._done = deque(restored)
