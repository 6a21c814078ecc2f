"""Always-on power: lowest 5-minute average of the home consumption within the window."""

from __future__ import annotations

import pytest

from custom_components.gridmate.devices.infinity.baseload import BUCKET_S, BaseLoadTracker

DAY = 86_400.0


def _feed(tracker: BaseLoadTracker, start: float, seconds: int, watts: float) -> None:
    for t in range(seconds):
        tracker.add(start + t, watts)


def test_lowest_bucket_average() -> None:
    """Night 180 W, day 900 W: always-on is 180 W once a night bucket completed."""
    tracker = BaseLoadTracker(DAY)
    assert tracker.value() is None
    _feed(tracker, 0, 600, 900)
    assert tracker.value() == pytest.approx(900)
    _feed(tracker, 600, 600, 180)
    _feed(tracker, 1200, 10, 900)  # closes the last night bucket
    assert tracker.value() == pytest.approx(180)
    assert tracker.buckets == 4


def test_spikes_average_out_and_gaps_do_not_count() -> None:
    """A one-second dip is averaged away; a half-empty bucket (outage) is ignored."""
    tracker = BaseLoadTracker(DAY)
    for t in range(300):
        tracker.add(t, 0.0 if t == 100 else 400.0)
    tracker.add(300, 400)
    assert tracker.value() == pytest.approx(400, abs=2)
    for t in range(600, 600 + 100):  # a third of a bucket, then silence
        tracker.add(t, 50)
    tracker.add(900, 400)
    assert tracker.value() == pytest.approx(400, abs=2)


def test_window_expires_and_history_round_trips() -> None:
    """Old buckets leave the window; export/restore keeps the window across a restart."""
    tracker = BaseLoadTracker(3600)
    _feed(tracker, 0, int(BUCKET_S) + 1, 100)
    _feed(tracker, 4000, int(BUCKET_S) + 1, 300)
    assert tracker.value() == pytest.approx(300)
    saved = tracker.export()
    restored = BaseLoadTracker(3600)
    restored.restore(saved, 4000 + BUCKET_S + 1)
    assert restored.value() == pytest.approx(300)
    restored.restore({"buckets": [[1.0, 5.0], "x", [4000.0, -3]]}, 5000)  # old or malformed
    assert restored.value() is None
    restored.restore("garbage", 5000)
    assert restored.value() is None
