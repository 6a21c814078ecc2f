"""The HTTP configuration API (manual 5.2) on a real aiohttp server.

Basic auth, user ``user`` and the password from the device label. "Only one user session is
allowed at a time": a request that arrives while another one (or a held web-UI session) is being
served gets ``503`` with ``Retry-After: 1``. The firmware payload is not documented in the
manual; the simulator answers ``{"Version", "Serial", "Status"}`` ("Serial" optional) plus
``AvailableVersion`` when an update is offered. ``POST /api/v1/firmware`` installs it: the
status reads ``Updating`` for ``firmware_update_seconds``, then the new version runs (409 when
none is offered). ``GET /api/v1/telegram`` answers the meter's P1 telegram as text (404 for a
device without one: older firmware, TIC). ``POST /api/v1/reset`` calls ``on_reset`` (the
simulator restarts its MQTT client with the configuration then in force).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import copy
import hmac
import json
from typing import Any

from aiohttp import BasicAuth, web

HTTP_USER = "user"
REALM = "Smart Connect"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def default_config() -> dict[str, Any]:
    """The configuration of a fresh device, shaped like the manual's example."""
    return {
        "MeterType": "PhoenixContact-EMPro",
        "DefaultNetIf": "Ethernet",
        "Ethernet": {
            "IpMode": "Static",
            "StaticIPv4": {
                "IpAddress": "192.168.10.101",
                "Netmask": "24",
                "Gateway": "192.168.10.1",
                "DNS": "192.168.10.1",
            },
        },
        "WiFi": {
            "IpMode": "DHCP",
            "ConnectionData": {"WiFiSSID": "HomeNetwork", "WiFiPassword": "wifi-secret"},
        },
        "MQTT": {
            "Broker": "mqtts://broker.xemex-cloud.eu:8883",
            "Site": "site",
            "Username": "username",
            "Password": "password",
        },
    }


def deep_merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Merge ``patch`` into ``target`` in place: objects merge, everything else replaces."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


class HttpApi:
    """State and routes of the device's HTTP API."""

    def __init__(
        self,
        *,
        password: str,
        serial: str,
        firmware_version: str,
        serial_in_api: bool = True,
        request_delay: float = 0.0,
        available_version: str | None = None,
    ) -> None:
        """Create the API state; ``serve`` starts listening."""
        self.password = password
        self.serial = serial
        self.firmware_version = firmware_version
        self.serial_in_api = serial_in_api
        self.request_delay = request_delay  # seconds added to every authorised request
        self.firmware_update_seconds = 5.0  # how long a POST /api/v1/firmware keeps "Updating"
        self.config = default_config()
        self.firmware_status = "Idle"
        self.available_version = available_version
        # The P1 telegram served at /api/v1/telegram (None: 404), and a test override of it.
        self.telegram_source: Callable[[], str | None] | None = None
        self.telegram_override: str | None = None
        self.telegram_requests = 0
        self.on_reset: Callable[[], None] | None = None
        self.config_patches: list[dict[str, Any]] = []
        self.requests = 0  # answered with anything but 503
        self.busy_rejections = 0
        self.unauthorized = 0
        self.resets = 0
        self.firmware_updates = 0
        self._session = asyncio.Lock()
        self._held_by_hook = False
        self._timers: list[asyncio.TimerHandle] = []
        self._runner: web.AppRunner | None = None

    # -- server --------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """The aiohttp application with the session and auth middlewares."""
        app = web.Application(middlewares=[self._session_middleware, self._auth_middleware])
        app.router.add_get("/api/v1/status", self._get_status)
        app.router.add_get("/api/v1/config", self._get_config)
        app.router.add_patch("/api/v1/config", self._patch_config)
        app.router.add_get("/api/v1/firmware", self._get_firmware)
        app.router.add_post("/api/v1/firmware", self._post_firmware)
        app.router.add_post("/api/v1/reset", self._post_reset)
        app.router.add_get("/api/v1/telegram", self._get_telegram)
        return app

    async def serve(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0 = any free port); return the bound port."""
        runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, host, port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        return int(runner.addresses[0][1])

    async def close(self) -> None:
        """Stop listening and cancel pending timers."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._release_hook_session()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def serving(self) -> bool:
        """Whether the HTTP server is listening."""
        return self._runner is not None

    # -- test hooks ----------------------------------------------------------------------------

    async def hold_session(self, seconds: float) -> None:
        """Occupy the one user session for ``seconds`` (like a browser on the web UI).

        Returns as soon as the session is held; requests meanwhile get 503.
        """
        await self._session.acquire()
        self._held_by_hook = True
        self._later(seconds, self._release_hook_session)

    def _release_hook_session(self) -> None:
        if self._held_by_hook:
            self._held_by_hook = False
            self._session.release()

    @property
    def busy(self) -> bool:
        """Whether the one user session is in use."""
        return self._session.locked()

    def _later(self, seconds: float, callback: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        self._timers = [t for t in self._timers if not t.cancelled() and t.when() > loop.time()]
        self._timers.append(loop.call_later(seconds, callback))

    # -- middlewares ---------------------------------------------------------------------------

    @web.middleware
    async def _session_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        if self._session.locked():
            self.busy_rejections += 1
            return web.Response(
                status=503,
                text="Only one user session is allowed at a time",
                headers={"Retry-After": "1"},
            )
        async with self._session:
            self.requests += 1
            return await handler(request)

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self._authorized(request.headers.get("Authorization")):
            self.unauthorized += 1
            return web.Response(
                status=401,
                text="Unauthorized",
                headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
            )
        if self.request_delay > 0:
            await asyncio.sleep(self.request_delay)
        return await handler(request)

    def _authorized(self, header: str | None) -> bool:
        if not header:
            return False
        try:
            auth = BasicAuth.decode(header)
        except ValueError:
            return False
        user_ok = hmac.compare_digest(auth.login.encode(), HTTP_USER.encode())
        password_ok = hmac.compare_digest(auth.password.encode(), self.password.encode())
        return user_ok and password_ok

    # -- endpoints -----------------------------------------------------------------------------

    async def _get_status(self, _request: web.Request) -> web.Response:
        return web.json_response(self.config)

    async def _get_config(self, _request: web.Request) -> web.Response:
        return web.json_response(self.config)

    async def _patch_config(self, request: web.Request) -> web.Response:
        try:
            patch = json.loads(await request.text())
        except ValueError:
            return web.json_response({"error": "malformed JSON"}, status=400)
        if not isinstance(patch, dict):
            return web.json_response({"error": "expected a JSON object"}, status=400)
        mqtt = patch.get("MQTT")
        if mqtt is not None and (
            not isinstance(mqtt, dict) or not all(isinstance(v, str) for v in mqtt.values())
        ):
            return web.json_response({"error": "MQTT settings must be strings"}, status=400)
        self.config_patches.append(copy.deepcopy(patch))
        deep_merge(self.config, patch)
        return web.json_response(self.config)

    def firmware_payload(self) -> dict[str, str]:
        """The body of GET /api/v1/firmware."""
        payload = {"Version": self.firmware_version}
        if self.serial_in_api:
            payload["Serial"] = self.serial
        payload["Status"] = self.firmware_status
        if self.available_version:
            payload["AvailableVersion"] = self.available_version
        return payload

    async def _get_firmware(self, _request: web.Request) -> web.Response:
        return web.json_response(self.firmware_payload())

    async def _post_firmware(self, _request: web.Request) -> web.Response:
        if self.firmware_status == "Updating":
            return web.json_response({"error": "an update is running"}, status=409)
        if not self.available_version or self.available_version == self.firmware_version:
            return web.json_response({"error": "no update available"}, status=409)
        self.firmware_updates += 1
        self.firmware_status = "Updating"
        self._later(self.firmware_update_seconds, self._firmware_done)
        return web.json_response(self.firmware_payload(), status=202)

    def _firmware_done(self) -> None:
        if self.available_version:
            self.firmware_version = self.available_version
            self.available_version = None
        self.firmware_status = "Idle"

    async def _post_reset(self, _request: web.Request) -> web.Response:
        self.resets += 1
        if self.on_reset is not None:
            self.on_reset()
        return web.json_response({})

    async def _get_telegram(self, _request: web.Request) -> web.Response:
        self.telegram_requests += 1
        text = self.telegram_override
        if text is None and self.telegram_source is not None:
            text = self.telegram_source()
        if text is None:
            raise web.HTTPNotFound(text="telegram not available")
        return web.Response(text=text, content_type="text/plain")
