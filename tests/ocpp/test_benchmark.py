"""The OCPP benchmark harness runs (its figures are printed by it, never asserted here)."""

from __future__ import annotations

from benchmarks.ocpp_central import latency, throughput


async def test_harness_runs(socket_enabled: None) -> None:
    """A few latency samples and a short load run produce every figure."""
    figures = await latency(5)
    assert set(figures) == {
        "applied_median_ms",
        "applied_p95_ms",
        "accepted_median_ms",
        "accepted_p95_ms",
    }
    load = await throughput("rate", seconds=3.0)
    assert load["messages_per_s"] > 0
