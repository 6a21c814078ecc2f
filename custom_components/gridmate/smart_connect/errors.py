"""The one mapping from Smart Connect driver errors to Home Assistant errors for commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..const import DOMAIN
from ..devices.smart_connect.errors import (
    SmartConnectAuthError,
    SmartConnectBusyError,
    SmartConnectError,
)
from .coordinator import SmartConnectConfigEntry


@asynccontextmanager
async def device_errors(hass: HomeAssistant, entry: SmartConnectConfigEntry) -> AsyncIterator[None]:
    """Run a device command; failures become translated errors (a 401 also starts reauth)."""
    try:
        yield
    except SmartConnectAuthError as err:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="invalid_auth") from err
    except SmartConnectBusyError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="device_busy") from err
    except SmartConnectError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="http_failed",
            translation_placeholders={"error": str(err)},
        ) from err
