"""Constants of the Smart Connect entry kind (the shared ones stay in the top-level const)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Final

# Entry data
CONF_TRANSPORT: Final = "transport"
# The serial exactly as the device writes it in its MQTT topics (case matters in topics).
CONF_MQTT_SERIAL: Final = "mqtt_serial"


class Transport(StrEnum):
    """How the live values reach Home Assistant; entries made before it existed are Modbus."""

    MODBUS_TCP = "modbus_tcp"  # Gridmate polls the device's Modbus TCP server
    MQTT = "mqtt"  # the device publishes to Home Assistant's MQTT broker


# MQTT staleness: power_instant arrives with every telegram, every second on SMR 5 meters and
# every 10 s on DSMR 4.2. Entities go unavailable when no message came for this many expected
# intervals (the interval is learned from the messages' own timestamps).
STALE_INTERVALS: Final = 5
MIN_STALE_SECONDS: Final = 5.0
MIN_EXPECTED_INTERVAL: Final = 1.0
MAX_EXPECTED_INTERVAL: Final = 30.0
# Before two messages arrived the rate is unknown: assume the slowest meter (DSMR 4.2).
DEFAULT_EXPECTED_INTERVAL: Final = 10.0
# Consecutive messages older than the newest one after which Gridmate believes the device's
# clock went back (reboot without time, NTP correction) and follows it.
CLOCK_RESET_AFTER: Final = 10

# The raw P1 telegram: a slow HTTP poll of its own (gas meters report every 5 minutes on SMR 5,
# every hour on DSMR 4; tariff totals and the capacity-tariff average need no more).
TELEGRAM_POLL_INTERVAL: Final = timedelta(seconds=60)
TELEGRAM_FAILURES_BEFORE_UNAVAILABLE: Final = 3
# While a firmware update runs, the firmware state is polled this often.
FIRMWARE_UPDATING_POLL_INTERVAL: Final = timedelta(seconds=10)
# An install that shows no result after this long is no longer watched (seconds).
FIRMWARE_INSTALL_TIMEOUT: Final = 900.0

# Service action
SERVICE_CONFIGURE_MQTT: Final = "smart_connect_configure_mqtt"
ATTR_BROKER: Final = "broker"
ATTR_SITE: Final = "site"
ATTR_RESTART: Final = "restart"
DEFAULT_SITE: Final = "home"
