"""Runtime data of a monitor entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .hub import MonitorHub


@dataclass(slots=True)
class MonitorRuntimeData:
    """Everything a monitor entry needs while it is loaded."""

    hub: MonitorHub


type MonitorConfigEntry = ConfigEntry[MonitorRuntimeData]
