"""Constants of the OCPP charger type."""

from __future__ import annotations

from typing import Final

CONF_CHARGE_POINT_ID: Final = "charge_point_id"
CONF_MAX_CURRENT: Final = "max_current"
CONF_PHASES: Final = "phases"
CONF_CONNECTOR_ID: Final = "connector_id"

# Options
CONF_AUTH_MODE: Final = "auth_mode"
CONF_ID_TAGS: Final = "id_tags"
CONF_REMOTE_ID_TAG: Final = "remote_id_tag"
CONF_METER_INTERVAL: Final = "meter_interval"
CONF_HEARTBEAT_INTERVAL: Final = "heartbeat_interval"

DEFAULT_MAX_CURRENT: Final = 16
MIN_MAX_CURRENT: Final = 6
MAX_MAX_CURRENT: Final = 80
MAX_METER_INTERVAL: Final = 3600
MIN_HEARTBEAT_INTERVAL: Final = 10
MAX_HEARTBEAT_INTERVAL: Final = 86400

STORAGE_KEY: Final = "gridmate.ocpp"
STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 10  # s: sessions are saved at most this late after a change


def entry_unique_id(charge_point_id: str) -> str:
    """The config entry's unique id for a charge point id (one entry per id)."""
    return f"ocpp_{charge_point_id}"
