"""The OCPP 1.6J central system: a websocket server that charge points connect to.

Charge points open `ws://<host>:<port>/<charge point id>` with the subprotocol `ocpp1.6`
(a path before the id is allowed: `/ocpp/<id>`). The opening handshake decides:

- a registered id gets its OCPP session; with a password configured it must send HTTP Basic
  auth with its id as user name (OCPP 1.6 security profile 1), else 401;
- an unknown id is refused with 404 unless the owner of the server lets it in as *pending*:
  then its BootNotification is answered `Pending` (try again later) and every other message
  with a SecurityError, until it is registered (the user accepted the discovered charger), and
  the next BootNotification is accepted;
- a client that offers subprotocols but not `ocpp1.6` is refused with 400 (one that offers
  none at all is let in: some firmware omits the header).

Framing, schema validation and the request/response bookkeeping are the `ocpp` library's;
`OcppConnection` only routes each validated message to the charge point's driver
(charge_point.py). No Home Assistant imports: the integration passes callbacks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
import contextlib
from datetime import UTC, datetime
import hmac
from http import HTTPStatus
import json
import logging
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from ocpp.exceptions import OCPPError, SecurityError
from ocpp.messages import MessageType
from ocpp.routing import after as ocpp_after, on as ocpp_on
from ocpp.v16 import ChargePoint as OcppV16ChargePoint, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidHeader
from websockets.headers import build_www_authenticate_basic, parse_authorization_basic
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .charge_point import BootInfo, ChargePointSettings, OcppChargePoint
from .const import MAX_ID_LENGTH, MAX_PENDING, PENDING_RETRY_INTERVAL, RESPONSE_TIMEOUT, SUBPROTOCOL

LOGGER = logging.getLogger(__name__)


class _QuietLog(logging.LoggerAdapter[logging.Logger]):
    """The libraries' chatter one level down.

    `ocpp` logs every frame at info (payloads may hold id tags) and every rejected message with
    a traceback; websockets logs a failed handshake (a port scanner, a browser) as an error.
    Those are ours to report, once and without payloads: here they go to debug.
    """

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        """Info becomes debug, and so do the errors listed above."""
        if level == logging.INFO or (
            level >= logging.ERROR
            and (kwargs.get("exc_info") or msg == "opening handshake failed")
            and msg != "connection handler failed"
        ):
            level = logging.DEBUG
        super().log(level, msg, *args, **kwargs)

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        """Frames at debug."""
        self.log(logging.INFO, msg, *args, **kwargs)

    def exception(self, msg: object, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        """A rejected message: its traceback at debug (the warning comes from us)."""
        self.log(logging.DEBUG, msg, *args, exc_info=exc_info, **kwargs)


_PROTOCOL_LOG = _QuietLog(logging.getLogger(f"{__name__}.protocol"))
_WEBSOCKET_LOG = _QuietLog(logging.getLogger(f"{__name__}.websocket"))


def on[F: Callable[..., Any]](action: str) -> Callable[[F], F]:
    """`ocpp.routing.on` with its type: the handler of a CALL from the charge point."""
    decorator: Callable[[F], F] = ocpp_on(action)
    return decorator


def after[F: Callable[..., Any]](action: str) -> Callable[[F], F]:
    """`ocpp.routing.after` with its type: runs once the answer to a CALL went out."""
    decorator: Callable[[F], F] = ocpp_after(action)
    return decorator


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def charge_point_id_from_path(path: str) -> str | None:
    """The charge point id: the last segment of the request path, URL-decoded."""
    segment = urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1]
    cp_id = unquote(segment)
    if not cp_id or len(cp_id) > MAX_ID_LENGTH or not cp_id.isprintable() or "/" in cp_id:
        return None
    return cp_id


class OcppConnection(OcppV16ChargePoint):  # type: ignore[misc]
    """One websocket: OCPP routing by the library, handling by the id's `OcppChargePoint`."""

    def __init__(self, central: CentralSystem, cp_id: str, websocket: ServerConnection) -> None:
        """Bind the connection to the id from its path."""
        super().__init__(cp_id, websocket, response_timeout=central.response_timeout)
        self.logger = _PROTOCOL_LOG
        self._central = central
        self._websocket = websocket

    @property
    def websocket(self) -> ServerConnection:
        """The underlying connection."""
        return self._websocket

    def charge_point(self) -> OcppChargePoint | None:
        """The registered charge point of this id (attaching this connection to it)."""
        cp = self._central.get(self.id)
        if cp is not None and cp.connection is not self:
            cp.attach(self)
        return cp

    def _require(self) -> OcppChargePoint:
        cp = self.charge_point()
        if cp is None:
            raise SecurityError(details={"cause": "charge point not accepted (yet)"})
        return cp

    async def request(self, payload: Any) -> Any:
        """CALL the charge point; ConnectionClosed as soon as the websocket goes, not later."""
        loop = asyncio.get_running_loop()
        request = loop.create_task(self.call(payload, suppress=False))
        request.add_done_callback(_retrieve)  # also when we are cancelled meanwhile
        closed = loop.create_task(self._websocket.wait_closed())
        try:
            await asyncio.wait({request, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            if not request.done():
                request.cancel()
                await asyncio.gather(request, return_exceptions=True)
        if request.cancelled():
            raise ConnectionClosed(None, None)
        return request.result()

    async def close_quietly(self) -> None:
        """Close the websocket, ignoring a connection that is already gone."""
        with contextlib.suppress(ConnectionClosed, OSError):  # already gone
            await self._websocket.close()

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Count the message; answer garbage that still has a message id with a CallError."""
        cp = self.charge_point()
        if cp is not None:
            cp.seen()
        try:
            decoded = json.loads(raw_msg)
        except (ValueError, UnicodeDecodeError):
            decoded = None
        if not _is_frame(decoded):
            self._central.note_malformed(self.id, cp)
            if (
                isinstance(decoded, list)
                and len(decoded) >= 2
                and isinstance(decoded[1], str)
                and decoded[0] not in (MessageType.CallResult, MessageType.CallError)
            ):
                await self._send(
                    json.dumps(
                        [
                            MessageType.CallError,
                            decoded[1],
                            "FormationViolation",
                            "Not an OCPP 1.6J frame",
                            {},
                        ],
                        separators=(",", ":"),
                    )
                )
            return
        await super().route_message(raw_msg)

    async def _handle_call(self, msg: Any) -> Any:
        try:
            return await super()._handle_call(msg)
        except OCPPError as err:
            cp = self._central.get(self.id)
            if cp is not None:
                cp.counters.rejected_messages += 1
            LOGGER.warning(
                "Charge point %s: %s refused (%s)", self.id, msg.action, getattr(err, "code", err)
            )
            raise

    # --- handlers: the library validated the payload against the OCPP 1.6 schemas ---------

    @on(Action.boot_notification)
    def on_boot_notification(self, **payload: Any) -> Any:
        """Accepted for a registered id; Pending for one waiting in discovery."""
        cp = self.charge_point()
        if cp is None:
            self._central.note_pending_boot(self.id, payload)
            return call_result.BootNotification(
                current_time=_now_iso(),
                interval=self._central.pending_interval,
                status=RegistrationStatus.pending,
            )
        return cp.handle_boot(payload)

    @after(Action.boot_notification)
    def after_boot_notification(self, **payload: Any) -> None:
        """Set a freshly booted charge point up (after the answer went out)."""
        cp = self._central.get(self.id)
        if cp is not None:
            cp.after_boot()

    @on(Action.heartbeat)
    def on_heartbeat(self, **payload: Any) -> Any:
        """Liveness; also answered while pending (the clock is no secret)."""
        cp = self.charge_point()
        if cp is None:
            return call_result.Heartbeat(current_time=_now_iso())
        return cp.handle_heartbeat()

    @on(Action.status_notification)
    def on_status_notification(self, **payload: Any) -> Any:
        """Connector status and errors."""
        return self._require().handle_status(payload)

    @on(Action.meter_values)
    def on_meter_values(self, **payload: Any) -> Any:
        """Measurements."""
        return self._require().handle_meter_values(payload)

    @on(Action.authorize)
    def on_authorize(self, **payload: Any) -> Any:
        """An id tag to check."""
        return self._require().handle_authorize(payload)

    @on(Action.start_transaction)
    def on_start_transaction(self, **payload: Any) -> Any:
        """A session starts."""
        return self._require().handle_start_transaction(payload)

    @on(Action.stop_transaction)
    def on_stop_transaction(self, **payload: Any) -> Any:
        """A session ends."""
        return self._require().handle_stop_transaction(payload)

    @on(Action.data_transfer)
    def on_data_transfer(self, **payload: Any) -> Any:
        """Vendor data: declined politely."""
        return self._require().handle_data_transfer(payload)

    @on(Action.firmware_status_notification)
    def on_firmware_status_notification(self, **payload: Any) -> Any:
        """Firmware update progress: acknowledged."""
        self._require()
        return call_result.FirmwareStatusNotification()

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(self, **payload: Any) -> Any:
        """Diagnostics upload progress: acknowledged."""
        self._require()
        return call_result.DiagnosticsStatusNotification()


type UnknownPolicy = Callable[[str], bool]
type DiscoveryCallback = Callable[[str, BootInfo], None]
type AuthFailureCallback = Callable[[str], None]


class CentralSystem:
    """The websocket server and the registry of charge points it serves."""

    def __init__(
        self,
        *,
        port: int,
        host: str | None = None,
        allow_unknown: UnknownPolicy | None = None,
        on_discovered: DiscoveryCallback | None = None,
        on_auth_failure: AuthFailureCallback | None = None,
        pending_interval: int = PENDING_RETRY_INTERVAL,
        response_timeout: float = RESPONSE_TIMEOUT,
    ) -> None:
        """Describe the server; `start()` binds it.

        `allow_unknown(id)` decides whether an unregistered id is held as pending (default:
        refused); `on_discovered(id, boot)` is called when a pending one sends its
        BootNotification.
        """
        self._host = host
        self._port = port
        self._allow_unknown = allow_unknown
        self._on_discovered = on_discovered
        self._on_auth_failure = on_auth_failure
        self.pending_interval = pending_interval
        self.response_timeout = response_timeout
        self._server: Server | None = None
        self._charge_points: dict[str, OcppChargePoint] = {}
        self._connections: dict[str, OcppConnection] = {}
        self.pending: dict[str, BootInfo | None] = {}
        self._last_transaction_id = 0
        self.refused: dict[str, int] = {}  # unknown ids refused at the handshake, and how often

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0)."""
        if self._server is not None:
            for sock in self._server.sockets:
                port: int = sock.getsockname()[1]
                return port
        return self._port

    @property
    def running(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    async def start(self) -> None:
        """Listen; raises OSError when the port is taken."""
        self._server = await serve(
            self._handle,
            self._host,
            self._port,
            select_subprotocol=_select_subprotocol,
            process_request=self._process_request,
            logger=_WEBSOCKET_LOG,
            compression=None,
        )

    async def stop(self) -> None:
        """Close every connection (going away) and stop listening."""
        server, self._server = self._server, None
        for cp in list(self._charge_points.values()):
            await cp.async_close()
        if server is not None:
            server.close()
            await server.wait_closed()

    # --- registry -------------------------------------------------------------------------

    def add(
        self, settings: ChargePointSettings, *, restored: dict[str, Any] | None = None
    ) -> OcppChargePoint:
        """Register a charge point; a pending connection of its id is closed to reconnect."""
        cp_id = settings.charge_point_id
        if cp_id in self._charge_points:
            raise ValueError(f"charge point {cp_id} is already registered")
        cp = OcppChargePoint(settings, self, restored=restored)
        self._charge_points[cp_id] = cp
        self.pending.pop(cp_id, None)
        pending = self._connections.get(cp_id)
        if pending is not None:
            # It connected without the credentials it may now need: let it come back.
            asyncio.get_running_loop().create_task(pending.close_quietly())
        return cp

    async def remove(self, cp_id: str) -> None:
        """Forget a charge point and drop its connection."""
        cp = self._charge_points.pop(cp_id, None)
        if cp is not None:
            await cp.async_close()

    def get(self, cp_id: str) -> OcppChargePoint | None:
        """A registered charge point."""
        return self._charge_points.get(cp_id)

    @property
    def charge_points(self) -> dict[str, OcppChargePoint]:
        """Every registered charge point by id."""
        return dict(self._charge_points)

    def next_transaction_id(self) -> int:
        """Unique over restarts too: seeded from the clock, then counting up."""
        self._last_transaction_id = max(self._last_transaction_id + 1, int(time.time()))
        return self._last_transaction_id

    # --- bookkeeping called by connections -------------------------------------------------

    def note_malformed(self, cp_id: str, cp: OcppChargePoint | None) -> None:
        """A frame that is not OCPP at all."""
        if cp is not None:
            cp.counters.malformed_messages += 1
        LOGGER.warning("Charge point %s sent a message that is not an OCPP frame", cp_id)

    def note_pending_boot(self, cp_id: str, payload: dict[str, Any]) -> None:
        """An unregistered charge point introduced itself."""
        boot = BootInfo(
            vendor=str(payload.get("charge_point_vendor", "")),
            model=str(payload.get("charge_point_model", "")),
            serial=payload.get("charge_point_serial_number")
            or payload.get("charge_box_serial_number"),
            firmware=payload.get("firmware_version"),
        )
        first = self.pending.get(cp_id) is None
        self.pending[cp_id] = boot
        if first:
            LOGGER.info(
                "Unknown charge point %s (%s %s) is waiting to be accepted",
                cp_id,
                boot.vendor,
                boot.model,
            )
        if self._on_discovered is not None:
            self._on_discovered(cp_id, boot)

    # --- the websocket side ---------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse what is not an OCPP 1.6J charge point we may serve, before the upgrade."""
        cp_id = charge_point_id_from_path(request.path)
        if cp_id is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "No charge point id in the path\n")
        offered = _offered_subprotocols(request.headers)
        if offered and SUBPROTOCOL not in offered:
            LOGGER.warning(
                "Charge point %s offered %s, not %s: refused",
                cp_id,
                ", ".join(offered),
                SUBPROTOCOL,
            )
            return connection.respond(HTTPStatus.BAD_REQUEST, "OCPP 1.6J (ocpp1.6) required\n")
        cp = self._charge_points.get(cp_id)
        if cp is None:
            if (
                self._allow_unknown is not None
                and (cp_id in self.pending or len(self.pending) < MAX_PENDING)
                and self._allow_unknown(cp_id)
            ):
                self.pending.setdefault(cp_id, None)
                return None
            self.refused[cp_id] = self.refused.get(cp_id, 0) + 1
            if self.refused[cp_id] == 1:
                LOGGER.warning("Unknown charge point %s refused", cp_id)
            return connection.respond(HTTPStatus.NOT_FOUND, "Unknown charge point\n")
        password = cp.settings.password
        if password and not _basic_auth_matches(request.headers, cp_id, password):
            cp.counters.auth_failures += 1
            LOGGER.warning("Charge point %s did not give the right password", cp_id)
            if self._on_auth_failure is not None:
                self._on_auth_failure(cp_id)
            response = connection.respond(HTTPStatus.UNAUTHORIZED, "Invalid credentials\n")
            response.headers["WWW-Authenticate"] = build_www_authenticate_basic("OCPP")
            return response
        return None

    async def _handle(self, websocket: ServerConnection) -> None:
        assert websocket.request is not None
        cp_id = charge_point_id_from_path(websocket.request.path)
        assert cp_id is not None
        connection = OcppConnection(self, cp_id, websocket)
        previous = self._connections.get(cp_id)
        self._connections[cp_id] = connection
        if previous is not None:
            await previous.close_quietly()
        connection.charge_point()  # attach now, so commands can go out before its first message
        reason = "closed"
        try:
            await connection.start()
        except ConnectionClosed as err:
            reason = f"closed ({err.rcvd.code if err.rcvd else 'no close frame'})"
        finally:
            if self._connections.get(cp_id) is connection:
                del self._connections[cp_id]
                self.pending.pop(cp_id, None)
            cp = self._charge_points.get(cp_id)
            if cp is not None:
                cp.detach(connection, reason)


def _is_frame(decoded: Any) -> bool:
    """A well-formed CALL, CALLRESULT or CALLERROR array (OCPP-J section 4)."""
    if not isinstance(decoded, list) or len(decoded) < 3 or not isinstance(decoded[1], str):
        return False
    kind = decoded[0]
    if kind == MessageType.Call:
        return len(decoded) == 4 and isinstance(decoded[2], str) and isinstance(decoded[3], dict)
    if kind == MessageType.CallResult:
        return len(decoded) == 3
    return kind == MessageType.CallError and len(decoded) >= 4


def _select_subprotocol(connection: ServerConnection, offered: Sequence[Subprotocol]) -> Any:
    """ocpp1.6 when offered; no subprotocol for a client that offers none (checked before)."""
    return SUBPROTOCOL if SUBPROTOCOL in offered else None


def _offered_subprotocols(headers: Headers) -> list[str]:
    return [
        value.strip()
        for header in headers.get_all("Sec-WebSocket-Protocol")
        for value in header.split(",")
        if value.strip()
    ]


def _basic_auth_matches(headers: Headers, cp_id: str, password: str) -> bool:
    """HTTP Basic credentials with the charge point id as user name and the right password."""
    header = headers.get("Authorization")
    if header is None:
        return False
    try:
        username, given = parse_authorization_basic(header)
    except InvalidHeader:
        return False
    return hmac.compare_digest(username.encode(), cp_id.encode()) & hmac.compare_digest(
        given.encode(), password.encode()
    )


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a finished task's exception as seen (its caller may be gone)."""
    if not task.cancelled():
        task.exception()
