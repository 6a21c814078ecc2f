"""The part of every kind's diagnostics that describes the config entry itself."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry


def entry_section(entry: ConfigEntry[Any]) -> dict[str, Any]:
    """The entry's title, unique id, data and options, as they are stored.

    Not redacted: the kind redacts the whole dump, and its keys to redact must name "title" and
    "unique_id" (both identify the device) besides its own secrets in data and options.
    """
    return {
        "title": entry.title,
        "unique_id": entry.unique_id,
        "data": dict(entry.data),
        "options": dict(entry.options),
    }
