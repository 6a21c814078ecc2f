"""Data coordinators of the Smart Connect entry kind."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import time
from typing import TYPE_CHECKING

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
    SmartConnectNotSupportedError,
)
from ..devices.smart_connect.http_api import FirmwareInfo, SmartConnectApi
from ..devices.smart_connect.modbus import Reading, ReadPlan, SmartConnectModbus, energy_in_wh
from ..devices.smart_connect.telegram import (
    P1Telegram,
    TelegramChecksumError,
    TelegramError,
    extract_telegram_text,
    parse_telegram,
)
from .const import (
    FIRMWARE_INSTALL_TIMEOUT,
    FIRMWARE_UPDATING_POLL_INTERVAL,
    TELEGRAM_FAILURES_BEFORE_UNAVAILABLE,
    TELEGRAM_POLL_INTERVAL,
    Transport,
)

if TYPE_CHECKING:
    from .push import SmartConnectCountersCoordinator, SmartConnectPushCoordinator


@dataclass(frozen=True, slots=True)
class SmartConnectData:
    """One reading of the meter: a Modbus poll or an MQTT power_instant message."""

    reading: Reading
    received_at: datetime  # UTC, for people (diagnostics)
    received_monotonic: float  # time.monotonic(), for staleness checks (controller, feeding)
    device_time: float | None = None  # the device's own timestamp (MQTT ts), UTC epoch


@dataclass(slots=True)
class SmartConnectRuntimeData:
    """Everything a Smart Connect entry needs while it is loaded."""

    api: SmartConnectApi
    info: SmartConnectInfoCoordinator
    meter: SmartConnectMeterCoordinator | SmartConnectPushCoordinator
    transport: Transport = Transport.MODBUS_TCP
    modbus: SmartConnectModbus | None = None
    telegram: SmartConnectTelegramCoordinator | None = None
    counters: SmartConnectCountersCoordinator | None = None


type SmartConnectConfigEntry = ConfigEntry[SmartConnectRuntimeData]


def energy_unit_wh(
    entry: SmartConnectConfigEntry, info: SmartConnectInfoCoordinator
) -> bool | None:
    """Whether the device counts energy in Wh; None when neither option nor firmware tells."""
    forced = entry.options.get(CONF_ENERGY_UNIT, EnergyUnit.AUTO)
    if forced == EnergyUnit.WH:
        return True
    if forced == EnergyUnit.KWH:
        return False
    firmware = info.data.version_tuple if info.data else None
    return energy_in_wh(firmware)


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
        self._install_started: float | None = None  # time.monotonic() of the user's install
        self._seen_updating = False

    @property
    def install_requested(self) -> bool:
        """Whether the user started an install that has not visibly finished yet."""
        return self._install_started is not None

    def watch_install(self) -> None:
        """An install was started: poll often until the device reports it done."""
        self._install_started = time.monotonic()
        self._seen_updating = False
        self.update_interval = FIRMWARE_UPDATING_POLL_INTERVAL

    async def _async_update_data(self) -> FirmwareInfo:
        try:
            info = await self.api.firmware()
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
        if self._install_started is not None:
            self._seen_updating |= info.updating
            previous = self.data
            done = not info.updating and (
                self._seen_updating or (previous is not None and previous.version != info.version)
            )
            expired = time.monotonic() - self._install_started > FIRMWARE_INSTALL_TIMEOUT
            if done or expired:
                self._install_started = None
        watching = info.updating or self._install_started is not None
        self.update_interval = (
            FIRMWARE_UPDATING_POLL_INTERVAL if watching else FIRMWARE_POLL_INTERVAL
        )
        return info


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
        return energy_unit_wh(self.config_entry, self.info)

    @property
    def supported_keys(self) -> frozenset[str]:
        """Keys of the values this transport delivers (entities exist for these)."""
        return self.plan.keys if self.plan else frozenset()

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


@dataclass(slots=True)
class TelegramStats:
    """What the telegram poll has seen, for diagnostics."""

    parsed: int = 0
    checksum_errors: int = 0
    truncated: int = 0
    skipped_lines: int = 0
    unknown_lines: int = 0
    http_failures: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TelegramData:
    """The newest good telegram (None while there is none)."""

    telegram: P1Telegram | None
    received_at: datetime | None = None
    supported: bool = True  # False: the firmware has no /api/v1/telegram
    stats: TelegramStats = field(default_factory=TelegramStats)


class SmartConnectTelegramCoordinator(DataUpdateCoordinator[TelegramData]):
    """Slow HTTP poll of the raw P1 telegram, independent of the live transport.

    A bad telegram (CRC, truncated) or a refused request keeps the last good telegram; only
    after several failed polls in a row do its entities turn unavailable. Firmware without the
    endpoint stops the poll for good.
    """

    config_entry: SmartConnectConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: SmartConnectConfigEntry, api: SmartConnectApi
    ) -> None:
        """Poll `GET /api/v1/telegram` every TELEGRAM_POLL_INTERVAL."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} telegram",
            update_interval=TELEGRAM_POLL_INTERVAL,
        )
        self.api = api
        self.stats = TelegramStats()
        self.consecutive_failures = 0

    def _keep_last(self, err: Exception, translation_key: str) -> TelegramData:
        self.consecutive_failures += 1
        self.stats.last_error = f"{type(err).__name__}: {err}"
        self.stats.last_error_at = dt_util.utcnow()
        if (
            self.data is not None
            and self.data.telegram is not None
            and self.consecutive_failures < TELEGRAM_FAILURES_BEFORE_UNAVAILABLE
        ):
            LOGGER.debug(
                "Smart Connect %s telegram rejected (%s): keeping the last good one",
                self.config_entry.title,
                err,
            )
            return self.data
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={"error": str(err)},
        ) from err

    async def _async_update_data(self) -> TelegramData:
        try:
            body = await self.api.telegram()
        except SmartConnectAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except SmartConnectNotSupportedError:
            LOGGER.info(
                "Smart Connect %s has no /api/v1/telegram (older firmware): no tariff, gas or "
                "capacity-tariff values",
                self.config_entry.title,
            )
            self.update_interval = None
            return TelegramData(telegram=None, supported=False, stats=self.stats)
        except SmartConnectError as err:
            self.stats.http_failures += 1
            return self._keep_last(err, "http_failed")
        try:
            # About a millisecond of CPU once a minute: not worth a thread.
            telegram = parse_telegram(extract_telegram_text(body))
        except TelegramError as err:
            if isinstance(err, TelegramChecksumError):
                self.stats.checksum_errors += 1
            else:
                self.stats.truncated += 1
            return self._keep_last(err, "telegram_invalid")
        self.consecutive_failures = 0
        self.stats.parsed += 1
        self.stats.skipped_lines += telegram.skipped_lines
        self.stats.unknown_lines += telegram.unknown_lines
        return TelegramData(telegram=telegram, received_at=dt_util.utcnow(), stats=self.stats)
