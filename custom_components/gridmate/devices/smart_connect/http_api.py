"""Client for the Smart Connect's HTTP configuration API (manual v1.8, section 5.2).

Basic authentication with user `user` and the password printed on the device label. The device
allows one user session at a time, so requests from this client are serialized, time out
quickly, and a busy answer (503/429) is retried briefly before it is reported as busy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
import re
from typing import Any

import aiohttp

from ..hosts import split_host
from .errors import (
    SmartConnectAuthError,
    SmartConnectBusyError,
    SmartConnectConnectionError,
    SmartConnectNotSupportedError,
)

API_USER = "user"
DEFAULT_TIMEOUT = 5.0
BUSY_STATUSES = frozenset({429, 503})

# The manual names the endpoints but does not document the firmware payload; these are the key
# spellings accepted for the version and the serial (first match wins).
_VERSION_KEYS = ("Version", "FirmwareVersion", "CurrentVersion", "version", "firmware_version")
_AVAILABLE_KEYS = ("AvailableVersion", "LatestVersion", "available_version", "latest_version")
_SERIAL_KEYS = ("Serial", "SerialNumber", "SerialNo", "serial", "serial_number")
_STATUS_KEYS = ("Status", "State", "status", "state")
# Words in a firmware status that mean an update is running.
_UPDATING_WORDS = ("updat", "progress", "download", "install", "flash")
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_HOSTNAME_RE = re.compile(r"^smart-connect-([0-9a-z]+)(?:\.|$)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FirmwareInfo:
    """What `GET /api/v1/firmware` told us."""

    version: str | None
    available_version: str | None
    serial: str | None
    raw: dict[str, Any]
    status: str | None = None

    @property
    def updating(self) -> bool:
        """Whether the device reports a firmware update in progress."""
        status = (self.status or "").lower()
        return any(word in status for word in _UPDATING_WORDS)

    @property
    def version_tuple(self) -> tuple[int, ...] | None:
        """The version as numbers, e.g. (5, 1, 2); None when it cannot be read."""
        return parse_version(self.version)


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """Parse 'V5.1.2', '5.1' or 'SC-5.2.0-rc1' into numbers; None when there are none."""
    if not text:
        return None
    match = _VERSION_RE.search(text)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def serial_from_hostname(host: str) -> str | None:
    """The serial in a `smart-connect-<serial>` host name (the device's DHCP name)."""
    match = _HOSTNAME_RE.match(host.strip())
    return match.group(1).upper() if match else None


def _first_text(data: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    return None


def parse_firmware(data: Any) -> FirmwareInfo:
    """Read version, available version and serial from the firmware payload, tolerantly."""
    if not isinstance(data, dict):
        raise SmartConnectConnectionError("firmware answer is not a JSON object")
    serial = _first_text(data, _SERIAL_KEYS)
    return FirmwareInfo(
        version=_first_text(data, _VERSION_KEYS),
        available_version=_first_text(data, _AVAILABLE_KEYS),
        serial=serial.upper() if serial else None,
        raw=data,
        status=_first_text(data, _STATUS_KEYS),
    )


class SmartConnectApi:
    """The HTTP API of one Smart Connect, on a caller-owned aiohttp session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        busy_retries: int = 2,
    ) -> None:
        """Use `host` ('name', 'ip' or 'ip:port') and the label password."""
        self._session = session
        name, port = split_host(host)
        self.base_url = f"http://{name}:{port}" if port else f"http://{name}"
        self._headers = {"Authorization": aiohttp.encode_basic_auth(API_USER, password)}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._busy_retries = busy_retries
        self._lock = asyncio.Lock()

    async def _request(
        self, method: str, path: str, payload: Any = None, *, raw: bool = False
    ) -> Any:
        async with self._lock:
            for attempt in range(self._busy_retries + 1):
                try:
                    async with self._session.request(
                        method,
                        f"{self.base_url}{path}",
                        headers=self._headers,
                        json=payload,
                        timeout=self._timeout,
                        allow_redirects=False,
                    ) as resp:
                        if resp.status == 401:
                            raise SmartConnectAuthError("the device refused the password")
                        if resp.status in BUSY_STATUSES:
                            retry_after = _retry_after(resp.headers.get("Retry-After"))
                            if attempt < self._busy_retries:
                                await asyncio.sleep(retry_after)
                                continue
                            raise SmartConnectBusyError(
                                "the device is serving another session (HTTP "
                                f"{resp.status}); try again later"
                            )
                        if resp.status == 404:
                            raise SmartConnectNotSupportedError(f"{method} {path}: not found")
                        if resp.status >= 400:
                            raise SmartConnectConnectionError(
                                f"{method} {path} answered HTTP {resp.status}"
                            )
                        text = await resp.text()
                except (aiohttp.ClientError, TimeoutError) as err:
                    raise SmartConnectConnectionError(
                        f"{method} {path} failed: {type(err).__name__}"
                    ) from err
                if raw:
                    return text
                if not text.strip():
                    return None
                try:
                    return json.loads(text)
                except ValueError as err:
                    raise SmartConnectConnectionError(f"{path} did not answer JSON") from err
            raise SmartConnectBusyError("the device stayed busy")  # pragma: no cover

    async def status(self) -> dict[str, Any]:
        """`GET /api/v1/status`: network, MQTT and meter-type settings."""
        data = await self._request("GET", "/api/v1/status")
        if not isinstance(data, dict):
            raise SmartConnectConnectionError("status answer is not a JSON object")
        return data

    async def firmware(self) -> FirmwareInfo:
        """`GET /api/v1/firmware`: installed version (and serial, if the device gives it)."""
        return parse_firmware(await self._request("GET", "/api/v1/firmware"))

    async def reset(self) -> None:
        """`POST /api/v1/reset`: soft reset, the device reconnects to the network."""
        await self._request("POST", "/api/v1/reset")

    async def config(self) -> dict[str, Any]:
        """`GET /api/v1/config`: the device configuration (network, MQTT, meter type)."""
        data = await self._request("GET", "/api/v1/config")
        if not isinstance(data, dict):
            raise SmartConnectConnectionError("config answer is not a JSON object")
        return data

    async def patch_config(self, patch: dict[str, Any]) -> None:
        """`PATCH /api/v1/config`: change only the given settings (most need a reset after)."""
        await self._request("PATCH", "/api/v1/config", patch)

    async def install_firmware(self) -> None:
        """`POST /api/v1/firmware`: start the firmware update the device offers."""
        await self._request("POST", "/api/v1/firmware")

    async def telegram(self) -> str:
        """`GET /api/v1/telegram`: the last P1 telegram as the meter sent it.

        Raises SmartConnectNotSupportedError when the firmware has no such endpoint.
        """
        text = await self._request("GET", "/api/v1/telegram", raw=True)
        return str(text)


def _retry_after(value: str | None) -> float:
    """Seconds to wait before retrying a busy device, from Retry-After (capped at 2 s)."""
    try:
        return min(max(float(value or 0.5), 0.1), 2.0)
    except ValueError:
        return 0.5
