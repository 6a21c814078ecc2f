"""SmartEVSE v3 (upstream SmartEVSE/SmartEVSE-3 and the dingo35/SmartEVSE-3.5 fork)."""

from __future__ import annotations

from .client import (
    SmartEvse,
    SmartEvseBusyError,
    SmartEvseRejectedError,
    SmartEvseResponseError,
    SmartEvseState,
)
from .protocol import C2Mode, EvseError, Mode

__all__ = [
    "C2Mode",
    "EvseError",
    "Mode",
    "SmartEvse",
    "SmartEvseBusyError",
    "SmartEvseRejectedError",
    "SmartEvseResponseError",
    "SmartEvseState",
]
