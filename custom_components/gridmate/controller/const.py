"""Constants of the controller entry kind: config keys, defaults and ranges."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

# --- entry data: what is wired to what (config flow, reconfigure) -------------------------------
CONF_MAINS: Final = "mains"
CONF_CIRCUIT: Final = "circuit"
CONF_BATTERY: Final = "battery"
CONF_CHARGERS: Final = "chargers"

CONF_SOURCE: Final = "source"
CONF_ENTRY_ID: Final = "entry_id"
CONF_CURRENTS: Final = "currents"
CONF_POWERS: Final = "powers"
CONF_VOLTAGES: Final = "voltages"

CONF_CHARGER_ID: Final = "charger_id"
CONF_CHARGER_SOURCE: Final = "charger_source"
CONF_NUMBER: Final = "number"
CONF_SWITCH: Final = "switch"
CONF_CONNECTED: Final = "connected"
CONF_CHARGING: Final = "charging"
CONF_ENERGY: Final = "energy"
CONF_PHASES: Final = "phases"
CONF_FIRST_PHASE: Final = "first_phase"
CONF_MIN_CURRENT: Final = "min_current"
CONF_MAX_CURRENT: Final = "max_current"
CONF_PRIORITY: Final = "priority"

CONF_BATTERY_POWER: Final = "battery_power"
CONF_BATTERY_SOC: Final = "battery_soc"
CONF_BATTERY_INVERT: Final = "battery_invert"

# --- entry options: the installation (options flow) ---------------------------------------------
CONF_VOLTAGE: Final = "voltage"
CONF_MAIN_FUSE: Final = "main_fuse"
CONF_CIRCUIT_LIMIT: Final = "circuit_limit"
CONF_SUM_LIMIT: Final = "sum_limit"
CONF_CAPACITY_CAP: Final = "capacity_cap"
CONF_STALE_TIMEOUT: Final = "stale_timeout"
CONF_SAFE_CURRENT: Final = "safe_current"
CONF_RAISE_INTERVAL: Final = "raise_interval"
CONF_BATTERY_FIRST_SOC: Final = "battery_first_soc"
CONF_START_DELAY: Final = "start_delay"  # s of surplus before a solar start
CONF_MIN_SWITCH_TIME: Final = "min_switch_time"  # s a session runs / a pause lasts at least

DEFAULT_NAME: Final = "Gridmate controller"
DEFAULT_VOLTAGE: Final = 230.0
DEFAULT_MAIN_FUSE: Final = 25.0
DEFAULT_STALE_TIMEOUT: Final = 10.0
DEFAULT_SAFE_CURRENT: Final = 0.0
DEFAULT_RAISE_INTERVAL: Final = 5.0
DEFAULT_START_DELAY: Final = 60.0
DEFAULT_MIN_SWITCH_TIME: Final = 60.0
MAX_TIMER: Final = 900.0
MIN_STALE_TIMEOUT: Final = 2.0
MAX_STALE_TIMEOUT: Final = 120.0
MAX_RAISE_INTERVAL: Final = 60.0
MAX_FUSE: Final = 250.0
IEC_MIN_CURRENT: Final = 6.0  # below 6 A a car does not charge (IEC 61851)
MAX_CHARGER_CURRENT: Final = 80.0

# --- behaviour ----------------------------------------------------------------------------------
WATCHDOG_INTERVAL_S: Final = 1.0
STALE_MARGIN_S: Final = 0.05  # step just after a reading turns stale, not just before
COMMAND_TIMEOUT_S: Final = 10.0
RETRY_BACKOFF_MAX_S: Final = 30.0
FAILURES_BEFORE_ISSUE: Final = 3
VERIFY_SETTLE_S: Final = 2.5  # a charger's report this long after our change must show it
MISMATCHES_BEFORE_FAILURE: Final = 3
HISTORY_STEPS: Final = 120  # decision history kept for diagnostics
HISTORY_COMMANDS: Final = 60
STORE_VERSION: Final = 1
STORE_SAVE_DELAY_S: Final = 2.0
PROGRAM_SLOTS: Final = 6  # the Infinergi manual's six weekly programs


class MainsSource(StrEnum):
    """Where the mains currents come from."""

    ENTRY = "entry"  # a Gridmate entry that measures the grid (Smart Connect, meter, monitor)
    CURRENTS = "currents"  # current sensors of any integration
    POWERS = "powers"  # power sensors of any integration plus a voltage


class ChargerSource(StrEnum):
    """What drives a charger."""

    ENTRY = "entry"  # a Gridmate charger entry (SmartEVSE, OCPP)
    ENTITIES = "entities"  # another integration's number entity (+ switch, sensors)


class ControllerStatus(StrEnum):
    """The controller's own state (an enum sensor; values are translation keys)."""

    STARTING = "starting"  # after a (re)start, waiting for the first meter data
    ACTIVE = "active"
    FAILSAFE = "failsafe"  # meter data missing or stale: safe current
