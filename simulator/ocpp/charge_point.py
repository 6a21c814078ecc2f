"""``InfinergiSimulator``: a SEMAR Infinergi speaking OCPP 1.6J to a central system.

Built from the Infinergi manual (seed 001: section 5.1.4 OCPP URL / Charge Point ID /
authorization mode / static ID tag, 2.6 models, 9.1 error codes) and the OCPP 1.6 JSON
specification, with the ``ocpp`` library as the client over a real websocket. It never imports
Gridmate's driver.

Behaviour:
- connects to ``<url>/<charge point id>`` with subprotocol ``ocpp1.6`` (HTTP Basic auth when
  given a password), sends BootNotification (retrying while Pending), then StatusNotification
  for connectors 0 and 1, Heartbeat every interval and MeterValues every
  ``MeterValueSampleInterval`` seconds;
- plug-in starts a transaction the way the charger's authorization mode says: *disabled*
  (StartTransaction with the static tag), *static* (Authorize the static tag first) or *rfid*
  (wait for a card swipe or a RemoteStartTransaction);
- obeys charging profiles (TxProfile over TxDefaultProfile, highest stack level, connector
  over connector 0, ChargePointMaxProfile as a cap, A or W): the car draws the smaller of the
  offered current and what it takes, and below 6 A the charger suspends (SuspendedEVSE);
- answers Remote Start/Stop, ChangeAvailability, Reset (then reboots: reconnect and boot),
  TriggerMessage, Get/ChangeConfiguration, ClearChargingProfile, SendLocalList, DataTransfer;
- raises the manual's error codes as Faulted StatusNotifications with ``vendorErrorCode``;
- queues transaction messages while disconnected and sends them after reconnecting.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
import json
import logging
import time
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as OcppChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    AuthorizationStatus,
    AvailabilityStatus,
    ChargingProfileStatus,
    ClearChargingProfileStatus,
    ConfigurationStatus,
    DataTransferStatus,
    RegistrationStatus,
    RemoteStartStopStatus,
    ResetStatus,
    TriggerMessageStatus,
    UpdateStatus,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

LOGGER = logging.getLogger(__name__)


class _DebugFrames(logging.LoggerAdapter[logging.Logger]):
    """The ``ocpp`` library logs every frame at info; a simulator keeps that for debugging."""

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.debug(msg, *args, **kwargs)


_FRAMES_LOG = _DebugFrames(logging.getLogger(f"{__name__}.frames"))

# The manual's codes (section 9.1) and the OCPP 1.6 errorCode each one most plausibly travels
# with. Our reading: the manual does not say what the Infinergi sends.
ERROR_CODES: dict[str, str] = {
    "I1": "GroundFailure",
    "I2": "OtherError",
    "I3": "UnderVoltage",
    "I4": "OverVoltage",
    "V1": "OverCurrentFailure",
    "V2": "GroundFailure",
    "V3": "EVCommunicationError",
    "V4": "EVCommunicationError",
    "V5": "OtherError",
    "D1": "InternalError",
    "D2": "WeakSignal",
    "D3": "InternalError",
    "D4": "PowerSwitchFailure",
    "D5": "ConnectorLockFailure",
    "D6": "GroundFailure",
    "D7": "HighTemperature",
    "D8": "OtherError",
    "D9": "PowerMeterFailure",
}

SUPPORTED_MEASURANDS = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Current.Import",
    "Current.Offered",
    "Voltage",
    "SoC",
    "Temperature",
)
MIN_CURRENT = 6.0


class AuthorizationMode(StrEnum):
    """The Infinergi's OCPP authorization mode (manual 5.1.4, firmware 2.1.0+)."""

    DISABLED = "disabled"
    STATIC = "static"
    RFID = "rfid"


@dataclass(slots=True)
class SimulatorConfig:
    """What the installer set in the charger (and what it is)."""

    url: str  # the central system's endpoint, e.g. ws://127.0.0.1:9000 (the id is appended)
    charge_point_id: str = "infinergi-01"
    password: str | None = None
    vendor: str = "SEMAR"
    model: str = "INFINERGI-3T-DR"
    serial: str = "21/000-000001"
    firmware: str = "2.1.0"
    phases: int = 3
    wiring_limit: float = 32.0  # A: the installer's limit, never exceeded
    auth_mode: AuthorizationMode = AuthorizationMode.DISABLED
    static_tag: str | None = None  # default: the last 19 characters of the serial
    heartbeat_interval: int = 60
    meter_interval: int = 10
    reconnect_delay: float = 1.0
    voltage: float = 230.0
    can_switch_phases: bool = False
    # Real chargers differ: some send BootNotification on every reconnect, some only after a
    # reboot. False = only the first connection (and reboots) boot.
    boot_on_reconnect: bool = True
    # Speeds simulated time (energy, SoC) up; 1 = real time.
    time_scale: float = 1.0

    @property
    def id_tag(self) -> str:
        """The static ID tag."""
        return self.static_tag or self.serial[-19:]


@dataclass(slots=True)
class Car:
    """The vehicle on the cable."""

    max_current: float = 16.0  # A per phase it accepts
    phases: int = 3
    soc: float = 40.0
    capacity_wh: float = 60_000.0
    sends_soc: bool = False


@dataclass(slots=True)
class AppliedLimit:
    """One change of the offered current, for tests and the latency benchmark."""

    at: float  # time.monotonic()
    offered: float  # A per phase
    phases: int


@dataclass(slots=True)
class _Profile:
    profile_id: int
    connector_id: int
    stack_level: int
    purpose: str
    kind: str
    unit: str
    periods: list[tuple[float, float, int | None]]  # (start s, limit, phases)
    start_schedule: datetime | None
    transaction_id: int | None
    installed_at: float = field(default_factory=time.monotonic)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _num(value: Any) -> float:
    return float(value) if isinstance(value, (int, float, Decimal)) else float(str(value))


class _Link(OcppChargePoint):  # type: ignore[misc]
    """The OCPP side of one connection; everything is decided by the simulator."""

    def __init__(self, sim: InfinergiSimulator, ws: ClientConnection) -> None:
        super().__init__(sim.config.charge_point_id, ws, response_timeout=10)
        self.logger = _FRAMES_LOG
        self.sim = sim

    async def route_message(self, raw_msg: str | bytes) -> None:
        self.sim.received.append(raw_msg if isinstance(raw_msg, str) else raw_msg.decode())
        await super().route_message(raw_msg)
        await self.sim._changed_now()

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, connector_id: int, cs_charging_profiles: dict[str, Any]):
        return call_result.SetChargingProfile(
            status=self.sim._install_profile(connector_id, cs_charging_profiles)
        )

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, **kwargs: Any):
        return call_result.ClearChargingProfile(status=self.sim._clear_profiles(**kwargs))

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag: str, **kwargs: Any):
        return call_result.RemoteStartTransaction(status=self.sim._remote_start(id_tag, kwargs))

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int):
        return call_result.RemoteStopTransaction(status=self.sim._remote_stop(transaction_id))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str):
        return call_result.ChangeAvailability(status=self.sim._change_availability(type))

    @on(Action.reset)
    def on_reset(self, type: str):
        self.sim.resets.append(type)
        return call_result.Reset(status=ResetStatus.accepted)

    @after(Action.reset)
    def after_reset(self, type: str):
        self.sim._spawn(self.sim._reboot(type))

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, **kwargs: Any):
        known = {"StatusNotification", "MeterValues", "Heartbeat", "BootNotification"}
        status = (
            TriggerMessageStatus.accepted
            if requested_message in known
            else TriggerMessageStatus.not_implemented
        )
        return call_result.TriggerMessage(status=status)

    @after(Action.trigger_message)
    def after_trigger_message(self, requested_message: str, **kwargs: Any):
        self.sim.triggers.append(requested_message)
        self.sim._spawn(self.sim._send_triggered(requested_message))

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None):
        known, unknown = self.sim._configuration(key)
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str):
        return call_result.ChangeConfiguration(status=self.sim._change_configuration(key, value))

    @on(Action.send_local_list)
    def on_send_local_list(self, list_version: int, update_type: str, **kwargs: Any):
        self.sim.local_list = {
            item["id_tag"]: item.get("id_tag_info", {}).get("status", "Accepted")
            for item in kwargs.get("local_authorization_list") or []
        }
        return call_result.SendLocalList(status=UpdateStatus.accepted)

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, **kwargs: Any):
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)


class InfinergiSimulator:
    """One simulated Infinergi (connector 1) with an optional car."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Nothing connects until ``start``."""
        self.config = config
        self.car: Car | None = None
        self.status = "Available"
        self.cp_status = "Available"
        self.error: str | None = None
        self.available = True
        self.transaction_id: int | None = None
        self.transaction_tag: str | None = None
        self.registration: str | None = None
        self.energy_wh = 1_234_000.0
        self.meter_start = 0
        self.offered = config.wiring_limit
        self.phases_offered = config.phases
        self.profiles: dict[tuple[str, int, int], _Profile] = {}
        self.applied: list[AppliedLimit] = []
        self.on_applied: Callable[[AppliedLimit], None] | None = None
        self.received: list[str] = []
        self.rejections: list[int] = []  # HTTP status codes of refused connection attempts
        self.resets: list[str] = []
        self.triggers: list[str] = []
        self.boots = 0
        self._must_boot = True
        self.local_list: dict[str, str] = {}
        self.config_values: dict[str, str] = {
            "HeartbeatInterval": str(config.heartbeat_interval),
            "MeterValueSampleInterval": str(config.meter_interval),
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
            "AuthorizeRemoteTxRequests": "false",
            "LocalAuthListEnabled": "true",
            "AuthorizationKey": "",
        }
        self.readonly: dict[str, str] = {
            "NumberOfConnectors": "1",
            "MeterValuesSampledDataMaxLength": "8",
            "SupportedFeatureProfiles": (
                "Core,SmartCharging,RemoteTrigger,LocalAuthListManagement"
            ),
            "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
            "ConnectorSwitch3to1PhaseSupported": "true" if config.can_switch_phases else "false",
            "ChargeProfileMaxStackLevel": "8",
        }
        self._link: _Link | None = None
        self._ws: ClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queue: list[Any] = []
        self._stopping = False
        self._connected = asyncio.Event()
        self._interval_changed = asyncio.Event()
        self._booted = asyncio.Event()
        self._changed = asyncio.Condition()
        self._last_tick = time.monotonic()
        self._tx_started_mono: float | None = None
        self._suppress_reconnect_until = 0.0

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (and keep reconnecting) in the background."""
        self._stopping = False
        self._runner = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Disconnect for good."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner

    @property
    def connected(self) -> bool:
        """Whether the websocket is open."""
        return self._ws is not None

    @property
    def booted(self) -> bool:
        """Whether the central system accepted the BootNotification on this connection."""
        return self._booted.is_set()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait for the simulator's state to satisfy ``predicate`` (TimeoutError if not)."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(predicate)

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _headers(self) -> dict[str, str]:
        if not self.config.password:
            return {}
        token = base64.b64encode(
            f"{self.config.charge_point_id}:{self.config.password}".encode()
        ).decode()
        return {"Authorization": f"Basic {token}"}

    async def _run(self) -> None:
        url = f"{self.config.url.rstrip('/')}/{self.config.charge_point_id}"
        while not self._stopping:
            wait = max(
                self.config.reconnect_delay, self._suppress_reconnect_until - time.monotonic()
            )
            try:
                async with connect(
                    url,
                    subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                    additional_headers=self._headers(),
                    open_timeout=5,
                    compression=None,
                ) as ws:
                    await self._session(ws)
            except InvalidStatus as err:
                self.rejections.append(err.response.status_code)
                await self._changed_now()
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError) as err:
                LOGGER.debug("Simulator %s: connection ended: %s", self.config.charge_point_id, err)
            finally:
                self._ws = None
                self._link = None
                self._booted.clear()
                self._connected.clear()
                await self._changed_now()
            if self._stopping:
                return
            await asyncio.sleep(wait)

    async def _session(self, ws: ClientConnection) -> None:
        self._ws = ws
        link = _Link(self, ws)
        self._link = link
        self._connected.set()
        await self._changed_now()
        reader = asyncio.get_running_loop().create_task(link.start())
        self._reader = reader
        periodic: list[asyncio.Task[Any]] = []
        try:
            if self._must_boot or self.config.boot_on_reconnect:
                await self._boot(link, reader)
                self._must_boot = False
            else:
                self._booted.set()
                await self._changed_now()
            await self._flush_queue()  # transaction messages first, as chargers do
            await self._send_status(0)
            await self._send_status(1)
            periodic = [
                asyncio.get_running_loop().create_task(self._heartbeats()),
                asyncio.get_running_loop().create_task(self._meter_values()),
            ]
            await reader
        finally:
            for task in periodic:
                task.cancel()
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def _request(self, link: _Link, payload: Any) -> Any:
        """A CALL that gives up as soon as the connection is gone (not after the timeout)."""
        request = asyncio.get_running_loop().create_task(link.call(payload))
        request.add_done_callback(_retrieve)  # also when we are cancelled meanwhile
        reader = self._reader
        waiting: set[asyncio.Task[Any]] = {request} if reader is None else {request, reader}
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not request.done():
                request.cancel()
                await asyncio.gather(request, return_exceptions=True)
        if request.cancelled():
            raise ConnectionClosed(None, None)
        return request.result()

    async def _boot(self, link: _Link, reader: asyncio.Task[None]) -> None:
        while True:
            result = await self._request(
                link,
                call.BootNotification(
                    charge_point_model=self.config.model,
                    charge_point_vendor=self.config.vendor,
                    charge_point_serial_number=self.config.serial,
                    firmware_version=self.config.firmware,
                    meter_type="internal",
                ),
            )
            self.boots += 1
            self.registration = result.status
            await self._changed_now()
            if result.status == RegistrationStatus.accepted:
                self.config_values["HeartbeatInterval"] = str(result.interval)
                self._booted.set()
                await self._changed_now()
                return
            # Pending / Rejected: try again after the interval the central system gave.
            done, _ = await asyncio.wait({reader}, timeout=max(result.interval, 0.05))
            if done:
                raise ConnectionClosed(None, None)

    async def drop_connection(self, *, pause: float = 0.0) -> None:
        """Break the websocket like a Wi-Fi outage would; reconnect after ``pause`` seconds."""
        self._suppress_reconnect_until = time.monotonic() + pause
        if self._ws is not None:
            self._ws.transport.abort()
        with contextlib.suppress(TimeoutError):
            await self.wait_until(lambda: not self.connected, within=5)

    # --- periodic messages --------------------------------------------------------------

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(int(self.config_values["HeartbeatInterval"]) or 60)
            await self._call(call.Heartbeat())

    async def _meter_values(self) -> None:
        while True:
            interval = int(self.config_values["MeterValueSampleInterval"] or 0)
            self._interval_changed.clear()
            try:
                # A new interval takes effect at once, not after the old one ran out.
                await asyncio.wait_for(
                    self._interval_changed.wait(), interval if interval > 0 else 3600
                )
                continue
            except TimeoutError:
                pass
            if interval > 0:
                await self.send_meter_values()

    async def _call(self, payload: Any, *, queue: bool = False) -> Any:
        """Send a CALL; transaction messages are queued while offline."""
        link = self._link
        if link is None or not self._booted.is_set():
            if queue:
                self._queue.append(payload)
            return None
        try:
            return await self._request(link, payload)
        except (ConnectionClosed, TimeoutError):
            if queue:
                self._queue.append(payload)
            return None

    async def _flush_queue(self) -> None:
        queued, self._queue = self._queue, []
        for payload in queued:
            result = await self._call(payload, queue=True)
            if isinstance(payload, call.StartTransaction) and result is not None:
                self.transaction_id = result.transaction_id

    async def send_raw(self, text: str | bytes) -> None:
        """Put any text (or binary frame) on the websocket (malformed-message tests)."""
        assert self._ws is not None
        await self._ws.send(text)

    async def send_vendor_data(self, vendor_id: str = "SEMAR", data: str = "{}") -> Any:
        """A DataTransfer the central system does not know."""
        return await self._call(
            call.DataTransfer(vendor_id=vendor_id, message_id="stats", data=data)
        )

    # --- the electrical model -----------------------------------------------------------

    def _advance(self) -> None:
        now = time.monotonic()
        elapsed = (now - self._last_tick) * self.config.time_scale
        self._last_tick = now
        power = self.power_w
        if power > 0 and elapsed > 0:
            self.energy_wh += power * elapsed / 3600
            if self.car is not None:
                self.car.soc = min(
                    100.0, self.car.soc + 100 * power * elapsed / 3600 / self.car.capacity_wh
                )

    @property
    def drawing_phases(self) -> int:
        """Phases the car draws on."""
        if self.car is None:
            return 0
        return min(self.car.phases, self.phases_offered, self.config.phases)

    @property
    def current(self) -> float:
        """A per phase the car draws right now."""
        if self.status != "Charging" or self.car is None:
            return 0.0
        return min(self.offered, self.car.max_current)

    @property
    def power_w(self) -> float:
        """W the car draws right now."""
        return self.current * self.config.voltage * self.drawing_phases

    def _limit_from(self, profile: _Profile, now: float) -> tuple[float, int | None] | None:
        if profile.kind == "Absolute" and profile.start_schedule is not None:
            elapsed = (datetime.now(UTC) - profile.start_schedule).total_seconds()
        elif profile.kind == "Relative" and self._tx_started_mono is not None:
            elapsed = now - self._tx_started_mono
        else:
            elapsed = now - profile.installed_at
        chosen = None
        for start, limit, phases in profile.periods:
            if start <= elapsed:
                chosen = (limit, phases)
        if chosen is None:
            return None
        limit, phases = chosen
        if profile.unit == "W":
            used = phases or self.config.phases
            limit = limit / (self.config.voltage * used)
        return limit, phases

    def _recompute(self) -> None:
        """Offered current from the installed profiles (the charger's own limit on top)."""
        now = time.monotonic()
        limit: float | None = None
        phases: int | None = None

        def best(purpose: str) -> _Profile | None:
            candidates = [
                p
                for (pur, conn, _), p in self.profiles.items()
                if pur == purpose
                and conn in (0, 1)
                and (purpose != "TxProfile" or p.transaction_id in (None, self.transaction_id))
            ]
            if not candidates:
                return None
            # Connector 1 beats connector 0; then the highest stack level.
            return max(candidates, key=lambda p: (p.connector_id, p.stack_level))

        tx_profile = best("TxProfile") if self.transaction_id is not None else None
        chosen = tx_profile or best("TxDefaultProfile")
        if chosen is not None and (got := self._limit_from(chosen, now)) is not None:
            limit, phases = got
        cap = best("ChargePointMaxProfile")
        if cap is not None and (got := self._limit_from(cap, now)) is not None:
            limit = got[0] if limit is None else min(limit, got[0])
        offered = (
            self.config.wiring_limit if limit is None else min(limit, self.config.wiring_limit)
        )
        offered = max(0.0, offered)
        new_phases = self.config.phases
        if phases == 1 and self.config.can_switch_phases:
            new_phases = 1
        if offered != self.offered or new_phases != self.phases_offered:
            self._advance()
            self.offered = offered
            self.phases_offered = new_phases
            record = AppliedLimit(at=time.monotonic(), offered=offered, phases=new_phases)
            self.applied.append(record)
            if self.on_applied is not None:
                self.on_applied(record)
        self._spawn(self._settle())

    async def _settle(self) -> None:
        """Move between Charging and SuspendedEVSE as the offered current allows."""
        if self.transaction_id is None or self.error is not None or not self.available:
            await self._changed_now()
            return
        wanted = "Charging" if self.offered >= MIN_CURRENT else "SuspendedEVSE"
        if self.car is not None and self.car.soc >= 100:
            wanted = "SuspendedEV"
        await self._set_status(wanted)

    async def _set_status(self, status: str) -> None:
        if status == self.status:
            await self._changed_now()
            return
        self._advance()
        self.status = status
        await self._changed_now()
        await self._send_status(1)
        if status in ("Charging", "SuspendedEVSE", "SuspendedEV"):
            await self.send_meter_values()

    # --- CALLs from the central system --------------------------------------------------

    def _install_profile(self, connector_id: int, raw: dict[str, Any]) -> str:
        purpose = raw["charging_profile_purpose"]
        schedule = raw["charging_schedule"]
        if purpose == "TxProfile" and (
            self.transaction_id is None
            or raw.get("transaction_id") not in (None, self.transaction_id)
        ):
            return ChargingProfileStatus.rejected
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return ChargingProfileStatus.rejected
        if connector_id not in (0, 1):
            return ChargingProfileStatus.rejected
        start = schedule.get("start_schedule")
        profile = _Profile(
            profile_id=int(raw["charging_profile_id"]),
            connector_id=connector_id,
            stack_level=int(raw["stack_level"]),
            purpose=purpose,
            kind=raw["charging_profile_kind"],
            unit=schedule["charging_rate_unit"],
            periods=[
                (
                    _num(p["start_period"]),
                    _num(p["limit"]),
                    int(p["number_phases"]) if p.get("number_phases") is not None else None,
                )
                for p in schedule["charging_schedule_period"]
            ],
            start_schedule=datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None,
            transaction_id=raw.get("transaction_id"),
        )
        # Same id, or same purpose and stack level: replaced.
        for key, existing in list(self.profiles.items()):
            if existing.profile_id == profile.profile_id or key == (
                purpose,
                connector_id,
                profile.stack_level,
            ):
                del self.profiles[key]
        self.profiles[(purpose, connector_id, profile.stack_level)] = profile
        self._recompute()
        return ChargingProfileStatus.accepted

    def _clear_profiles(self, **criteria: Any) -> str:
        removed = False
        for key, profile in list(self.profiles.items()):
            if (
                (criteria.get("id") in (None, profile.profile_id))
                and criteria.get("connector_id") in (None, profile.connector_id)
                and criteria.get("charging_profile_purpose") in (None, profile.purpose)
                and criteria.get("stack_level") in (None, profile.stack_level)
            ):
                del self.profiles[key]
                removed = True
        self._recompute()
        return (
            ClearChargingProfileStatus.accepted if removed else ClearChargingProfileStatus.unknown
        )

    def _remote_start(self, id_tag: str, kwargs: dict[str, Any]) -> str:
        if (
            self.car is None
            or self.transaction_id is not None
            or self.error is not None
            or not self.available
            or kwargs.get("connector_id") not in (None, 1)
        ):
            return RemoteStartStopStatus.rejected
        self._spawn(self._start_transaction(id_tag, authorize=False))
        return RemoteStartStopStatus.accepted

    def _remote_stop(self, transaction_id: int) -> str:
        if self.transaction_id is None or transaction_id != self.transaction_id:
            return RemoteStartStopStatus.rejected
        self._spawn(self._stop_transaction("Remote"))
        return RemoteStartStopStatus.accepted

    def _change_availability(self, kind: str) -> str:
        operative = kind == "Operative"
        if not operative and self.transaction_id is not None:
            self.available = False
            return AvailabilityStatus.scheduled
        self.available = operative
        self._spawn(self._set_status(self._idle_status() if operative else "Unavailable"))
        return AvailabilityStatus.accepted

    def _idle_status(self) -> str:
        if self.error is not None:
            return "Faulted"
        if not self.available:
            return "Unavailable"
        if self.car is None:
            return "Available"
        return "Preparing" if self.transaction_id is None else self.status

    async def _reboot(self, kind: str) -> None:
        await asyncio.sleep(0.05)
        if self.transaction_id is not None:
            await self._stop_transaction("HardReset" if kind == "Hard" else "SoftReset")
        self.profiles = {k: p for k, p in self.profiles.items() if p.purpose != "TxProfile"}
        self._must_boot = True
        if self._ws is not None:
            await self._ws.close()

    async def _send_triggered(self, message: str) -> None:
        await asyncio.sleep(0)
        if message == "StatusNotification":
            await self._send_status(1)
        elif message == "MeterValues":
            await self.send_meter_values()
        elif message == "Heartbeat":
            await self._call(call.Heartbeat())
        elif message == "BootNotification" and self._link is not None:
            await self._link.call(
                call.BootNotification(
                    charge_point_model=self.config.model, charge_point_vendor=self.config.vendor
                )
            )

    def _configuration(self, keys: list[str] | None) -> tuple[list[dict[str, Any]], list[str]]:
        everything = {**self.config_values, **self.readonly}
        wanted = keys or list(everything)
        known = [
            {
                "key": key,
                "readonly": key in self.readonly,
                # A security key is write-only: never read back.
                "value": "" if key == "AuthorizationKey" else everything[key],
            }
            for key in wanted
            if key in everything
        ]
        return known, [key for key in wanted if key not in everything]

    def _change_configuration(self, key: str, value: str) -> str:
        if key in self.readonly:
            return ConfigurationStatus.rejected
        if key not in self.config_values:
            return ConfigurationStatus.not_supported
        if key in ("MeterValueSampleInterval", "HeartbeatInterval") and not value.isdigit():
            return ConfigurationStatus.rejected
        if key == "MeterValuesSampledData":
            measurands = [m.strip() for m in value.split(",") if m.strip()]
            if not measurands or any(m not in SUPPORTED_MEASURANDS for m in measurands):
                return ConfigurationStatus.rejected
            if len(measurands) > int(self.readonly["MeterValuesSampledDataMaxLength"]):
                return ConfigurationStatus.rejected
        self.config_values[key] = value
        if key == "MeterValueSampleInterval":
            self._interval_changed.set()
        return ConfigurationStatus.accepted

    # --- what happens at the charger ----------------------------------------------------

    async def plug_in(self, car: Car | None = None) -> None:
        """A car is plugged in; the authorization mode decides how the session starts."""
        self.car = car or Car()
        await self._set_status("Preparing")
        if self.error is not None or not self.available:
            return
        if self.config.auth_mode == AuthorizationMode.DISABLED:
            await self._start_transaction(self.config.id_tag, authorize=False)
        elif self.config.auth_mode == AuthorizationMode.STATIC:
            await self._start_transaction(self.config.id_tag, authorize=True)

    async def swipe(self, tag: str) -> bool:
        """An RFID card at the reader: starts (or stops, for the same card) a session."""
        if self.transaction_id is not None and tag == self.transaction_tag:
            await self._stop_transaction("Local")
            return True
        if self.car is None or self.transaction_id is not None:
            return False
        return await self._start_transaction(tag, authorize=True)

    async def unplug(self) -> None:
        """The car leaves."""
        if self.transaction_id is not None:
            await self._stop_transaction("EVDisconnected")
        self.car = None
        await self._set_status(self._idle_status())

    async def _authorize(self, tag: str) -> bool:
        if not self.booted:
            return self.local_list.get(tag) == "Accepted"
        result = await self._call(call.Authorize(id_tag=tag))
        return result is not None and result.id_tag_info["status"] == AuthorizationStatus.accepted

    async def _start_transaction(self, tag: str, *, authorize: bool) -> bool:
        if authorize and not await self._authorize(tag):
            await self._changed_now()
            return False
        self._advance()
        self.meter_start = round(self.energy_wh)
        payload = call.StartTransaction(
            connector_id=1, id_tag=tag, meter_start=self.meter_start, timestamp=_now_iso()
        )
        self.transaction_tag = tag
        self._tx_started_mono = time.monotonic()
        result = await self._call(payload, queue=True)
        if result is None:
            self.transaction_id = -1  # offline: the id comes when the queue is flushed
        else:
            self.transaction_id = result.transaction_id
            if result.id_tag_info["status"] != AuthorizationStatus.accepted:
                await self._stop_transaction("DeAuthorized")
                return False
        self._recompute()
        return True

    async def _stop_transaction(self, reason: str) -> None:
        self._advance()
        tx_id = self.transaction_id
        self.transaction_id = None
        self._tx_started_mono = None
        await self._call(
            call.StopTransaction(
                meter_stop=round(self.energy_wh),
                timestamp=_now_iso(),
                transaction_id=tx_id if tx_id is not None else -1,
                reason=reason,
            ),
            queue=True,
        )
        self.profiles = {k: p for k, p in self.profiles.items() if p.purpose != "TxProfile"}
        self._recompute()
        await self._set_status("Finishing" if self.car is not None else self._idle_status())

    async def raise_error(self, code: str, *, info: str | None = None) -> None:
        """The charger detects one of the manual's errors: charging stops, status Faulted."""
        self._advance()
        self.error = code
        await self._set_status("Faulted")
        if info is not None:
            await self._send_status(1, info=info)

    async def clear_error(self) -> None:
        """The error is gone (reset button, cooled down, ...)."""
        self.error = None
        if self.transaction_id is not None:
            self.status = "Preparing"  # so _settle sends the status again
            await self._settle()
        else:
            await self._set_status(self._idle_status())

    async def _send_status(self, connector: int, *, info: str | None = None) -> None:
        if connector == 0:
            status = "Available" if self.error is None or self.error[0] != "D" else "Faulted"
        else:
            status = self.status
        error_code = ERROR_CODES.get(self.error, "OtherError") if self.error else "NoError"
        faulted = status == "Faulted" and self.error is not None
        await self._call(
            call.StatusNotification(
                connector_id=connector,
                error_code=error_code if faulted else "NoError",
                status=status,
                timestamp=_now_iso(),
                info=info if faulted else None,
                vendor_id=self.config.vendor if faulted else None,
                vendor_error_code=self.error if faulted else None,
            )
        )

    def _sampled_values(self) -> list[dict[str, Any]]:
        wanted = {
            m.strip() for m in self.config_values["MeterValuesSampledData"].split(",") if m.strip()
        }
        values: list[dict[str, Any]] = []
        current = self.current
        phases = self.drawing_phases
        if "Energy.Active.Import.Register" in wanted:
            values.append(
                {
                    "value": f"{self.energy_wh / 1000:.3f}",
                    "measurand": "Energy.Active.Import.Register",
                    "unit": "kWh",
                    "context": "Sample.Periodic",
                }
            )
        if "Power.Active.Import" in wanted:
            values.append(
                {"value": f"{self.power_w:.0f}", "measurand": "Power.Active.Import", "unit": "W"}
            )
        for index in range(self.config.phases):
            phase = f"L{index + 1}"
            if "Current.Import" in wanted:
                drawn = current if index < phases else 0.0
                values.append(
                    {
                        "value": f"{drawn:.1f}",
                        "measurand": "Current.Import",
                        "phase": phase,
                        "unit": "A",
                    }
                )
            if "Voltage" in wanted:
                values.append(
                    {
                        "value": f"{self.config.voltage:.1f}",
                        "measurand": "Voltage",
                        "phase": f"{phase}-N",
                        "unit": "V",
                    }
                )
        if "Current.Offered" in wanted:
            values.append(
                {"value": f"{self.offered:.1f}", "measurand": "Current.Offered", "unit": "A"}
            )
        if "SoC" in wanted and self.car is not None and self.car.sends_soc:
            values.append(
                {
                    "value": f"{self.car.soc:.0f}",
                    "measurand": "SoC",
                    "unit": "Percent",
                    "location": "EV",
                }
            )
        return values

    async def send_meter_values(self) -> None:
        """One MeterValues message now."""
        self._advance()
        await self._call(
            call.MeterValues(
                connector_id=1,
                transaction_id=self.transaction_id
                if self.transaction_id is not None and self.transaction_id > 0
                else None,
                meter_value=[{"timestamp": _now_iso(), "sampledValue": self._sampled_values()}],
            )
        )

    def snapshot(self) -> dict[str, Any]:
        """The simulator's state as JSON-friendly values (CLI, benchmarks)."""
        return {
            "status": self.status,
            "offered": self.offered,
            "current": self.current,
            "power_w": self.power_w,
            "energy_wh": round(self.energy_wh, 1),
            "transaction_id": self.transaction_id,
            "error": self.error,
            "connected": self.connected,
        }

    def __repr__(self) -> str:
        """For test failures."""
        return f"InfinergiSimulator({json.dumps(self.snapshot())})"


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark a finished task's exception as seen (its caller may be gone)."""
    if not task.cancelled():
        task.exception()
