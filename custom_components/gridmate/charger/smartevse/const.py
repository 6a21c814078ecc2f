"""Constants of the SmartEVSE charger type."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Final

CONF_MQTT_PREFIX: Final = "mqtt_prefix"
# Options: polling and feeding the charger its mains data
CONF_MAINS_SOURCE: Final = "mains_source"
CONF_MAINS_ENTRY: Final = "mains_entry"
CONF_MAINS_L1: Final = "mains_l1"
CONF_MAINS_L2: Final = "mains_l2"
CONF_MAINS_L3: Final = "mains_l3"
CONF_MAINS_MAX_AGE: Final = "mains_max_age"

DEFAULT_SCAN_INTERVAL: Final = 5  # s: the and the old HA integration's REST rate
MIN_SCAN_INTERVAL: Final = 2  # s: faster polling makes the firmware answer 503
MAX_SCAN_INTERVAL: Final = 60
# With MQTT the charger pushes every value within ~1 s of a change and at least every 10 s;
# REST is then polled only for what MQTT does not carry (solar settings, MIN, serial).
MQTT_REST_INTERVAL: Final = timedelta(seconds=30)
# No MQTT message for this long (two publish periods + slack): poll REST at the normal rate.
MQTT_SILENT_AFTER_S: Final = 25.0
# Busy (503) answers in a row tolerated (keeping the last values) before entities go unknown.
BUSY_BEFORE_UNAVAILABLE: Final = 3
MAX_BACKOFF: Final = timedelta(seconds=60)

# Mains feeding: the firmware stops charging 11 s after the last mains data (Smart/Solar).
FEED_INTERVAL: Final = timedelta(seconds=2)  # keep-alive push of the latest fresh sample
FEED_MIN_SPACING_S: Final = 1.0  # a new sample is pushed at once, but not more often
DEFAULT_MAINS_MAX_AGE: Final = 15  # s: an older sample is stale, nothing is pushed
MIN_MAINS_MAX_AGE: Final = 5
MAX_MAINS_MAX_AGE: Final = 60


class MainsSource(StrEnum):
    """Where the mains currents pushed to the charger come from."""

    NONE = "none"  # not fed by Gridmate (the charger has its own meter, or nothing)
    ENTRY = "entry"  # a Gridmate entry that measures the grid (Smart Connect, mains meter)
    SENSORS = "sensors"  # current sensors of any integration


class FeedStatus(StrEnum):
    """What the mains feeding is doing (a diagnostic sensor shows it)."""

    WAITING = "waiting"  # no sample yet
    ACTIVE = "active"  # pushing fresh samples
    STALE = "stale"  # the source is stale or incomplete: not pushing, the charger fails safe
    REJECTED = "rejected"  # the charger ignores the data: its mains meter is not set to API
    UNREACHABLE = "unreachable"  # the push did not get through
