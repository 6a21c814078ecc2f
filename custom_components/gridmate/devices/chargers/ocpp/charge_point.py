"""One OCPP 1.6J charge point as Gridmate sees it: its state, its sessions and its commands.

An `OcppChargePoint` outlives websocket connections: the central system hands it the
connection of its id whenever the charger (re)connects, so a reconnect mid-session resumes the
transaction, the measurements and the current limit Gridmate asked for. It implements the
charger contract (`devices/chargers/contract.py`):

- `set_current_limit(A)` installs Gridmate's TxDefaultProfile on the entry's connector (one
  period from 0 s, no end, a limit in A with the number of phases; in W at 230 V for chargers
  that only take power). 0 A pauses without ending the transaction.
- `stop()` pauses (0 A) and `start()` lifts the pause; when a car waits for authorization
  (Preparing, no transaction) `start()` sends a RemoteStartTransaction.
- `set_phases()` works only on chargers that report ConnectorSwitch3to1PhaseSupported.

The wanted limit is remembered while the charger is away and applied again after every
(re)connect and reboot. Messages from the charger arrive through the `handle_*` methods, called
by the connection (server.py) after the `ocpp` library validated them against the schemas.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
import logging
import math
import time
from typing import TYPE_CHECKING, Any, Protocol

from ocpp.exceptions import OCPPError
from ocpp.v16 import call, call_result
from ocpp.v16.datatypes import (
    ChargingProfile,
    ChargingSchedule,
    ChargingSchedulePeriod,
    IdTagInfo,
)
from ocpp.v16.enums import (
    AuthorizationStatus,
    AvailabilityType,
    ChargingProfileKindType,
    ChargingProfilePurposeType,
    ChargingRateUnitType,
    DataTransferStatus,
    MessageTrigger,
    RegistrationStatus,
    ResetType,
    UpdateType,
)
from websockets.exceptions import ConnectionClosed

from ..contract import (
    ChargerCapabilities,
    ChargerError,
    ChargerNotSupportedError,
    ChargerRejectedError,
    ChargerStatus,
    ChargerUnreachableError,
)
from .const import (
    DEFAULT_HEARTBEAT_INTERVAL,
    DEFAULT_METER_INTERVAL,
    DEFAULT_REMOTE_ID_TAG,
    NOMINAL_VOLTAGE,
    PROFILE_ID,
    PROFILE_STACK_LEVEL,
)
from .infinergi import STATES_BY_STATUS, InfinergiError, decode_error
from .meter_values import WANTED_MEASURANDS, Measurements, merge_meter_values, parse_timestamp

if TYPE_CHECKING:
    from .server import OcppConnection

LOGGER = logging.getLogger(__name__)

CHARGING = "Charging"
PREPARING = "Preparing"
AVAILABLE = "Available"
SUSPENDED_EVSE = "SuspendedEVSE"
NO_ERROR = "NoError"
# A connector in these states has a car but draws nothing: its currents are 0, not the last
# values a meter reported while charging.
_NOT_DRAWING = frozenset(
    {AVAILABLE, PREPARING, "Finishing", SUSPENDED_EVSE, "SuspendedEV", "Unavailable", "Faulted"}
)
_NOT_SUPPORTED_CODES = frozenset({"NotImplemented", "NotSupported"})


class AuthMode(StrEnum):
    """How Authorize and StartTransaction id tags are answered."""

    ACCEPT_ALL = "accept_all"  # every tag (the charger's own "disabled" / static tag modes)
    TAG_LIST = "tag_list"  # only the tags configured in Gridmate
    LOCAL_LIST = "local_list"  # the same tags, also sent to the charger (SendLocalList)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargePointSettings:
    """How Gridmate treats one charge point (from its config entry)."""

    charge_point_id: str
    password: str | None = None  # HTTP Basic auth (security profile 1); None = none
    connector_id: int = 1
    max_current: float = 16.0  # A per phase: the wiring limit set in the charger
    min_current: float = 6.0
    phases: int = 3
    auth_mode: AuthMode = AuthMode.ACCEPT_ALL
    id_tags: tuple[str, ...] = ()
    remote_id_tag: str = DEFAULT_REMOTE_ID_TAG
    heartbeat_interval: int = DEFAULT_HEARTBEAT_INTERVAL
    meter_interval: int = DEFAULT_METER_INTERVAL  # 0 = keep the charger's own setting


@dataclass(frozen=True, slots=True, kw_only=True)
class BootInfo:
    """What the charger said about itself in its BootNotification."""

    vendor: str
    model: str
    serial: str | None = None
    firmware: str | None = None
    meter_type: str | None = None
    meter_serial: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction:
    """A running charging session."""

    transaction_id: int
    id_tag: str | None
    meter_start_wh: float | None  # None when adopted from MeterValues (start not seen)
    started_at: datetime | None
    authorized: bool = True
    # The StartTransaction it came from, to answer a repeated one with the same id.
    start_key: tuple[int, int, str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A finished charging session."""

    transaction_id: int
    energy_wh: float | None
    started_at: datetime | None
    ended_at: datetime | None
    reason: str | None
    id_tag: str | None
    meter_start_wh: float | None = None

    @property
    def duration_s(self) -> float | None:
        """How long it lasted."""
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.started_at).total_seconds())


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargePointSnapshot:
    """Everything known about a charge point at one moment (what the entities show)."""

    online: bool
    boot: BootInfo | None
    status: str | None  # ChargePointStatus of the entry's connector
    charge_point_status: str | None  # connector 0: the charge point as a whole
    error_code: str | None  # OCPP errorCode; None = NoError
    vendor_error_code: str | None
    error_info: str | None
    infinergi_error: InfinergiError | None
    measurements: Measurements
    transaction: Transaction | None
    last_session: Session | None
    last_heartbeat: datetime | None
    last_seen: datetime | None
    applied_limit: float | None  # A per phase of the profile the charger accepted last
    wanted_limit: float | None  # A per phase Gridmate wants (before a pause)
    paused: bool
    available: bool | None  # from ChangeAvailability / Unavailable status
    configuration: Mapping[str, str | None]
    last_refused_tag: str | None

    @property
    def session_energy_wh(self) -> float | None:
        """Energy of the running session, else of the last one."""
        tx = self.transaction
        if tx is not None:
            energy = self.measurements.energy_wh
            if energy is None or tx.meter_start_wh is None or energy < tx.meter_start_wh:
                return None
            return energy - tx.meter_start_wh
        return self.last_session.energy_wh if self.last_session else None

    def session_duration_s(self, now: datetime) -> float | None:
        """Duration of the running session (up to `now`), else of the last one."""
        tx = self.transaction
        if tx is not None:
            if tx.started_at is None:
                return None
            return max(0.0, (now - tx.started_at).total_seconds())
        return self.last_session.duration_s if self.last_session else None

    @property
    def error_text(self) -> str | None:
        """The error in words: the Infinergi's code and title, or the OCPP error code."""
        if self.infinergi_error is not None:
            return f"{self.infinergi_error.code}: {self.infinergi_error.title}"
        if self.error_code is not None:
            return self.vendor_error_code or self.error_info or self.error_code
        return None


@dataclass(slots=True)
class Counters:
    """Traffic figures for diagnostics."""

    connections: int = 0
    messages: int = 0
    rejected_messages: int = 0  # failed schema validation or arrived in a wrong state
    malformed_messages: int = 0  # not even an OCPP frame
    auth_failures: int = 0
    last_disconnect: str | None = None


class CentralHooks(Protocol):
    """What a charge point needs from its central system."""

    def next_transaction_id(self) -> int:
        """A transaction id not handed out before."""


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _session_energy(start: float | None, stop: float | None) -> float | None:
    if start is None or stop is None or stop < start:
        return None
    return stop - start


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(slots=True)
class _State:
    boot: BootInfo | None = None
    status: str | None = None
    charge_point_status: str | None = None
    error_code: str | None = None
    vendor_error_code: str | None = None
    error_info: str | None = None
    cp_error_code: str | None = None
    cp_vendor_error_code: str | None = None
    cp_error_info: str | None = None
    measurements: Measurements = field(default_factory=Measurements)
    transaction: Transaction | None = None
    last_session: Session | None = None
    last_heartbeat: datetime | None = None
    last_seen: datetime | None = None
    available: bool | None = None
    configuration: dict[str, str | None] = field(default_factory=dict)
    readonly_keys: set[str] = field(default_factory=set)
    last_refused_tag: str | None = None


class OcppChargePoint:
    """A charge point's driver: state from its messages, commands to it, the charger contract."""

    def __init__(
        self,
        settings: ChargePointSettings,
        central: CentralHooks,
        *,
        restored: Mapping[str, Any] | None = None,
    ) -> None:
        """Start offline; `restored` is a `persistent_state()` saved before a restart."""
        self._settings = settings
        self._central = central
        self._state = _State()
        self._connection: OcppConnection | None = None
        self._listeners: list[Callable[[], None]] = []
        self._wanted: float | None = None
        self._paused = False
        self._phases_wanted = settings.phases
        self._applied: float | None = None
        self._applied_key: tuple[float, int, str] | None = None
        self._apply_lock = asyncio.Lock()
        self._init_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.counters = Counters()
        if restored:
            self._restore(restored)

    # --- identity and state -----------------------------------------------------------

    @property
    def charge_point_id(self) -> str:
        """The id in the charger's URL path."""
        return self._settings.charge_point_id

    @property
    def settings(self) -> ChargePointSettings:
        """How this charge point is treated."""
        return self._settings

    @property
    def online(self) -> bool:
        """Whether its websocket is connected."""
        return self._connection is not None

    @property
    def connection(self) -> OcppConnection | None:
        """The live connection, if any."""
        return self._connection

    @property
    def snapshot(self) -> ChargePointSnapshot:
        """The state right now."""
        state = self._state
        error_code, vendor_code, info = state.error_code, state.vendor_error_code, state.error_info
        if error_code is None and state.cp_error_code is not None:
            error_code, vendor_code, info = (
                state.cp_error_code,
                state.cp_vendor_error_code,
                state.cp_error_info,
            )
        infinergi = (
            decode_error(vendor_code, info)
            if error_code is not None or state.status == "Faulted"
            else None
        )
        return ChargePointSnapshot(
            online=self.online,
            boot=state.boot,
            status=state.status,
            charge_point_status=state.charge_point_status,
            error_code=error_code,
            vendor_error_code=vendor_code,
            error_info=info,
            infinergi_error=infinergi,
            measurements=state.measurements,
            transaction=state.transaction,
            last_session=state.last_session,
            last_heartbeat=state.last_heartbeat,
            last_seen=state.last_seen,
            applied_limit=self._applied,
            wanted_limit=self._wanted,
            paused=self._paused,
            available=state.available,
            configuration=dict(state.configuration),
            last_refused_tag=state.last_refused_tag,
        )

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every message or command that changed something."""
        self._listeners.append(listener)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                LOGGER.exception("Listener of charge point %s failed", self.charge_point_id)

    def persistent_state(self) -> dict[str, Any]:
        """What must survive a Home Assistant restart: the running and the last session."""
        tx, last = self._state.transaction, self._state.last_session
        return {
            "transaction": None
            if tx is None
            else {
                "transaction_id": tx.transaction_id,
                "id_tag": tx.id_tag,
                "meter_start_wh": tx.meter_start_wh,
                "started_at": _iso(tx.started_at) if tx.started_at else None,
            },
            "last_session": None
            if last is None
            else {
                "transaction_id": last.transaction_id,
                "energy_wh": last.energy_wh,
                "started_at": _iso(last.started_at) if last.started_at else None,
                "ended_at": _iso(last.ended_at) if last.ended_at else None,
                "reason": last.reason,
                "id_tag": last.id_tag,
                "meter_start_wh": last.meter_start_wh,
            },
            "energy_wh": self._state.measurements.energy_wh,
            "boot": None
            if self._state.boot is None
            else {
                "vendor": self._state.boot.vendor,
                "model": self._state.boot.model,
                "serial": self._state.boot.serial,
                "firmware": self._state.boot.firmware,
            },
        }

    def _restore(self, data: Mapping[str, Any]) -> None:
        """Take back `persistent_state()`; anything unreadable is left out, never guessed."""
        tx = data.get("transaction")
        if isinstance(tx, Mapping) and isinstance(tx.get("transaction_id"), int):
            self._state.transaction = Transaction(
                transaction_id=tx["transaction_id"],
                id_tag=tx.get("id_tag") if isinstance(tx.get("id_tag"), str) else None,
                meter_start_wh=_finite(tx.get("meter_start_wh")),
                started_at=parse_timestamp(tx.get("started_at")),
            )
        last = data.get("last_session")
        if isinstance(last, Mapping) and isinstance(last.get("transaction_id"), int):
            self._state.last_session = Session(
                transaction_id=last["transaction_id"],
                energy_wh=_finite(last.get("energy_wh")),
                started_at=parse_timestamp(last.get("started_at")),
                ended_at=parse_timestamp(last.get("ended_at")),
                reason=last.get("reason") if isinstance(last.get("reason"), str) else None,
                id_tag=last.get("id_tag") if isinstance(last.get("id_tag"), str) else None,
                meter_start_wh=_finite(last.get("meter_start_wh")),
            )
        boot = data.get("boot")
        if isinstance(boot, Mapping) and isinstance(boot.get("model"), str):
            self._state.boot = BootInfo(
                vendor=str(boot.get("vendor") or ""),
                model=boot["model"],
                serial=boot.get("serial") if isinstance(boot.get("serial"), str) else None,
                firmware=boot.get("firmware") if isinstance(boot.get("firmware"), str) else None,
            )
        if (energy := _finite(data.get("energy_wh"))) is not None and energy >= 0:
            self._state.measurements = replace(self._state.measurements, energy_wh=energy)

    # --- the charger contract ----------------------------------------------------------

    @property
    def capabilities(self) -> ChargerCapabilities:
        """Limits from the entry; phase switching only where the charger says it can."""
        settings = self._settings
        return ChargerCapabilities(
            min_current=min(settings.min_current, settings.max_current),
            max_current=settings.max_current,
            current_step=1.0,
            phases=settings.phases,
            can_switch_phases=settings.phases == 3
            and self._config_true("ConnectorSwitch3to1PhaseSupported"),
            remote_current_limit=True,
            can_start_stop=True,
            limit_valid_s=None,
        )

    @property
    def status(self) -> ChargerStatus | None:
        """The charger's status for the controller; None while it is not connected."""
        if not self.online:
            return None
        snap = self.snapshot
        meas = snap.measurements
        state = STATES_BY_STATUS.get(snap.status or "")
        charging = None if snap.status is None else snap.status == CHARGING
        in_use = sum(1 for current in meas.currents if current is not None and current >= 1.0)
        return ChargerStatus(
            connected=state.vehicle_connected if state else None,
            charging=charging,
            paused=self._paused or snap.status == SUSPENDED_EVSE,
            error_code=(snap.infinergi_error.code if snap.infinergi_error else snap.error_code),
            error_text=snap.error_text,
            currents=meas.currents,
            power_w=meas.power_w,
            session_energy_wh=snap.session_energy_wh,
            total_energy_wh=meas.energy_wh,
            phases_in_use=in_use if charging and in_use else None,
            current_limit=self._applied,
        )

    async def set_current_limit(self, amps: float) -> None:
        """Limit the current per phase (0 pauses); remembered and re-sent after reconnects."""
        self._wanted = self.capabilities.allowed_limit(amps)
        await self._apply()

    async def set_phases(self, phases: int) -> None:
        """Charge on 1 or 3 phases, on chargers that can switch (numberPhases in the profile)."""
        if phases not in (1, 3):
            raise ChargerRejectedError(f"{phases} phases: only 1 or 3")
        if phases != self._phases_wanted and not self.capabilities.can_switch_phases:
            raise ChargerNotSupportedError(
                f"charge point {self.charge_point_id} cannot switch phases"
            )
        self._phases_wanted = phases
        await self._apply()

    async def start(self) -> None:
        """Lift a pause; a car waiting for authorization gets a RemoteStartTransaction."""
        self._paused = False
        await self._apply()
        if self._state.status == PREPARING and self._state.transaction is None:
            await self.remote_start()

    async def stop(self) -> None:
        """Pause: a 0 A profile, the transaction stays open."""
        self._paused = True
        await self._apply()

    # --- commands -----------------------------------------------------------------------

    async def remote_start(self, id_tag: str | None = None) -> None:
        """RemoteStartTransaction on the entry's connector."""
        result = await self._call(
            call.RemoteStartTransaction(
                id_tag=id_tag or self._settings.remote_id_tag,
                connector_id=self._settings.connector_id,
            )
        )
        self._expect(result.status, "Accepted", "RemoteStartTransaction")

    async def remote_stop(self) -> None:
        """RemoteStopTransaction of the running session."""
        tx = self._state.transaction
        if tx is None:
            raise ChargerRejectedError(f"charge point {self.charge_point_id} has no session")
        result = await self._call(call.RemoteStopTransaction(transaction_id=tx.transaction_id))
        self._expect(result.status, "Accepted", "RemoteStopTransaction")

    async def change_availability(self, available: bool) -> None:
        """ChangeAvailability of the entry's connector (Scheduled counts as done later)."""
        result = await self._call(
            call.ChangeAvailability(
                connector_id=self._settings.connector_id,
                type=AvailabilityType.operative if available else AvailabilityType.inoperative,
            )
        )
        self._expect(result.status, ("Accepted", "Scheduled"), "ChangeAvailability")
        self._state.available = available
        self._notify()

    async def reset(self, *, hard: bool = False) -> None:
        """Reset (soft: ends sessions cleanly; hard: reboot now)."""
        result = await self._call(call.Reset(type=ResetType.hard if hard else ResetType.soft))
        self._expect(result.status, "Accepted", "Reset")

    async def trigger(self, message: str) -> None:
        """TriggerMessage: ask for a StatusNotification, MeterValues, Heartbeat, ..."""
        requested = MessageTrigger(message)
        connector = (
            self._settings.connector_id
            if requested in (MessageTrigger.status_notification, MessageTrigger.meter_values)
            else None
        )
        result = await self._call(
            call.TriggerMessage(requested_message=requested, connector_id=connector)
        )
        self._expect(result.status, "Accepted", "TriggerMessage")

    async def get_configuration(self, keys: Iterable[str] | None = None) -> dict[str, Any]:
        """GetConfiguration; also refreshes what Gridmate knows of the charger's settings."""
        wanted = list(keys) if keys else None
        result = await self._call(call.GetConfiguration(key=wanted))
        values: dict[str, Any] = {}
        for item in result.configuration_key or []:
            key = item.get("key")
            if not isinstance(key, str):
                continue
            value = item.get("value")
            values[key] = {"value": value, "readonly": bool(item.get("readonly"))}
            self._state.configuration[key] = value if isinstance(value, str) else None
            if item.get("readonly"):
                self._state.readonly_keys.add(key)
            else:
                self._state.readonly_keys.discard(key)
        self._notify()
        return {"configuration": values, "unknown_keys": list(result.unknown_key or [])}

    async def change_configuration(self, key: str, value: str) -> str:
        """ChangeConfiguration; returns Accepted or RebootRequired, raises otherwise."""
        result = await self._call(call.ChangeConfiguration(key=key, value=value))
        self._expect(result.status, ("Accepted", "RebootRequired"), f"ChangeConfiguration {key}")
        self._state.configuration[key] = value
        self._notify()
        return str(result.status)

    async def clear_charging_profile(self) -> None:
        """Remove Gridmate's profile: the charger falls back on its own limits."""
        result = await self._call(call.ClearChargingProfile(id=PROFILE_ID))
        self._expect(result.status, ("Accepted", "Unknown"), "ClearChargingProfile")
        self._wanted = None
        self._paused = False
        self._applied = None
        self._applied_key = None
        self._notify()

    async def send_local_list(self) -> None:
        """Replace the charger's local authorization list with the configured tags."""
        version = int(time.time())
        result = await self._call(
            call.SendLocalList(
                list_version=version,
                update_type=UpdateType.full,
                local_authorization_list=[
                    {"idTag": tag, "idTagInfo": {"status": AuthorizationStatus.accepted}}
                    for tag in self._settings.id_tags
                ],
            )
        )
        self._expect(result.status, "Accepted", "SendLocalList")

    async def refresh(self) -> None:
        """Ask for a fresh StatusNotification and MeterValues."""
        await self.trigger(MessageTrigger.status_notification)
        await self.trigger(MessageTrigger.meter_values)

    # --- applying the limit -------------------------------------------------------------

    def _effective_limit(self) -> float | None:
        if self._paused:
            return 0.0
        return self._wanted

    def _rate_unit(self) -> ChargingRateUnitType:
        allowed = self._state.configuration.get("ChargingScheduleAllowedChargingRateUnit") or ""
        units = {part.strip().lower() for part in allowed.split(",") if part.strip()}
        if units and "current" not in units and ("power" in units or "w" in units):
            return ChargingRateUnitType.watts
        return ChargingRateUnitType.amps

    async def _apply(self) -> None:
        """Send the profile for the wanted limit unless the charger has it already."""
        if not self.online:
            raise ChargerUnreachableError(
                f"charge point {self.charge_point_id} is not connected; the limit is sent "
                "when it connects"
            )
        async with self._apply_lock:
            limit = self._effective_limit()
            if limit is None:
                return
            unit = self._rate_unit()
            key = (limit, self._phases_wanted, str(unit))
            if key == self._applied_key and self.online:
                return
            if unit is ChargingRateUnitType.watts:
                value = round(limit * NOMINAL_VOLTAGE * self._phases_wanted, 1)
            else:
                value = round(limit, 1)
            profile = ChargingProfile(
                charging_profile_id=PROFILE_ID,
                stack_level=PROFILE_STACK_LEVEL,
                charging_profile_purpose=ChargingProfilePurposeType.tx_default_profile,
                charging_profile_kind=ChargingProfileKindType.relative,
                charging_schedule=ChargingSchedule(
                    charging_rate_unit=unit,
                    charging_schedule_period=[
                        ChargingSchedulePeriod(
                            start_period=0, limit=value, number_phases=self._phases_wanted
                        )
                    ],
                ),
            )
            result = await self._call(
                call.SetChargingProfile(
                    connector_id=self._settings.connector_id, cs_charging_profiles=profile
                )
            )
            self._expect(result.status, "Accepted", "SetChargingProfile")
            self._applied = limit
            self._applied_key = key
        self._notify()

    # --- calls to the charger -----------------------------------------------------------

    async def _call(self, payload: Any) -> Any:
        connection = self._connection
        action = type(payload).__name__
        if connection is None:
            raise ChargerUnreachableError(f"charge point {self.charge_point_id} is not connected")
        try:
            return await connection.request(payload)
        except TimeoutError as err:
            raise ChargerUnreachableError(
                f"charge point {self.charge_point_id} did not answer {action}"
            ) from err
        except ConnectionClosed as err:
            raise ChargerUnreachableError(
                f"charge point {self.charge_point_id} disconnected during {action}"
            ) from err
        except OCPPError as err:
            code = getattr(err, "code", "")
            if code in _NOT_SUPPORTED_CODES:
                raise ChargerNotSupportedError(
                    f"charge point {self.charge_point_id} does not support {action}"
                ) from err
            raise ChargerRejectedError(
                f"charge point {self.charge_point_id} refused {action}: {code}"
            ) from err

    def _expect(self, status: Any, accepted: str | tuple[str, ...], what: str) -> None:
        allowed = (accepted,) if isinstance(accepted, str) else accepted
        if str(status) in allowed:
            return
        if str(status) == "NotSupported":
            raise ChargerNotSupportedError(
                f"charge point {self.charge_point_id} does not support {what}"
            )
        raise ChargerRejectedError(f"charge point {self.charge_point_id} answered {what}: {status}")

    def _config_true(self, key: str) -> bool:
        return (self._state.configuration.get(key) or "").strip().lower() == "true"

    # --- connection lifecycle (called by the central system) ----------------------------

    def attach(self, connection: OcppConnection) -> None:
        """A connection of this id is up: it replaces any older one."""
        old = self._connection
        self._connection = connection
        self.counters.connections += 1
        self._applied_key = None  # unknown until sent on this connection
        if old is not None and old is not connection:
            self._spawn(old.close_quietly())
        LOGGER.debug("Charge point %s connected", self.charge_point_id)
        self._start_initialization(delay=1.0)
        self._notify()

    def detach(self, connection: OcppConnection, reason: str) -> None:
        """The connection ended (only the current one counts)."""
        if self._connection is not connection:
            return
        self._connection = None
        self.counters.last_disconnect = reason
        if self._init_task is not None:
            self._init_task.cancel()
            self._init_task = None
        LOGGER.debug("Charge point %s disconnected: %s", self.charge_point_id, reason)
        self._notify()

    async def async_close(self) -> None:
        """Drop the connection and background work (entry unloaded)."""
        if self._init_task is not None:
            self._init_task.cancel()
        connection = self._connection
        self._connection = None
        for task in list(self._tasks):
            task.cancel()
        if connection is not None:
            await connection.close_quietly()
        self._listeners.clear()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _start_initialization(self, *, delay: float) -> None:
        if self._init_task is not None:
            self._init_task.cancel()
        self._init_task = self._spawn(self._initialize(delay))

    async def _initialize(self, delay: float) -> None:
        """After a connect or boot: learn the settings, set up meter values, re-apply."""
        if delay:
            await asyncio.sleep(delay)
        steps: tuple[tuple[str, Callable[[], Coroutine[Any, Any, Any]]], ...] = (
            ("GetConfiguration", self.get_configuration),
            ("meter value configuration", self._configure_meter_values),
            ("local list", self._maybe_send_local_list),
            ("StatusNotification trigger", self._trigger_status),
            ("charging profile", self._reapply),
            ("MeterValues trigger", self._trigger_meter_values),
        )
        for what, step in steps:
            if not self.online:
                return
            try:
                await step()
            except ChargerError as err:
                LOGGER.debug("Charge point %s: %s failed: %s", self.charge_point_id, what, err)

    async def _trigger_status(self) -> None:
        await self.trigger(MessageTrigger.status_notification)

    async def _trigger_meter_values(self) -> None:
        await self.trigger(MessageTrigger.meter_values)

    async def _reapply(self) -> None:
        self._applied_key = None
        await self._apply()

    async def _maybe_send_local_list(self) -> None:
        if self._settings.auth_mode is AuthMode.LOCAL_LIST:
            await self.send_local_list()

    async def _configure_meter_values(self) -> None:
        interval = self._settings.meter_interval
        config = self._state.configuration
        if interval <= 0:
            return
        if config.get("MeterValueSampleInterval") != str(interval) and (
            "MeterValueSampleInterval" not in self._state.readonly_keys
        ):
            await self.change_configuration("MeterValueSampleInterval", str(interval))
        if "MeterValuesSampledData" in self._state.readonly_keys:
            return
        current = [
            part.strip()
            for part in (config.get("MeterValuesSampledData") or "").split(",")
            if part.strip()
        ]
        max_length = config.get("MeterValuesSampledDataMaxLength")
        limit = int(max_length) if max_length and max_length.isdigit() else None
        for count in (len(WANTED_MEASURANDS), 4, 3, 2):
            wanted = list(WANTED_MEASURANDS[:count])
            merged = wanted + [m for m in current if m not in wanted]
            if limit is not None:
                merged = merged[:limit]
            if set(merged) <= set(current):
                return
            try:
                await self.change_configuration("MeterValuesSampledData", ",".join(merged))
            except ChargerRejectedError:
                continue
            return

    # --- messages from the charger ------------------------------------------------------

    def seen(self) -> None:
        """Any message arrived."""
        self.counters.messages += 1
        self._state.last_seen = _now()

    def handle_boot(self, payload: Mapping[str, Any]) -> Any:
        """BootNotification: accepted, with our heartbeat interval."""
        self._state.boot = BootInfo(
            vendor=str(payload.get("charge_point_vendor", "")),
            model=str(payload.get("charge_point_model", "")),
            serial=payload.get("charge_point_serial_number")
            or payload.get("charge_box_serial_number"),
            firmware=payload.get("firmware_version"),
            meter_type=payload.get("meter_type"),
            meter_serial=payload.get("meter_serial_number"),
        )
        self._notify()
        return call_result.BootNotification(
            current_time=_iso(_now()),
            interval=self._settings.heartbeat_interval,
            status=RegistrationStatus.accepted,
        )

    def after_boot(self) -> None:
        """The charger (re)booted: its profiles may be gone; set everything up again now."""
        self._applied_key = None
        self._start_initialization(delay=0.0)

    def handle_heartbeat(self) -> Any:
        """Heartbeat: the time."""
        now = _now()
        self._state.last_heartbeat = now
        self._notify()
        return call_result.Heartbeat(current_time=_iso(now))

    def handle_status(self, payload: Mapping[str, Any]) -> Any:
        """StatusNotification of a connector (0 = the charge point as a whole)."""
        connector = payload.get("connector_id")
        status = str(payload.get("status"))
        error = str(payload.get("error_code") or NO_ERROR)
        vendor_code = payload.get("vendor_error_code") or None
        info = payload.get("info") or None
        state = self._state
        if connector == 0:
            state.charge_point_status = status
            state.cp_error_code = None if error == NO_ERROR else error
            state.cp_vendor_error_code = vendor_code if error != NO_ERROR else None
            state.cp_error_info = info if error != NO_ERROR else None
        elif connector == self._settings.connector_id:
            state.status = status
            has_error = error != NO_ERROR or status == "Faulted"
            state.error_code = (error if error != NO_ERROR else "OtherError") if has_error else None
            state.vendor_error_code = vendor_code if has_error else None
            state.error_info = info if has_error else None
            if status == "Unavailable":
                state.available = False
            elif status in STATES_BY_STATUS and status != "Faulted":
                state.available = True
            if status in _NOT_DRAWING:
                self._zero_draw()
            if status == AVAILABLE and state.transaction is not None:
                # Free again with a session still open: the StopTransaction is late or lost.
                self._finish(state.transaction, None, _now(), "Local")
        else:
            LOGGER.debug(
                "Charge point %s: status of connector %s ignored", self.charge_point_id, connector
            )
            return call_result.StatusNotification()
        self._notify()
        return call_result.StatusNotification()

    def _zero_draw(self) -> None:
        meas = self._state.measurements
        phases = self._settings.phases
        self._state.measurements = replace(
            meas,
            power_w=0.0 if meas.power_w is not None else None,
            currents=tuple(  # type: ignore[arg-type]
                0.0 if (value is not None or index < phases) else None
                for index, value in enumerate(meas.currents)
            ),
        )

    def handle_meter_values(self, payload: Mapping[str, Any]) -> Any:
        """MeterValues of the connector (or of connector 0 on a one-connector charger)."""
        connector = payload.get("connector_id")
        if connector not in (self._settings.connector_id, 0):
            return call_result.MeterValues()
        if connector == 0 and self._config_int("NumberOfConnectors", 1) > 1:
            return call_result.MeterValues()
        measurements, skipped = merge_meter_values(
            self._state.measurements, payload.get("meter_value") or []
        )
        if skipped:
            LOGGER.debug(
                "Charge point %s: %d sampled values skipped", self.charge_point_id, skipped
            )
        self._state.measurements = measurements
        tx_id = payload.get("transaction_id")
        if isinstance(tx_id, int) and connector != 0 and self._state.transaction is None:
            # A session we did not see start (Gridmate restarted without its saved state).
            self._state.transaction = Transaction(
                transaction_id=tx_id, id_tag=None, meter_start_wh=None, started_at=None
            )
        self._notify()
        return call_result.MeterValues()

    def _config_int(self, key: str, default: int) -> int:
        value = self._state.configuration.get(key)
        return int(value) if value and value.strip().isdigit() else default

    def authorize(self, id_tag: str) -> str:
        """The AuthorizationStatus for a tag under the configured mode."""
        settings = self._settings
        if settings.auth_mode is AuthMode.ACCEPT_ALL:
            return str(AuthorizationStatus.accepted)
        known = {tag.casefold() for tag in (*settings.id_tags, settings.remote_id_tag)}
        if id_tag.casefold() in known:
            return str(AuthorizationStatus.accepted)
        self._state.last_refused_tag = id_tag
        LOGGER.info("Charge point %s: id tag refused", self.charge_point_id)
        return str(AuthorizationStatus.invalid)

    def handle_authorize(self, payload: Mapping[str, Any]) -> Any:
        """Authorize: per the configured mode."""
        status = self.authorize(str(payload.get("id_tag", "")))
        self._notify()
        return call_result.Authorize(id_tag_info=IdTagInfo(status=status))

    def handle_start_transaction(self, payload: Mapping[str, Any]) -> Any:
        """StartTransaction: a new session (a repeated message gets the same id)."""
        id_tag = str(payload.get("id_tag", ""))
        meter_start = _finite(payload.get("meter_start"))
        connector = payload.get("connector_id")
        key = (
            int(connector) if isinstance(connector, int) else -1,
            int(meter_start) if meter_start is not None else -1,
            str(payload.get("timestamp")),
        )
        status = self.authorize(id_tag)
        current = self._state.transaction
        if current is not None and current.start_key == key:
            tx_id = current.transaction_id
        else:
            tx_id = self._central.next_transaction_id()
            if connector == self._settings.connector_id:
                if current is not None:
                    # A new session while the old one is still open: the old one is over.
                    self._finish(current, None, _now(), "Other")
                self._state.transaction = Transaction(
                    transaction_id=tx_id,
                    id_tag=id_tag,
                    meter_start_wh=meter_start,
                    started_at=parse_timestamp(payload.get("timestamp")) or _now(),
                    authorized=status == AuthorizationStatus.accepted,
                    start_key=key,
                )
                if meter_start is not None and self._state.measurements.energy_wh is None:
                    self._state.measurements = replace(
                        self._state.measurements, energy_wh=meter_start
                    )
        self._notify()
        return call_result.StartTransaction(
            transaction_id=tx_id, id_tag_info=IdTagInfo(status=status)
        )

    def handle_stop_transaction(self, payload: Mapping[str, Any]) -> Any:
        """StopTransaction: the session ends with its energy (always acknowledged)."""
        tx_id = payload.get("transaction_id")
        meter_stop = _finite(payload.get("meter_stop"))
        ended = parse_timestamp(payload.get("timestamp")) or _now()
        reason = payload.get("reason") or "Local"
        if payload.get("transaction_data"):
            measurements, _ = merge_meter_values(
                self._state.measurements, payload["transaction_data"]
            )
            self._state.measurements = measurements
        if meter_stop is not None and meter_stop >= 0:
            self._state.measurements = replace(self._state.measurements, energy_wh=meter_stop)
        tx = self._state.transaction
        last = self._state.last_session
        if tx is not None and tx.transaction_id == tx_id:
            self._finish(tx, meter_stop, ended, str(reason))
        elif last is not None and last.transaction_id == tx_id:
            # Already closed when the connector went free; now the energy is known.
            energy = _session_energy(last.meter_start_wh, meter_stop)
            self._state.last_session = replace(
                last,
                energy_wh=energy if energy is not None else last.energy_wh,
                ended_at=ended,
                reason=str(reason),
            )
        else:
            LOGGER.debug(
                "Charge point %s: StopTransaction of unknown transaction %s",
                self.charge_point_id,
                tx_id,
            )
        self._zero_draw()
        self._notify()
        id_tag = payload.get("id_tag")
        return call_result.StopTransaction(
            id_tag_info=IdTagInfo(status=self.authorize(id_tag)) if id_tag else None
        )

    def _finish(
        self, tx: Transaction, meter_stop: float | None, ended: datetime, reason: str
    ) -> None:
        stop = meter_stop if meter_stop is not None else self._state.measurements.energy_wh
        self._state.last_session = Session(
            transaction_id=tx.transaction_id,
            energy_wh=_session_energy(tx.meter_start_wh, stop),
            meter_start_wh=tx.meter_start_wh,
            started_at=tx.started_at,
            ended_at=ended,
            reason=reason,
            id_tag=tx.id_tag,
        )
        self._state.transaction = None

    def handle_data_transfer(self, payload: Mapping[str, Any]) -> Any:
        """Vendor data: logged (not its content) and declined politely."""
        LOGGER.debug(
            "Charge point %s: DataTransfer from %s (%s) ignored",
            self.charge_point_id,
            payload.get("vendor_id"),
            payload.get("message_id"),
        )
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)
