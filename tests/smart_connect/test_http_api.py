"""The HTTP API client: one session at a time, busy answers, bad payloads, parsing helpers."""

from __future__ import annotations

import aiohttp
from aiohttp import web
import pytest

from custom_components.gridmate.devices.smart_connect.errors import (
    SmartConnectAuthError,
    SmartConnectBusyError,
    SmartConnectConnectionError,
)
from custom_components.gridmate.devices.smart_connect.http_api import (
    SmartConnectApi,
    parse_firmware,
    parse_version,
    serial_from_hostname,
)
from simulator.smart_connect import SmartConnectSimulator


async def test_busy_session_is_retried(simulator: SmartConnectSimulator) -> None:
    """A 503 while someone uses the web UI is retried after Retry-After, then succeeds."""
    await simulator.hold_http_session(0.5)
    async with aiohttp.ClientSession() as session:
        api = SmartConnectApi(session, f"127.0.0.1:{simulator.http_port}", "demo-pass")
        firmware = await api.firmware()
    assert firmware.version == "5.2.1"
    assert simulator.http.busy_rejections >= 1


async def test_busy_for_long_is_reported(simulator: SmartConnectSimulator) -> None:
    """A session held longer than the retries gives a typed busy error, not a hang."""
    await simulator.hold_http_session(10)
    async with aiohttp.ClientSession() as session:
        api = SmartConnectApi(
            session, f"127.0.0.1:{simulator.http_port}", "demo-pass", busy_retries=1
        )
        with pytest.raises(SmartConnectBusyError):
            await api.status()


async def test_wrong_password(simulator: SmartConnectSimulator) -> None:
    """401 is an authentication error (it starts reauth in Home Assistant)."""
    async with aiohttp.ClientSession() as session:
        api = SmartConnectApi(session, f"127.0.0.1:{simulator.http_port}", "nope")
        with pytest.raises(SmartConnectAuthError):
            await api.status()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ("<html>login</html>", "text/html"),
    ],
)
async def test_malformed_answers(socket_enabled: None, body: str, content_type: str) -> None:
    """Truncated or non-object JSON is a connection error with a clear message, no crash."""

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(text=body, content_type=content_type)

    app = web.Application()
    app.router.add_get("/api/v1/firmware", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            api = SmartConnectApi(session, f"127.0.0.1:{port}", "pw")
            with pytest.raises(SmartConnectConnectionError):
                await api.firmware()
    finally:
        await runner.cleanup()


async def test_unreachable(socket_enabled: None, unused_tcp_port: int) -> None:
    """Nothing listening: a connection error, quickly."""
    async with aiohttp.ClientSession() as session:
        api = SmartConnectApi(session, f"127.0.0.1:{unused_tcp_port}", "pw", timeout=1)
        with pytest.raises(SmartConnectConnectionError):
            await api.status()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.2.1", (5, 2, 1)),
        ("V5.1", (5, 1)),
        ("SC-5.0.3-rc1", (5, 0, 3)),
        ("unreleased build", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_version(text: str | None, expected: tuple[int, ...] | None) -> None:
    """Versions are read from the usual spellings; anything else is unknown."""
    assert parse_version(text) == expected


def test_parse_firmware_field_spellings() -> None:
    """The manual does not document the payload: accept the common field names."""
    info = parse_firmware({"FirmwareVersion": "V5.3.0", "SerialNumber": "ab12cd"})
    assert (info.version, info.serial) == ("V5.3.0", "AB12CD")
    assert parse_firmware({"version": 5}).version == "5"
    empty = parse_firmware({})
    assert (empty.version, empty.serial, empty.version_tuple) == (None, None, None)
    with pytest.raises(SmartConnectConnectionError):
        parse_firmware(["not", "an", "object"])


@pytest.mark.parametrize(
    ("host", "serial"),
    [
        ("smart-connect-a1b2c3d4e5f6", "A1B2C3D4E5F6"),
        ("Smart-Connect-0123ABCD.local", "0123ABCD"),
        ("smart-connect.local", None),
        ("192.168.1.40", None),
    ],
)
def test_serial_from_hostname(host: str, serial: str | None) -> None:
    """The device's DHCP name carries its serial."""
    assert serial_from_hostname(host) == serial
