"""Update entities (firmware) of every Gridmate entry kind, dispatched by kind."""

from __future__ import annotations

from homeassistant.const import Platform

from .kinds import platform_setup

PARALLEL_UPDATES = 1  # one install at a time

async_setup_entry = platform_setup(Platform.UPDATE)
