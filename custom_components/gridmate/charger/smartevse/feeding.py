"""Feeding the SmartEVSE its mains currents from a Gridmate entry or any current sensors.

The firmware, with its mains meter set to API, stops charging in Smart and Solar mode when no
mains data arrived for 11 s. Gridmate pushes every new sample at once (at most once a second)
and repeats the latest one every 2 s, so a steady meter keeps the charger going. It pushes
only a sample that is complete and younger than the configured maximum age: when the source
goes stale, unknown or unavailable, pushing stops and the charger fails safe by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import time
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval

from ...const import DOMAIN, LOGGER
from ...devices.chargers.contract import ChargerUnreachableError
from ...devices.chargers.smartevse import SmartEvse, SmartEvseRejectedError
from ...devices.chargers.smartevse.protocol import MAINS_FEED_LIMIT_DA, MAINS_METER_API
from ...feeds import EntityMainsFeed, MainsFeed, MainsSample
from .const import FEED_INTERVAL, FEED_MIN_SPACING_S, FeedStatus

type FeedResolver = Callable[[], tuple[MainsFeed | None, object]]


class MainsFeeder:
    """Pushes one mains feed's samples to one SmartEVSE."""

    def __init__(
        self,
        hass: HomeAssistant,
        driver: SmartEvse,
        resolve: FeedResolver,
        *,
        source: str,
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`resolve()` gives the feed and a token that changes when the feed must be re-read.

        A Gridmate source entry may load after this one or reload; its feed is looked up
        again whenever its token changes.
        """
        self._hass = hass
        self._driver = driver
        self._resolve = resolve
        self.source = source
        self.max_age_s = max_age_s
        self._clock = clock
        self.status = FeedStatus.WAITING
        self.pushes = 0
        self.last_push_at: float | None = None
        self.last_sample: MainsSample | None = None
        self.last_error: str | None = None
        self._feed: MainsFeed | None = None
        self._token: object = None
        self._unsub_feed: CALLBACK_TYPE | None = None
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._listeners: list[Callable[[], None]] = []
        self._busy = False

    # -- lifecycle ------------------------------------------------------------------------------

    @callback
    def start(self) -> None:
        """Subscribe to the source and start the keep-alive timer."""
        self._refresh_feed()
        self._unsub_timer = async_track_time_interval(
            self._hass, self._on_timer, FEED_INTERVAL, name=f"{DOMAIN} mains feeding"
        )

    @callback
    def stop(self) -> None:
        """Stop pushing."""
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        if self._unsub_feed is not None:
            self._unsub_feed()
            self._unsub_feed = None

    def add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` when the status changes."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    def _set_status(self, status: FeedStatus, error: str | None = None) -> None:
        self.last_error = error
        if status != self.status:
            LOGGER.debug("Mains feeding of %s: %s (%s)", self._driver.base_url, status, error)
            self.status = status
            for listener in list(self._listeners):
                listener()

    @callback
    def _refresh_feed(self) -> None:
        feed, token = self._resolve()
        if token is self._token and (feed is None) == (self._feed is None):
            return
        if self._unsub_feed is not None:
            self._unsub_feed()
            self._unsub_feed = None
        self._feed, self._token = feed, token
        if feed is not None:
            self._unsub_feed = feed.subscribe(self._on_sample)

    # -- pushing --------------------------------------------------------------------------------

    @callback
    def _on_sample(self) -> None:
        """A new sample: push it now unless the last push was less than a second ago."""
        now = self._clock()
        if self.last_push_at is None or now - self.last_push_at >= FEED_MIN_SPACING_S:
            self._hass.async_create_background_task(self.async_push(), f"{DOMAIN} mains push")

    @callback
    def _on_timer(self, _now: datetime) -> None:
        """Every 2 s: re-push the latest sample if still fresh (a steady meter), or stop."""
        self._refresh_feed()
        self._hass.async_create_background_task(self.async_push(), f"{DOMAIN} mains push")

    def fresh_sample(self) -> MainsSample | None:
        """The source's latest sample if it may be pushed: complete, plausible and fresh."""
        sample = self._feed.latest() if self._feed is not None else None
        if sample is None or not sample.complete:
            return None
        if self._clock() - sample.measured_at > self.max_age_s:
            return None
        if any(abs(c or 0.0) * 10 >= MAINS_FEED_LIMIT_DA for c in sample.currents):
            return None
        return sample

    async def async_push(self) -> None:
        """Push the latest sample if it is fresh (one push at a time)."""
        if self._busy:
            return
        sample = self.fresh_sample()
        if sample is None:
            self._set_status(
                FeedStatus.STALE if self._feed is not None else FeedStatus.WAITING,
                "no fresh, complete sample from the source",
            )
            return
        state = self._driver.state
        if state is not None and state.mains_meter not in (None, MAINS_METER_API):
            # Known from the last poll (MQTT has no answer to tell it): not worth sending.
            self._set_status(
                FeedStatus.REJECTED, f"the charger's mains meter is {state.mains_meter}"
            )
            return
        currents: tuple[Any, Any, Any] = sample.currents
        self._busy = True
        try:
            await self._driver.push_mains_currents(currents)
        except SmartEvseRejectedError as err:
            self._set_status(FeedStatus.REJECTED, str(err))
            return
        except ChargerUnreachableError as err:
            self._set_status(FeedStatus.UNREACHABLE, str(err))
            return
        finally:
            self._busy = False
        self.pushes += 1
        self.last_push_at = self._clock()
        self.last_sample = sample
        self._set_status(FeedStatus.ACTIVE)

    def diagnostics(self) -> dict[str, Any]:
        """What the feeding is doing, for the diagnostics download."""
        now = self._clock()
        sample = self.last_sample
        age = None if self.last_push_at is None else round(now - self.last_push_at, 1)
        return {
            "source": self.source,
            "status": self.status.value,
            "max_age_s": self.max_age_s,
            "pushes": self.pushes,
            "last_push_age_s": age,
            "last_pushed_currents": list(sample.currents) if sample else None,
            "last_error": self.last_error,
        }


def entity_feed_resolver(hass: HomeAssistant, entity_ids: list[str]) -> FeedResolver:
    """A resolver for current sensors of any integration (one feed for the entry's life)."""
    feed = EntityMainsFeed(hass, current_entities=entity_ids)

    def resolve() -> tuple[MainsFeed | None, object]:
        return feed, feed

    return resolve


def entry_feed_resolver(hass: HomeAssistant, entry_id: str) -> FeedResolver:
    """A resolver for a Gridmate entry's mains feed (re-read when the entry reloads)."""
    from ...kinds import mains_feed_of  # noqa: PLC0415 - kinds imports the kind packages

    def resolve() -> tuple[MainsFeed | None, object]:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            return None, None
        runtime = getattr(entry, "runtime_data", None)
        if not runtime:
            return None, None
        try:
            feed = mains_feed_of(entry)
        except (KeyError, ValueError):
            return None, None
        return feed, runtime

    return resolve
