"""Data coordinators of the Smart Connect entry kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import time

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..const import (
    CONF_ENERGY_UNIT,
    DOMAIN,
    FAILURES_BEFORE_UNAVAILABLE,
    FIRMWARE_POLL_INTERVAL,
    LOGGER,
    MAX_BACKOFF_INTERVAL,
    EnergyUnit,
)
from ..devices.smart_connect.errors import (
    SmartConnectAuthError,
    SmartConnectBusyError,
    SmartConnectError,
)
from ..devices.smart_connect.http_api import FirmwareInfo, SmartConnectApi
from ..devices.smart_connect.modbus import Reading, ReadPlan, SmartConnectModbus, energy_in_wh


@dataclass(frozen=True, slots=True)
class SmartConnectData:
    """One successful Modbus poll."""

    reading: Reading
    received_at: datetime  # UTC, for people (diagnostics)
    received_monotonic: float  # time.monotonic(), for staleness checks (controller, feeding)


@dataclass(slots=True)
class SmartConnectRuntimeData:
    """Everything a Smart Connect entry needs while it is loaded."""

    api: SmartConnectApi
    modbus: SmartConnectModbus
    info: SmartConnectInfoCoordinator
    meter: SmartConnectMeterCoordinator


type SmartConnectConfigEntry = ConfigEntry[SmartConnectRuntimeData]


class SmartConnectInfoCoordinator(DataUpdateCoordinator[FirmwareInfo]):
    """Slow HTTP poll of the firmware information (version decides the energy unit)."""

    config_entry: SmartConnectConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: SmartConnectConfigEntry, api: SmartConnectApi
    ) -> None:
        """Poll `GET /api/v1/firmware` hourly."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} firmware",
            update_interval=FIRMWARE_POLL_INTERVAL,
        )
        self.api = api

    async def _async_update_data(self) -> FirmwareInfo:
        try:
            return await self.api.firmware()
        except SmartConnectAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except SmartConnectError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="http_failed",
                translation_placeholders={"error": str(err)},
            ) from err


class SmartConnectMeterCoordinator(DataUpdateCoordinator[SmartConnectData]):
    """Polls the Modbus map; tolerates a few refused polls before going unavailable."""

    config_entry: SmartConnectConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartConnectConfigEntry,
        modbus: SmartConnectModbus,
        info: SmartConnectInfoCoordinator,
        scan_interval: timedelta,
    ) -> None:
        """Poll every `scan_interval`, backing off while the device refuses us."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} meter",
            update_interval=scan_interval,
        )
        self.modbus = modbus
        self.info = info
        self.base_interval = scan_interval
        self.plan: ReadPlan | None = None
        self.consecutive_failures = 0
        self.last_error: str | None = None

    @property
    def energy_wh(self) -> bool | None:
        """Whether energy registers count Wh; None when neither option nor firmware tells."""
        forced = self.config_entry.options.get(CONF_ENERGY_UNIT, EnergyUnit.AUTO)
        if forced == EnergyUnit.WH:
            return True
        if forced == EnergyUnit.KWH:
            return False
        firmware = self.info.data.version_tuple if self.info.data else None
        return energy_in_wh(firmware)

    async def _async_setup(self) -> None:
        """Find which registers this firmware answers; entities exist only for those."""
        try:
            self.plan = await self.modbus.probe()
        except SmartConnectError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="modbus_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    async def _async_update_data(self) -> SmartConnectData:
        assert self.plan is not None
        try:
            reading = await self.modbus.read(self.plan, energy_wh=self.energy_wh)
        except SmartConnectError as err:
            self.consecutive_failures += 1
            self.last_error = str(err)
            # Back off so a charger that holds the only connection gets room, and retry sooner
            # than the cap once it lets go.
            self.update_interval = min(
                self.base_interval * 2**self.consecutive_failures,
                max(MAX_BACKOFF_INTERVAL, self.base_interval),
            )
            if self.data is not None and self.consecutive_failures < FAILURES_BEFORE_UNAVAILABLE:
                LOGGER.debug(
                    "Smart Connect %s poll %d failed (%s): keeping the last values",
                    self.config_entry.title,
                    self.consecutive_failures,
                    "busy" if isinstance(err, SmartConnectBusyError) else err,
                )
                return self.data
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="modbus_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.consecutive_failures = 0
        self.last_error = None
        self.update_interval = self.base_interval
        return SmartConnectData(
            reading=reading, received_at=dt_util.utcnow(), received_monotonic=time.monotonic()
        )
