"""The SmartEVSE web API (`GET/POST /settings`, `POST /currents`) on a real aiohttp server.

Field names, units and answers follow `handle_URI` in the firmware's esp32.cpp (upstream
SmartEVSE/SmartEVSE-3 and the dingo35/SmartEVSE-3.5 fork), written out here key by key rather
than taken from Gridmate's tables, so a wrong name in the driver shows up as a failing test.

Variants:
- ``upstream``: current upstream (energies in Wh: `total_wh`, `charged_wh`; power in W).
- ``fork``: dingo35's fork: energies left out while zero, `eth`/`circuit_meter` extras.
- ``legacy``: upstream before December 2025: `total_kwh`/`charged_kwh` in kWh and
  `import_active_power` in kW (one decimal), and no `evse.nrofphases` (added July 2025).

Too-frequent polling: more than ``max_gets_per_s`` `GET /settings` within one second answers
503 "Server busy, retry shortly" (the firmware answers 503 when its connection pool is full).
"""

from __future__ import annotations

from collections import deque
from enum import StrEnum
import json
import time
from typing import Any

from aiohttp import web

from .model import (
    ACCESS_OFF,
    ACCESS_PAUSE,
    C2_NAMES,
    ERROR_WEB,
    LESS_6A,
    MODE_NORMAL,
    MODE_SMART,
    MODE_SOLAR,
    STATE_WEB,
    SmartEvseModel,
    arduino_to_int,
    error_id,
)

VALUE_NOT_ALLOWED = "Value not allowed!"


class Variant(StrEnum):
    """Which firmware's answers to give."""

    UPSTREAM = "upstream"
    FORK = "fork"
    LEGACY = "legacy"


class Fault(StrEnum):
    """Broken answers to `GET /settings`, for robustness tests."""

    TRUNCATED = "truncated"  # the JSON cut off halfway
    NOT_JSON = "not_json"  # an HTML page (a different device, a captive portal)
    WRONG_TYPES = "wrong_types"  # every number a string, every object a list
    NAN = "nan"  # a NaN token where a number belongs (ArduinoJson never sends it)
    EMPTY_OBJECT = "empty_object"  # {} (an unrelated JSON API)
    HTTP_500 = "http_500"


def _kwh(wh: float) -> float:
    return round(wh / 100.0) / 10.0


class HttpApi:
    """The REST API of one simulated SmartEVSE."""

    def __init__(
        self,
        model: SmartEvseModel,
        *,
        variant: Variant = Variant.UPSTREAM,
        mqtt_prefix: str = "",
        max_gets_per_s: int | None = 4,
    ) -> None:
        """Serve `model`; nothing listens until `serve`."""
        self.model = model
        self.variant = variant
        self.mqtt_prefix = mqtt_prefix
        self.max_gets_per_s = max_gets_per_s
        self.fault: Fault | None = None
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, params)
        self.busy_answers = 0
        self._gets: deque[float] = deque()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- server ---------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        """The routes the firmware serves that Gridmate uses."""
        app = web.Application()
        app.router.add_get("/settings", self._get_settings)
        app.router.add_post("/settings", self._post_settings)
        app.router.add_post("/currents", self._post_currents)
        return app

    async def serve(self, host: str, port: int) -> int:
        """Listen on `host:port` (0 = any free port); returns the port."""
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None
        assert server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening (connections are refused until `serve` again)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def serving(self) -> bool:
        """Whether the server listens."""
        return self._runner is not None

    # -- GET /settings --------------------------------------------------------------------------

    def _too_busy(self) -> bool:
        if self.max_gets_per_s is None:
            return False
        now = time.monotonic()
        while self._gets and now - self._gets[0] > 1.0:
            self._gets.popleft()
        if len(self._gets) >= self.max_gets_per_s:
            return True
        self._gets.append(now)
        return False

    async def _get_settings(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(("GET", "/settings", {}))
        if self._too_busy():
            self.busy_answers += 1
            return web.Response(
                status=503, text="Server busy, retry shortly", headers={"Connection": "close"}
            )
        doc = self.settings_document()
        match self.fault:
            case Fault.TRUNCATED:
                text = json.dumps(doc)
                return web.Response(text=text[: len(text) // 2], content_type="application/json")
            case Fault.NOT_JSON:
                return web.Response(
                    text="<html><body>Hello</body></html>", content_type="text/html"
                )
            case Fault.WRONG_TYPES:
                return web.json_response(_scramble(doc))
            case Fault.NAN:
                text = json.dumps(doc).replace('"temp": ', '"temp": NaN, "x": ', 1)
                return web.Response(text=text, content_type="application/json")
            case Fault.EMPTY_OBJECT:
                return web.json_response({})
            case Fault.HTTP_500:
                return web.Response(status=500, text="Internal error")
        return web.json_response(doc)

    def settings_document(self) -> dict[str, Any]:
        """What `GET /settings` answers now (the keys the firmware writes, in its order)."""
        m = self.model
        legacy = self.variant is Variant.LEGACY
        fork = self.variant is Variant.FORK
        mode_name = {0: "OFF", 1: "NORMAL", 2: "SOLAR", 3: "SMART", 4: "PAUSE"}[m.mode_id]
        state = STATE_WEB[m.state]
        error = ERROR_WEB[error_id(m.error_flags)]
        err_id = error_id(m.error_flags)
        if m.error_flags & LESS_6A:
            state += " - " + error
            error, err_id = "None", 0
        connected = m.vehicle.plugged
        doc: dict[str, Any] = {
            "version": m.version,
            "serialnr": m.serial,
            "mode": mode_name,
            "mode_id": m.mode_id,
            "car_connected": connected,
            "wifi": {"status": "WL_CONNECTED", "ssid": "HomeNet", "rssi": -61, "bssid": "AA:BB"},
        }
        if fork:
            doc["eth"] = {"present": False, "connected": False, "has_ip": False}
        evse: dict[str, Any] = {
            "temp": m.temp,
            "temp_max": m.temp_max,
            "connected": connected,
            "access": m.access,
            "mode": m.mode,
            "loadbl": m.load_bl,
            "pwm": 1024,
            "custombutton": False,
            "solar_stop_timer": m.solar_stop_timer,
            "state": state,
            "state_id": m.state,
            "error": error,
            "error_id": err_id,
            "rfidreader": "Disabled",
            "rfid": "Not Installed",
        }
        if not legacy:
            evse["nrofphases"] = m.nr_of_phases
        doc["evse"] = evse
        settings: dict[str, Any] = {
            "charge_current": m.balanced,
            "override_current": m.override_current,
            "current_min": m.current_min,
            "current_max": m.current_max,
            "current_main": m.current_main,
            "current_max_circuit": m.current_max_circuit,
            "current_max_sum_mains": m.max_sum_mains,
            "max_sum_mains_time": m.max_sum_mains_time,
            "solar_max_import": m.solar_max_import,
            "solar_start_current": m.solar_start_current,
            "solar_stop_time": m.stop_time,
            "enable_C2": C2_NAMES[m.enable_c2],
            "mains_meter": m.mains_meter,
            "starttime": 0,
            "stoptime": 0,
            "repeat": 0,
            "lcdlock": 0,
            "lock": 0,
            "cablelock": 0,
        }
        if fork:
            settings["ledmode"] = 0
            settings["capacity_mode"] = 1 if m.max_sum_mains else 0
        doc["settings"] = settings
        doc["mqtt"] = {
            "host": "192.168.1.10",
            "port": 1883,
            "topic_prefix": self.mqtt_prefix,
            "username": "mqtt-user",
            "password_set": True,
            "tls": False,
            "status": "Connected" if self.mqtt_prefix else "Disconnected",
        }
        doc["home_battery"] = {
            "current": m.home_battery_current,
            "last_update": m.home_battery_last_update,
        }
        ev: dict[str, Any] = {"description": m.ev_meter, "address": 12 if m.has_ev_meter else 0}
        energy = round(m.ev_energy)
        if legacy:
            ev["import_active_power"] = round(m.ev_power / 100.0) / 10.0
            ev["total_kwh"] = _kwh(energy)
            ev["charged_kwh"] = _kwh(m.charged_wh)
        else:
            ev["import_active_power"] = m.ev_power
            ev["total_wh"] = energy if m.has_ev_meter else 0
            ev["charged_wh"] = m.charged_wh if m.has_ev_meter else 0
        ev["currents"] = {
            "TOTAL": sum(m.ev_irms),
            "L1": m.ev_irms[0],
            "L2": m.ev_irms[1],
            "L3": m.ev_irms[2],
        }
        if not fork or energy:
            ev["import_active_energy"] = _kwh(energy) if legacy else energy
        if not fork:
            ev["export_active_energy"] = 0
        doc["ev_meter"] = ev
        doc["mains_meter"] = {} if fork else {"import_active_energy": 0, "export_active_energy": 0}
        doc["phase_currents"] = {
            "TOTAL": sum(m.mains_irms),
            "L1": m.mains_irms[0],
            "L2": m.mains_irms[1],
            "L3": m.mains_irms[2],
            "last_data_update": 1_760_000_000 + (m.mains_fed_at or 0),
            "original_data": {
                "TOTAL": sum(m.mains_irms),
                "L1": m.mains_irms[0],
                "L2": m.mains_irms[1],
                "L3": m.mains_irms[2],
            },
        }
        doc["backlight"] = {"timer": 0, "status": "OFF"}
        return doc

    # -- POST /settings -------------------------------------------------------------------------

    async def _post_settings(self, request: web.Request) -> web.Response:
        q = dict(request.query)
        self.requests.append(("POST", "/settings", q))
        m = self.model
        doc: dict[str, Any] = {}

        def number(name: str) -> int:
            return arduino_to_int(q[name])

        if "current_max_sum_mains" in q:
            value = number("current_max_sum_mains")
            if (value == 0 or 10 <= value <= 600) and m.load_bl < 2:
                m.max_sum_mains = value
                doc["current_max_sum_mains"] = value
            else:
                doc["current_max_sum_mains"] = VALUE_NOT_ALLOWED
        if "disable_override_current" in q:
            m.set_override(0)
            doc["disable_override_current"] = "OK"
        if "mode" in q:
            mode = q["mode"]
            match number("mode"):
                case 0:
                    m.set_access(ACCESS_OFF)
                case 1:
                    m.set_mode(MODE_NORMAL)
                case 2:
                    m.set_mode(MODE_SOLAR)
                case 3:
                    m.set_mode(MODE_SMART)
                case 4:
                    m.set_access(ACCESS_PAUSE)
                case _:
                    mode = VALUE_NOT_ALLOWED
            doc["mode"] = mode
        if "enable_C2" in q:
            value = number("enable_C2")
            if 0 <= value < len(C2_NAMES):
                m.enable_c2 = value
                m.changed()
            doc["settings"] = {"enable_C2": C2_NAMES[m.enable_c2]}
        if "stop_timer" in q:
            value = number("stop_timer")
            ok = 0 <= value <= 60
            if ok:
                m.stop_time = value
            doc["stop_timer"] = ok
        if m.mode in (MODE_NORMAL, MODE_SMART) and "override_current" in q:
            value = number("override_current")
            if m.override_allowed(value):
                m.set_override(value)
                doc["override_current"] = m.override_current
            else:
                doc["override_current"] = VALUE_NOT_ALLOWED
        for name, attr in (
            ("solar_start_current", "solar_start_current"),
            ("solar_max_import", "solar_max_import"),
        ):
            if name in q:
                value = number(name)
                if 0 <= value <= 48:
                    setattr(m, attr, value)
                    doc[name] = value
                else:
                    doc[name] = VALUE_NOT_ALLOWED
        return web.json_response(doc)

    # -- POST /currents -------------------------------------------------------------------------

    async def _post_currents(self, request: web.Request) -> web.Response:
        q = dict(request.query)
        self.requests.append(("POST", "/currents", q))
        m = self.model
        doc: dict[str, Any] = {}
        if m.mains_meter == "API" and all(k in q for k in ("L1", "L2", "L3")):
            if m.load_bl < 2:
                try:
                    values = [int(q[k]) for k in ("L1", "L2", "L3")]
                except ValueError:
                    values = [0, 0, 0]  # toInt() of garbage
                m.feed_mains(*values)
                for n, value in enumerate(values, start=1):
                    doc[f"L{n}"] = value
                doc["TOTAL"] = sum(values)
            else:
                doc["TOTAL"] = "not allowed on slave"
        return web.json_response(doc)

    @property
    def mains_posts(self) -> list[dict[str, str]]:
        """The parameters of every `POST /currents` so far."""
        return [params for method, path, params in self.requests if path == "/currents"]


def _scramble(value: Any) -> Any:
    """Every number as a string, every object's values scrambled, lists of objects."""
    if isinstance(value, dict):
        return {key: _scramble(item) for key, item in value.items()}
    if isinstance(value, bool):
        return "yes" if value else []
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return {"text": value}
    return value
