"""What the smart meter itself keeps beyond the 49 values: its clock, tariffs, gas, peaks.

The Smart Connect passes these on only in the raw P1 telegram (``/api/v1/telegram``):

- a wall clock (the telegram timestamp, the MQTT ``ts``), starting at ``start_epoch``;
- import/export energy per tariff; the active tariff follows the Dutch rule (tariff 2, the
  normal tariff, on weekdays 07:00-23:00 local time, tariff 1 otherwise);
- a gas meter on M-Bus channel 1 with a deterministic heating pattern; the meter reports the
  reading of the last whole 5 minutes (DSMR 5, e-MUCS) or the last whole hour (DSMR 4);
- the Belgian capacity-tariff values: the running average demand of the current quarter hour
  and the highest completed quarter-hour average of the month, with its time;
- one entry in the long power failure log.

Everything advances with ``tick(power_w)`` (the grid power of the second that passed), with
no randomness, so a seeded site stays deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
import time
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Europe/Amsterdam")  # the P1 standards' local time (CET/CEST)
QUARTER = 900  # s


@dataclass(slots=True)
class GasReading:
    """A reading as the gas meter reported it."""

    m3: float
    epoch: int


class MeterRecords:
    """The meter's own registers; see the module docstring."""

    GAS_HEATING_M3_PER_S = 0.0005  # a boiler burning (~1.8 m3/h)
    GAS_IDLE_M3_PER_S = 0.00002  # pilot, hot water now and then

    def __init__(self, *, energy_import_wh: float, energy_export_wh: float, start_epoch: int):
        """Start the meter at ``start_epoch`` (UTC seconds) with the site's energy totals."""
        self.start_epoch = start_epoch
        self.t = 0
        low_import = min(500_000.0, energy_import_wh / 2)
        low_export = min(200_000.0, energy_export_wh / 2)
        # Wh per tariff: [tariff 1, tariff 2]; their sums are the site's totals.
        self.energy_import = [low_import, energy_import_wh - low_import]
        self.energy_export = [low_export, energy_export_wh - low_export]
        self.gas_m3 = 2345.678
        self.gas_5min = GasReading(self.gas_m3, self._floor(start_epoch, 300))
        self.gas_hour = GasReading(self.gas_m3, self._floor(start_epoch, 3600))
        self.quarter_start = self._floor(start_epoch, QUARTER)
        self.quarter_import_wh = 0.0
        self.peak_demand_kw = 4.123
        self.peak_demand_epoch = self._floor(start_epoch, QUARTER) - 5 * 86400
        self.failure_end_epoch = start_epoch - 7200  # the last long power failure ended 2 h ago
        self.failure_seconds = 240

    @staticmethod
    def _floor(epoch: int, step: int) -> int:
        return epoch - epoch % step

    @property
    def epoch(self) -> int:
        """The meter's clock now (UTC seconds)."""
        return self.start_epoch + self.t

    def local_time(self, epoch: int | None = None) -> datetime:
        """A time on the meter's clock in local time."""
        return datetime.fromtimestamp(self.epoch if epoch is None else epoch, UTC).astimezone(LOCAL)

    @property
    def active_tariff(self) -> int:
        """1 (low: nights and weekends) or 2 (normal: weekdays 07:00-23:00)."""
        now = self.local_time()
        return 2 if now.weekday() < 5 and 7 <= now.hour < 23 else 1

    @property
    def average_demand_kw(self) -> float:
        """Average import power of the quarter hour so far (Belgian 1-0:1.4.0)."""
        elapsed = max(self.epoch - self.quarter_start, 1)
        return self.quarter_import_wh * 3.6 / elapsed  # Wh over s -> kW

    def gas_flow(self) -> float:
        """m3 per second now: heating for 10 minutes of every 30."""
        heating = (self.t // 600) % 3 == 0
        return self.GAS_HEATING_M3_PER_S if heating else self.GAS_IDLE_M3_PER_S

    def tick(self, power_w: float) -> None:
        """Advance one second during which the grid power was ``power_w`` (+ import)."""
        tariff = self.active_tariff - 1
        self.energy_import[tariff] += max(power_w, 0.0) / 3600.0
        self.energy_export[tariff] += max(-power_w, 0.0) / 3600.0
        self.quarter_import_wh += max(power_w, 0.0) / 3600.0
        self.gas_m3 += self.gas_flow()
        self.t += 1
        epoch = self.epoch
        if epoch % QUARTER == 0:
            average = self.quarter_import_wh * 3.6 / max(epoch - self.quarter_start, 1)
            if self.local_time(epoch).month != self.local_time(self.peak_demand_epoch).month:
                self.peak_demand_kw = 0.0  # a new month starts a new peak
            if average > self.peak_demand_kw:
                self.peak_demand_kw = average
                self.peak_demand_epoch = epoch
            self.quarter_start = epoch
            self.quarter_import_wh = 0.0
        if epoch % 300 == 0:
            self.gas_5min = GasReading(self.gas_m3, epoch)
        if epoch % 3600 == 0:
            self.gas_hour = GasReading(self.gas_m3, epoch)


def now_epoch() -> int:
    """The current time, whole seconds (the default start of a simulated meter's clock)."""
    return int(time.time())
