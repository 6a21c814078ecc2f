"""Constants of the monitor entry kind (Smappee Infinity-style CT monitors over local MQTT)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

CONF_SERVICE_LOCATION: Final = "service_location"  # the service location uuid in the topics
CONF_TOPIC_PREFIX: Final = "topic_prefix"  # "servicelocation" unless bridged elsewhere

# Options
CONF_ALWAYS_ON_HOURS: Final = "always_on_hours"
CONF_PULSE_FACTORS: Final = "pulse_factors"  # {"<module serial>:<input>": {ppu, unit}}
CONF_INPUT: Final = "input"
CONF_PULSES_PER_UNIT: Final = "pulses_per_unit"
CONF_UNIT: Final = "unit"

DEFAULT_ALWAYS_ON_HOURS: Final = 24
MIN_ALWAYS_ON_HOURS: Final = 1
MAX_ALWAYS_ON_HOURS: Final = 168

# No realtime message for this long (the gateway sends one a second) = the values are stale:
# every realtime entity turns unavailable and the mains feed stops answering.
STALE_AFTER_S: Final = 10.0
TICK_S: Final = 1.0

# Config flow: how long to listen for retained `config` topics on the broker.
DISCOVERY_WAIT_S: Final = 2.0
CONFIRM_WAIT_S: Final = 5.0

NO_INPUT: Final = "none"  # options: "do not configure an input now"


class PulseUnit(StrEnum):
    """What a pulse input counts, once divided by its pulses per unit."""

    GAS_M3 = "gas_m3"
    WATER_M3 = "water_m3"
    WATER_L = "water_l"
    ENERGY_KWH = "energy_kwh"
    PULSES = "pulses"  # no factor: the raw count
