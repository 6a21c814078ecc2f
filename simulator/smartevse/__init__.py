"""A SmartEVSE v3 simulator: firmware state machine, REST API (aiohttp) and MQTT (paho).

Used by the tests, the round-trip benchmark and the demo; written from the firmware sources
(SmartEVSE/SmartEVSE-3, dingo35/SmartEVSE-3.5), independently of Gridmate's driver.
"""

from __future__ import annotations

from .http_api import Fault, Variant
from .model import SmartEvseModel
from .simulator import DEFAULT_SERIAL, SmartEvseSimulator

__all__ = ["DEFAULT_SERIAL", "Fault", "SmartEvseModel", "SmartEvseSimulator", "Variant"]
