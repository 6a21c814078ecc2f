"""Binary sensors of every Gridmate entry kind: dispatched to the entry's kind package."""

from __future__ import annotations

from homeassistant.const import Platform

from .kinds import platform_setup

PARALLEL_UPDATES = 0  # coordinator-driven

async_setup_entry = platform_setup(Platform.BINARY_SENSOR)
