"""Constants of the charger entry kind."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

CONF_CHARGER_TYPE: Final = "charger_type"


class ChargerType(StrEnum):
    """Which driver a charger entry uses; the flow's charger menu offers one option each."""

    SMARTEVSE = "smartevse"  # SmartEVSE v3 / v3.5 over REST (+ optional MQTT)
    OCPP = "ocpp"  # any OCPP 1.6J charge point (SEMAR Infinergi, ...), Gridmate as central system
