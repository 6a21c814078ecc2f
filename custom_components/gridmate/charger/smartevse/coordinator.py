"""The SmartEVSE's data coordinator: REST polling with back-off, MQTT pushes merged in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from ...const import DOMAIN, LOGGER
from ...devices.chargers.contract import ChargerUnreachableError
from ...devices.chargers.smartevse import (
    SmartEvse,
    SmartEvseBusyError,
    SmartEvseResponseError,
    SmartEvseState,
)
from .const import (
    BUSY_BEFORE_UNAVAILABLE,
    MAX_BACKOFF,
    MQTT_REST_INTERVAL,
    MQTT_SILENT_AFTER_S,
)

if TYPE_CHECKING:
    from .feeding import MainsFeeder


@dataclass(slots=True)
class SmartEvseRuntimeData:
    """Everything a SmartEVSE entry needs while it is loaded."""

    driver: SmartEvse
    coordinator: SmartEvseCoordinator
    feeder: MainsFeeder | None = None


type SmartEvseConfigEntry = ConfigEntry[SmartEvseRuntimeData]


class SmartEvseCoordinator(DataUpdateCoordinator[SmartEvseState]):
    """Polls `GET /settings`; with MQTT, takes the charger's pushes between polls."""

    config_entry: SmartEvseConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartEvseConfigEntry,
        driver: SmartEvse,
        scan_interval: timedelta,
    ) -> None:
        """Poll every `scan_interval` (slower while MQTT is alive), backing off on 503."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=scan_interval,
        )
        self.driver = driver
        self.base_interval = scan_interval
        self.consecutive_busy = 0
        self.last_error: str | None = None
        self._polling = False
        self._unsub_driver: CALLBACK_TYPE | None = None

    def start_push(self) -> None:
        """Hand MQTT updates of the driver to the entities (without resetting the poll timer)."""
        self._unsub_driver = self.driver.add_listener(self._driver_updated)

    def stop_push(self) -> None:
        """Stop listening to the driver."""
        if self._unsub_driver is not None:
            self._unsub_driver()
            self._unsub_driver = None

    @callback
    def _driver_updated(self) -> None:
        if self._polling or self.data is None or not self.driver.available:
            return
        state = self.driver.state
        if state is not None:
            # Not async_set_updated_data: that would reschedule the REST poll every time a
            # message arrives, and MQTT never carries the solar settings.
            self.data = state
            self.async_update_listeners()

    def _mqtt_alive(self) -> bool:
        age = self.driver.mqtt_age()
        if not self.driver.uses_mqtt or age is None or self.driver.mqtt_online is False:
            return False
        return age < MQTT_SILENT_AFTER_S

    async def _async_update_data(self) -> SmartEvseState:
        self._polling = True
        try:
            state = await self.driver.refresh()
        except SmartEvseBusyError as err:
            self.consecutive_busy += 1
            self.last_error = str(err)
            self.update_interval = min(
                self.base_interval * 2**self.consecutive_busy, max(MAX_BACKOFF, self.base_interval)
            )
            if self.data is not None and self.consecutive_busy < BUSY_BEFORE_UNAVAILABLE:
                LOGGER.debug(
                    "%s busy (%d): keeping the last values", self.name, self.consecutive_busy
                )
                return self.data
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="smartevse_busy") from err
        except SmartEvseResponseError as err:
            self.last_error = str(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="smartevse_invalid_response",
                translation_placeholders={"error": str(err)},
            ) from err
        except ChargerUnreachableError as err:
            self.last_error = str(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="smartevse_unreachable",
                translation_placeholders={"error": str(err)},
            ) from err
        finally:
            self._polling = False
        self.consecutive_busy = 0
        self.last_error = None
        self.update_interval = (
            max(MQTT_REST_INTERVAL, self.base_interval)
            if self._mqtt_alive()
            else self.base_interval
        )
        return state
