"""An evcc-style PV controller, written from evcc's documented behaviour.

Facts modelled (evcc docs "loadpoints" / "interval", and core/loadpoint.go, read for facts):

- The site control loop runs every ``interval`` (default 30 s; shorter is discouraged).
- Site power = grid power (+ import). In PV mode the target current is the current the car
  draws now (measured phase maximum + 2 A, capped at the offered current; 0 when not charging)
  plus -site power / (230 V x active phases); truncated to the charger's resolution.
- PV enable: surplus enough for the minimum current (enable threshold 0 W) for the enable
  delay (default 1 min). PV disable: below the minimum with site power >= disable threshold
  (0 W) for the disable delay (default 3 min); meanwhile the minimum current is kept.
- Min+PV: never below the minimum current.
- Automatic 1p/3p switching: scale down when the available power cannot hold the 3-phase
  minimum (after the disable delay, at once when not charging); scale up when the 1-phase
  target exceeds the maximum and 3 phases at minimum fit (after the enable delay, at once
  when not charging). The charger sequences the switch itself.
- "Now" (fast) charges at maximum on 3 phases. evcc has no per-phase load management
  without a configured circuit; "smart" here is "now" with a circuit whose maxCurrent is the
  main fuse: an increase is capped at what the circuit still has room for, an overload
  lowers the current by the excess (circuit.ValidateCurrent).
"""

from __future__ import annotations

import math

from benchmarks.sim import Observation, SiteConfig

INTERVAL_S = 30.0
ENABLE_DELAY_S = 60.0
DISABLE_DELAY_S = 180.0
ENABLE_THRESHOLD_W = 0.0
DISABLE_THRESHOLD_W = 0.0
_ELAPSED = -math.inf  # evcc's "elapsed" timer state: any delay has passed


class EvccBaseline:
    """One loadpoint with one charger."""

    name = "evcc"

    def __init__(self, site: SiteConfig) -> None:
        self.site = site
        self.mode = site.mode
        self.auto_phases = site.phase_switching and site.ev_phases == 3
        self.phases = site.ev_phases
        self.enabled = False
        self.offered = 0.0
        self.pv_timer: float | None = None
        self.phase_timer: float | None = None
        self.last_run: float | None = None
        self.out: tuple[float, int] = (0.0, self.phases)

    def step(self, obs: Observation) -> tuple[float, int]:
        """Act only on the 30 s site interval; keep the last command in between."""
        if self.last_run is not None and obs.now - self.last_run < INTERVAL_S:
            return self.out
        self.last_run = obs.now
        self.phases = obs.ev_phases
        self.out = self._update(obs)
        return self.out

    # ------------------------------------------------------------------ loop

    def _update(self, obs: Observation) -> tuple[float, int]:
        site = self.site
        if not obs.ev_connected:
            self.pv_timer = self.phase_timer = None
            return self._set_limit(0.0, obs)
        if self.mode in ("fast", "smart"):
            if self.auto_phases:
                self.phases = 3
            return self._set_limit(site.ev_max, obs)
        site_power = sum(obs.mains) * site.voltage
        return self._set_limit(self._pv_max_current(obs, site_power), obs)

    def _set_limit(self, current: float, obs: Observation) -> tuple[float, int]:
        site = self.site
        current = math.floor(current / site.resolution + 1e-6) * site.resolution
        if self.mode == "smart":
            # circuit with maxCurrent = main fuse, measured by the grid meter
            old = max(obs.ev_currents) if obs.ev_charging else self.offered
            potential = site.fuse - max(obs.mains)
            if max(0.0, current - old) > potential:
                current = min(current, max(0.0, old + potential))
                current = math.floor(current / site.resolution + 1e-6) * site.resolution
        if current != self.offered and current >= site.ev_min:
            self.offered = current
        self.enabled = current >= site.ev_min
        return (self.offered if self.enabled else 0.0), self.phases

    # -------------------------------------------------------------------- pv

    def _charging(self, obs: Observation) -> bool:
        return obs.ev_charging

    def _pv_max_current(self, obs: Observation, site_power: float) -> float:
        site = self.site
        v = site.voltage
        scaled_to = 0
        if self.auto_phases:
            scaled_to = self._pv_scale_phases(obs, site_power)
        active = self.phases
        effective = 0.0
        if self._charging(obs):
            effective = min(max(obs.ev_currents) + 2.0, self.offered)
        if scaled_to == 3:
            effective /= 3
        target = max(effective - site_power / (v * active), 0.0)

        if self.mode == "min_solar" and target < site.ev_min:
            return site.ev_min

        if self.enabled and target < site.ev_min:
            projected = site_power
            if self.auto_phases and self.phase_timer is not None:
                projected -= v * site.ev_min * (active - 1)
            if projected >= DISABLE_THRESHOLD_W:
                if self.pv_timer is None:
                    self.pv_timer = obs.now
                if obs.now - self.pv_timer >= DISABLE_DELAY_S:
                    self.pv_timer = None
                    return 0.0
            else:
                self.pv_timer = None
            return site.ev_min

        if not self.enabled:
            if target >= site.ev_min:
                if self.pv_timer is None:
                    self.pv_timer = obs.now
                if obs.now - self.pv_timer >= ENABLE_DELAY_S:
                    self.pv_timer = None
                    return site.ev_min
            else:
                self.pv_timer = None
            return 0.0

        self.pv_timer = None
        return min(target, site.ev_max)

    def _pv_scale_phases(self, obs: Observation, site_power: float) -> int:
        site = self.site
        v = site.voltage
        charging = self._charging(obs)
        charge_power = sum(obs.ev_currents) * v
        available = charge_power - site_power
        waiting = False
        if self.phases > 1:
            insufficient = (site_power > 0 or not self.enabled) and available / (
                v * self.phases
            ) < site.ev_min
            if insufficient:
                if not charging:
                    self.phase_timer = _ELAPSED
                if self.phase_timer is None:
                    self.phase_timer = obs.now
                if obs.now - self.phase_timer >= DISABLE_DELAY_S:
                    self.phases = 1
                    self.phase_timer = None
                    return 1
                waiting = True
        target_1p = available / v
        scalable = self.phases < 3 and target_1p > site.ev_max
        if scalable and available / (v * 3) >= site.ev_min:
            if not charging:
                self.phase_timer = _ELAPSED
            if self.phase_timer is None:
                self.phase_timer = obs.now
            if obs.now - self.phase_timer >= ENABLE_DELAY_S:
                self.phases = 3
                self.phase_timer = None
                return 3
            waiting = True
        if not waiting:
            self.phase_timer = None
        return 0
