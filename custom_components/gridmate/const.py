"""Constants shared by the Gridmate integration."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "gridmate"

CONF_KIND: Final = "kind"
CONF_SERIAL: Final = "serial"


class EntryKind(StrEnum):
    """What a config entry represents; the config-flow menu offers one option per kind."""

    SMART_CONNECT = "smart_connect"
