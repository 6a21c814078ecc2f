"""The poll of one Modbus meter entry, and what a loaded entry holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import time
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..devices.meters.client import (
    MeterError,
    MeterExceptionResponse,
    MeterTimeout,
    MeterUnreachable,
    MeterWarmingUp,
    ModbusBus,
    ModbusMeter,
    PollStats,
)
from ..devices.meters.decode import MeterReading
from ..devices.meters.profiles import MeterProfile
from .const import FAILURES_BEFORE_UNAVAILABLE, MAX_BACKOFF_S

if TYPE_CHECKING:
    from .feed import MeterFeed


class _DropCoordinatorAvailabilityLogs(logging.Filter):
    """Keep the coordinator's own 'Error fetching' / 'recovered' lines out of the log.

    `MeterCoordinator` reports each availability change itself, once, as a warning that says
    which meter on which bus; the coordinator's generic lines would repeat it (as ERROR).
    """

    _TEMPLATES = frozenset({"Error fetching %s data: %s", "Fetching %s data recovered"})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self._TEMPLATES


POLL_LOGGER = LOGGER.getChild("meter.poll")
POLL_LOGGER.addFilter(_DropCoordinatorAvailabilityLogs())


@dataclass(frozen=True, slots=True)
class MeterData:
    """One successful poll."""

    reading: MeterReading
    received_at: datetime  # UTC, for people (diagnostics)
    received_monotonic: float  # time.monotonic(), for staleness checks (controller)
    stats: PollStats | None


@dataclass(slots=True)
class MeterRuntimeData:
    """Everything a meter entry holds while loaded."""

    profile: MeterProfile
    bus: ModbusBus
    meter: ModbusMeter
    coordinator: MeterCoordinator
    feed: MeterFeed


type MeterConfigEntry = ConfigEntry[MeterRuntimeData]


def _failure_key(err: MeterError) -> str:
    """The translation key of a failed poll."""
    if isinstance(err, MeterWarmingUp):
        return "meter_warming_up"
    if isinstance(err, MeterUnreachable):
        return "meter_unreachable"
    if isinstance(err, MeterTimeout):
        return "meter_no_answer"
    if isinstance(err, MeterExceptionResponse):
        return "meter_exception"
    return "meter_protocol_error"


class MeterCoordinator(DataUpdateCoordinator[MeterData]):
    """Polls one meter on its shared bus.

    A single failed poll keeps the last values (their sample time stays old, so the controller
    still sees their age); after `FAILURES_BEFORE_UNAVAILABLE` in a row the entities turn
    unavailable, one warning says so, and the meter is asked less often (doubling up to
    `MAX_BACKOFF_S`) so a dead meter leaves the bus to the others. One warning says when it
    answers again.
    """

    config_entry: MeterConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: MeterConfigEntry,
        meter: ModbusMeter,
        scan_interval: timedelta,
    ) -> None:
        """Poll `meter` every `scan_interval`."""
        super().__init__(
            hass,
            POLL_LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} meter {entry.title}",
            update_interval=scan_interval,
        )
        self.meter = meter
        self.base_interval = scan_interval
        self.consecutive_failures = 0
        self.last_error: str | None = None
        self.unavailable_reported = False

    def _describe(self) -> str:
        return f"{self.config_entry.title} (unit {self.meter.unit} on {self.meter.bus.key})"

    async def _async_update_data(self) -> MeterData:
        try:
            reading = await self.meter.poll()
        except MeterError as err:
            return self._failed(err)
        if self.unavailable_reported:
            LOGGER.warning("Meter %s answers again", self._describe())
        self.unavailable_reported = False
        self.consecutive_failures = 0
        self.last_error = None
        self.update_interval = self.base_interval
        return MeterData(
            reading=reading,
            received_at=dt_util.utcnow(),
            received_monotonic=time.monotonic(),
            stats=self.meter.last_poll,
        )

    def _failed(self, err: MeterError) -> MeterData:
        self.consecutive_failures += 1
        self.last_error = str(err)
        if self.data is not None and self.consecutive_failures < FAILURES_BEFORE_UNAVAILABLE:
            POLL_LOGGER.debug(
                "Meter %s poll failed (%s): keeping the last values", self._describe(), err
            )
            return self.data
        if self.data is not None and not self.unavailable_reported:
            # Only after the entry had values: a failing setup is reported by setup itself.
            LOGGER.warning(
                "Meter %s stopped answering (%s); its entities are unavailable until it does",
                self._describe(),
                err,
            )
            self.unavailable_reported = True
        if self.data is not None:
            excess = self.consecutive_failures - FAILURES_BEFORE_UNAVAILABLE + 1
            self.update_interval = min(
                self.base_interval * 2**excess,
                max(timedelta(seconds=MAX_BACKOFF_S), self.base_interval),
            )
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=_failure_key(err),
            translation_placeholders={"error": str(err)},
        ) from err
