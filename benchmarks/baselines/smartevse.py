"""A SmartEVSE-style controller, written from SmartEVSE-3's documented behaviour.

Facts modelled (SmartEVSE docs configuration.md / installation.md and src/main.cpp
CalcBalancedCurrent / IsCurrentAvailable / Timer1S, read for facts; defaults from main.h):

- Mains data is polled every 2 s; a mains meter silent for 11 s stops charging (not exercised
  by these traces, which never lose the meter).
- Isum = sum of the mains phase currents. Solar start: surplus (-Isum) above START (4 A, sum
  of phases) and MaxMains room for the minimum; after "not enough current" a 60 s charge
  delay must pass with current available. The first 40 s of a solar session run at MIN.
- Solar regulation on each measurement, with IsumImport = Isum - IMPORT (0 A): surplus over
  1 A and mains room over 1 A: +0.5 A; smaller surplus: +0.1 A; import over 2 A: minus half
  the import; over 1 A: -0.5 A; over 0.3 A: -0.1 A.
- Smart: increase by a quarter of the MaxMains room, decrease by the whole excess at once.
  Every mode but Normal is capped at MaxMains minus the base load. Normal mode charges at
  the maximum with no mains guard (SmartEVSE's documented behaviour).
- Below MIN: hold MIN and, while importing beyond IMPORT (and the import exceeds MIN minus
  START, or 3-phase with C2 auto), run the solar stop timer: STOP (10 min) then stop. With C2
  auto on three phases: for a small deficit (< MIN) the full STOP time, otherwise 30 s, then
  switch to one phase. On one phase at the maximum with more than 3 x (MIN + 1) - MAX of
  surplus for 63 s: switch to three phases. Starting solar on three phases needs a surplus of
  3 x MIN + 3 A, otherwise one phase.
- No shortage: the solar stop timer is reset.
- min_solar has no SmartEVSE equivalent; it is modelled as Solar with STOP disabled
  ("Disabled: never stop charging"), which keeps MIN once started.
"""

from __future__ import annotations

from benchmarks.sim import Observation, SiteConfig

POLL_S = 2
START_CURRENT = 4.0
STOP_TIME_MIN = 10
IMPORT_CURRENT = 0.0
CHARGE_DELAY_S = 60
SOLAR_START_TIME_S = 40


class SmartEvseBaseline:
    """A single SmartEVSE (power share disabled) with a mains meter."""

    name = "smartevse"

    def __init__(self, site: SiteConfig) -> None:
        self.site = site
        self.mode = {"fast": "normal", "smart": "smart"}.get(site.mode, "solar")
        self.stop_time = 0 if site.mode == "min_solar" else STOP_TIME_MIN
        self.c2_auto = site.phase_switching and site.ev_phases == 3
        self.phases = site.ev_phases
        self.state = "B"
        self.less_6a = True
        self.charge_delay = 0
        self.iset = 0.0
        self.balanced = 0.0
        self.solar_stop_timer = 0
        self.int_timer = 0
        self.clock: int | None = None
        self.last_calc: float | None = None

    # ----------------------------------------------------------------- step

    def step(self, obs: Observation) -> tuple[float, int]:
        """Run the 1 s timer for elapsed seconds, then regulate on the 2 s poll."""
        now = int(obs.now)
        if self.clock is None:
            self.clock = now - 1
        while self.clock < now:
            self.clock += 1
            self._timer_1s(obs)
        if not obs.ev_connected:
            self.state = "B"
            self.less_6a = True
            self.solar_stop_timer = 0
            return 0.0, self.phases
        if self.last_calc is None or obs.now - self.last_calc >= POLL_S:
            self.last_calc = obs.now
            if self.state == "B" and not self.less_6a and self.charge_delay == 0:
                if self._current_available(obs):
                    self._choose_start_phases(obs)
                    self.state = "C"
                    self.int_timer = 0
                    self.balanced = self.site.ev_min
                    self.iset = self.site.ev_min
                else:
                    self.less_6a = True
            self._calc_balanced(obs)
        if self.state == "C":
            return round(self.balanced, 1), self.phases
        return 0.0, self.phases

    # --------------------------------------------------------------- timers

    def _timer_1s(self, obs: Observation) -> None:
        if self.solar_stop_timer:
            self.solar_stop_timer -= 1
            if self.solar_stop_timer == 0:
                self._stop()
        if self.state == "C":
            self.int_timer += 1
        if self.charge_delay:
            self.charge_delay -= 1
        if self.less_6a and self._current_available(obs):
            self.less_6a = False
        if (
            self.charge_delay
            and not self.less_6a
            and self.mode == "solar"
            and not self._current_available(obs)
        ):
            self.less_6a = True
        if self.less_6a:
            if self.state == "C":
                self.state = "B"
            self.charge_delay = CHARGE_DELAY_S

    def _stop(self) -> None:
        self.state = "B"
        self.less_6a = True

    # ------------------------------------------------------------ decisions

    def _current_available(self, obs: Observation) -> bool:
        site = self.site
        isum = sum(obs.mains)
        active = self.state == "C"
        if self.mode == "solar":
            if not active and isum >= -START_CURRENT:
                return False
            if active and isum > IMPORT_CURRENT + self.balanced - site.ev_min:
                return False
        total = self.balanced if active else 0.0
        baseload = max(obs.mains) - total
        return not (self.mode != "normal" and site.ev_min + baseload > site.fuse)

    def _choose_start_phases(self, obs: Observation) -> None:
        if self.mode == "normal" or not self.c2_auto:
            if self.c2_auto:
                self.phases = 3
            return
        if self.mode == "solar":
            self.phases = 3 if -sum(obs.mains) >= 3 * self.site.ev_min + 3 else 1
        else:
            self.phases = 3

    def _calc_balanced(self, obs: Observation) -> None:
        site = self.site
        active = self.state == "C"
        isum = sum(obs.mains)
        imeasured = max(obs.mains)
        total = self.balanced if active else 0.0
        baseload = imeasured - total
        if self.mode == "normal":
            self.iset = site.ev_max
            if active:
                self.balanced = site.ev_max
            return
        idiff = site.fuse - imeasured
        if idiff > 0:
            if self.mode == "smart":
                self.iset += idiff / 4
        else:
            self.iset += idiff
        self.iset = min(max(self.iset, 0.0), 80.0)
        isum_import = isum - IMPORT_CURRENT
        if self.mode == "solar" and active and idiff > 0:
            if isum_import < 0:
                self.iset += 0.5 if isum_import < -1 and idiff > 1 else 0.1
            elif isum_import > 2:
                self.iset -= isum_import / 2
            elif isum_import > 1:
                self.iset -= 0.5
            elif isum_import > 0.3:
                self.iset -= 0.1
        self.iset = min(self.iset, site.fuse - baseload)
        if not active:
            self.solar_stop_timer = 0
            return
        if self.iset < site.ev_min:
            self.iset = site.ev_min
            if self.mode == "solar":
                if isum_import > 0 and (
                    isum > site.ev_min - START_CURRENT or (self.phases > 1 and self.c2_auto)
                ):
                    if self.phases > 1 and self.c2_auto:
                        if self.solar_stop_timer == 0:
                            if isum_import < site.ev_min:
                                self.solar_stop_timer = self.stop_time * 60
                            if self.solar_stop_timer == 0:
                                self.solar_stop_timer = 30
                        if self.solar_stop_timer <= 2:
                            self.phases = 1
                            self.solar_stop_timer = 0
                    elif self.solar_stop_timer == 0:
                        self.solar_stop_timer = self.stop_time * 60
                else:
                    self.solar_stop_timer = 0
            if self.iset > site.fuse - baseload:  # hard shortage: stop now
                self._stop()
                self.charge_delay = CHARGE_DELAY_S
                return
        elif (
            self.mode == "solar"
            and self.phases == 1
            and self.c2_auto
            and self.iset + 0.8 >= site.ev_max
        ):
            spare = 3 * (site.ev_min + 1) - site.ev_max
            if spare < 0:
                spare = 3
            if -isum > spare:
                if self.solar_stop_timer == 0:
                    self.solar_stop_timer = 63
                if self.solar_stop_timer <= 3:
                    self.phases = 3
                    self.solar_stop_timer = 0
            else:
                self.solar_stop_timer = 0
        else:
            self.solar_stop_timer = 0
        self.iset = min(self.iset, site.ev_max)
        if self.mode == "solar" and self.int_timer < SOLAR_START_TIME_S:
            self.balanced = site.ev_min
            self.iset = site.ev_min
        else:
            self.balanced = self.iset
