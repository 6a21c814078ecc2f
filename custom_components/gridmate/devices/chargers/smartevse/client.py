"""The SmartEVSE v3 driver: REST polling and commands, optional MQTT push, the charger contract.

REST is always used: `GET /settings` is the only place with every setting and the serial, and
the solar settings have no MQTT topic. When the charger's MQTT prefix is known and a publish
function is attached, the driver also takes the charger's published topics (`handle_mqtt`) and
sends the commands that have a `<prefix>/Set/...` topic over MQTT, which the firmware applies
and echoes within about a second. The MQTT transport itself is the caller's (Home Assistant's
MQTT integration); this module only knows topics and payloads.

The firmware's web server is small: requests are sent one at a time, a 503 ("Server busy") is
retried briefly and then reported as `SmartEvseBusyError`, so the poller can back off.
Upstream firmware writes its settings to flash on every `POST /settings`, so a command that
would not change anything is not sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass, fields, replace
import json
import math
import time
from typing import Any, Final

import aiohttp

from ...hosts import split_host
from ..contract import (
    ChargerCapabilities,
    ChargerError,
    ChargerNotSupportedError,
    ChargerRejectedError,
    ChargerStatus,
    ChargerUnreachableError,
)
from .protocol import (
    C2_INDEX,
    CURRENTS_PATH,
    ERROR_MULTIPLE_WEB,
    ERROR_SPECS,
    MAINS_FEED_LIMIT_DA,
    MAX_SUM_MAINS_RANGE,
    MODE_SPECS,
    MQTT_CONNECTED,
    MQTT_MAINS_TOPIC,
    OVERRIDE_MODES,
    SETTINGS,
    SETTINGS_PATH,
    SOLAR_CURRENT_RANGE,
    SOLAR_STOP_TIME_RANGE,
    STATE_B1,
    STATE_C,
    STATE_C1,
    STATES_BY_ID,
    VALUE_NOT_ALLOWED,
    C2Mode,
    EvseError,
    Mode,
    Setting,
    StateSpec,
    decode_mqtt,
    decode_settings,
    encode_mqtt_mains,
)

DEFAULT_TIMEOUT: Final = 5.0
BUSY_STATUS: Final = 503
# MQTT messages come in bursts (the firmware publishes ~30 topics at once): listeners hear
# about changed values at once, about unchanged ones at most this often.
MQTT_UNCHANGED_NOTIFY_S: Final = 0.5
# The values that tell a SmartEVSE `/settings` document from any other JSON.
_IDENTITY_KEYS: Final = ("mode", "state_id", "car_connected")
_METER_DISABLED: Final = "Disabled"
_REGIMES: Final = frozenset({Mode.NORMAL, Mode.SMART, Mode.SOLAR})

type MqttPublish = Callable[[str, str], Awaitable[None]]


class SmartEvseBusyError(ChargerUnreachableError):
    """The charger answered 503 (too many requests): try again later."""


class SmartEvseResponseError(ChargerUnreachableError):
    """The answer was not a SmartEVSE JSON document (truncated, malformed, another device)."""


class SmartEvseRejectedError(ChargerRejectedError):
    """The charger (or the driver, knowing what the charger would do) refused a command."""

    def __init__(self, message: str, *, reason: str) -> None:
        """`reason` is a stable key: override_mode, out_of_range, mains_meter_not_api, refused."""
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class SmartEvseState:
    """Everything the charger reports, decoded to SI units; None = unknown or not reported.

    The attribute names are the keys of `protocol.FIELDS`.
    """

    serial: str | None = None
    version: str | None = None
    mode: Mode | None = None
    regime: Mode | None = None
    car_connected: bool | None = None
    state_id: int | None = None
    error: EvseError | None = None
    temperature: float | None = None
    temperature_max: float | None = None
    solar_stop_timer: float | None = None
    phases: int | None = None
    charge_current: float | None = None
    override_current: float | None = None
    current_min: float | None = None
    current_max: float | None = None
    current_main: float | None = None
    current_max_circuit: float | None = None
    current_max_sum_mains: float | None = None
    solar_max_import: float | None = None
    solar_start_current: float | None = None
    solar_stop_time: float | None = None
    enable_c2: C2Mode | None = None
    mains_meter: str | None = None
    ev_meter: str | None = None
    ev_power: float | None = None
    ev_total_energy: float | None = None
    ev_session_energy: float | None = None
    ev_current_l1: float | None = None
    ev_current_l2: float | None = None
    ev_current_l3: float | None = None
    mains_current_l1: float | None = None
    mains_current_l2: float | None = None
    mains_current_l3: float | None = None
    mains_last_update: float | None = None
    home_battery_current: float | None = None
    mqtt_prefix: str | None = None

    @property
    def state(self) -> StateSpec | None:
        """The decoded charger state."""
        return None if self.state_id is None else STATES_BY_ID.get(self.state_id)

    @property
    def charging(self) -> bool | None:
        """Whether current may flow to the vehicle (state C or D)."""
        spec = self.state
        return None if spec is None else spec.charging

    @property
    def has_ev_meter(self) -> bool | None:
        """Whether an EV meter is configured (its values are zeros otherwise)."""
        return None if self.ev_meter is None else self.ev_meter != _METER_DISABLED

    @property
    def has_mains_meter(self) -> bool | None:
        """Whether a mains meter is configured."""
        return None if self.mains_meter is None else self.mains_meter != _METER_DISABLED

    @property
    def ev_currents(self) -> tuple[float | None, float | None, float | None]:
        """EV meter currents per phase, A."""
        return (self.ev_current_l1, self.ev_current_l2, self.ev_current_l3)

    @property
    def mains_currents(self) -> tuple[float | None, float | None, float | None]:
        """Mains currents per phase as the charger sees them, A (+ = import)."""
        return (self.mains_current_l1, self.mains_current_l2, self.mains_current_l3)


STATE_KEYS: Final = frozenset(f.name for f in fields(SmartEvseState))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} in JSON")


def _reply_value(reply: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    node = reply
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


class SmartEvse:
    """One SmartEVSE v3 on the network: state, settings and the charger contract."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        *,
        mqtt_prefix: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        busy_retries: int = 2,
        busy_delay: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Talk to `host` ('name', 'ip' or 'ip:port') on a caller-owned aiohttp session."""
        self._session = session
        name, port = split_host(host)
        if ":" in name:
            name = f"[{name}]"
        self.base_url = f"http://{name}:{port}" if port else f"http://{name}"
        self.mqtt_prefix = (mqtt_prefix or "").strip().strip("/") or None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._busy_retries = busy_retries
        self._busy_delay = busy_delay
        self._clock = clock
        self._lock = asyncio.Lock()
        self._state: SmartEvseState | None = None
        self._ok = False
        self._measured_at: float | None = None
        self._listeners: list[Callable[[], None]] = []
        self._publish: MqttPublish | None = None
        self._notify_handle: asyncio.Handle | None = None
        self._resume_mode = Mode.NORMAL
        self._paused_by_limit = False
        self.raw: dict[str, Any] | None = None  # the last /settings document (diagnostics)
        self.mqtt_online: bool | None = None  # `<prefix>/connected`
        self.last_mqtt_at: float | None = None  # clock() of the last decoded MQTT message
        self.mqtt_messages = 0
        self.last_command_via_mqtt = False  # the last setting went over MQTT (it echoes there)

    # -- state ----------------------------------------------------------------------------------

    @property
    def state(self) -> SmartEvseState | None:
        """The last known state (kept after a failed poll, for diagnostics)."""
        return self._state

    @property
    def available(self) -> bool:
        """Whether the last poll succeeded."""
        return self._ok and self._state is not None

    @property
    def measured_at(self) -> float | None:
        """clock() of the last REST poll or MQTT message that refreshed the state."""
        return self._measured_at

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every poll (failed ones too) and on MQTT changes."""
        self._listeners.append(listener)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    def _notify(self) -> None:
        if self._notify_handle is not None:
            self._notify_handle.cancel()  # called directly while a deferred one waits
            self._notify_handle = None
        for listener in list(self._listeners):
            listener()

    async def _request(
        self, method: str, path: str, params: Mapping[str, str] | None = None
    ) -> Any:
        """One request; JSON back. Busy answers are retried `busy_retries` times."""
        url = f"{self.base_url}{path}"
        async with self._lock:
            attempt = 0
            while True:
                try:
                    async with self._session.request(
                        method,
                        url,
                        params=params,
                        # The firmware's web server (mongoose) waits for a body on POST.
                        data=b"" if method == "POST" else None,
                        timeout=self._timeout,
                    ) as response:
                        status = response.status
                        text = await response.text(errors="replace")
                except (aiohttp.ClientError, TimeoutError, OSError) as err:
                    raise ChargerUnreachableError(
                        f"{method} {path}: {type(err).__name__}: {err}"
                    ) from err
                if status == BUSY_STATUS:
                    if attempt < self._busy_retries:
                        attempt += 1
                        await asyncio.sleep(self._busy_delay * attempt)
                        continue
                    raise SmartEvseBusyError(f"{method} {path}: busy (HTTP 503)")
                if status >= 400:
                    raise SmartEvseResponseError(f"{method} {path}: HTTP {status}")
                try:
                    return json.loads(text, parse_constant=_reject_constant)
                except ValueError as err:
                    raise SmartEvseResponseError(f"{method} {path}: not JSON ({err})") from err

    async def refresh(self) -> SmartEvseState:
        """Poll `GET /settings`. Raises ChargerUnreachableError subclasses on failure."""
        try:
            doc = await self._request("GET", SETTINGS_PATH)
            if not isinstance(doc, dict):
                raise SmartEvseResponseError("GET /settings: not a JSON object")
            values = decode_settings(doc)
            if all(values[key] is None for key in _IDENTITY_KEYS):
                raise SmartEvseResponseError("GET /settings: not a SmartEVSE settings document")
        except SmartEvseBusyError:
            raise  # the charger is there, just busy: keep the state
        except ChargerError:
            self._ok = False
            self._notify()
            raise
        state = SmartEvseState(**values)
        if state.regime in _REGIMES:
            self._resume_mode = state.regime
        self._state = state
        self.raw = doc
        self._ok = True
        self._measured_at = self._clock()
        self._notify()
        return state

    # -- MQTT -----------------------------------------------------------------------------------

    @property
    def mqtt_subscription(self) -> str | None:
        """The topic filter of everything the charger publishes (its `Set/...` excluded)."""
        return f"{self.mqtt_prefix}/+" if self.mqtt_prefix else None

    def mqtt_age(self) -> float | None:
        """Seconds since the last decoded MQTT message; None if none came yet."""
        return None if self.last_mqtt_at is None else self._clock() - self.last_mqtt_at

    @property
    def uses_mqtt(self) -> bool:
        """Whether commands with a Set topic go over MQTT."""
        return self._publish is not None and self.mqtt_prefix is not None

    def attach_mqtt(self, publish: MqttPublish) -> None:
        """Send Set commands through `publish(topic, payload)` from now on."""
        if self.mqtt_prefix is None:
            raise ValueError("no MQTT prefix configured")
        self._publish = publish

    def detach_mqtt(self) -> None:
        """Back to REST for every command."""
        self._publish = None
        if self._notify_handle is not None:
            self._notify_handle.cancel()
            self._notify_handle = None

    def handle_mqtt(self, topic: str, payload: str) -> bool:
        """Take one published message (after `attach_mqtt`); True if this driver used it.

        Malformed payloads make that value unknown, never raise.
        """
        if (
            self._publish is None  # detached: a message still queued in the transport
            or self.mqtt_prefix is None
            or not topic.startswith(f"{self.mqtt_prefix}/")
        ):
            return False
        suffix = topic[len(self.mqtt_prefix) + 1 :]
        if suffix == MQTT_CONNECTED:
            self.mqtt_online = payload.strip() == "online"
            return True
        decoded = decode_mqtt(suffix, payload)
        if decoded is None:
            return False
        key, value = decoded
        self.mqtt_messages += 1
        now = self._clock()
        self.last_mqtt_at = now
        state = self._state or SmartEvseState()
        changed = getattr(state, key) != value
        updates: dict[str, Any] = {key: value}
        if key == "mode" and value in _REGIMES:
            # MQTT has no `evse.mode`: a regime shown as the mode is the regime.
            self._resume_mode = value
            updates["regime"] = value
            changed = changed or state.regime != value
        if key == "error" and value == EvseError.NONE and state.error == EvseError.NO_POWER:
            # REST shows "No Power Available" in the state text; MQTT clears it here.
            changed = True
        if changed:
            self._state = replace(state, **updates)
        if self._ok:
            self._measured_at = now
        loop = asyncio.get_running_loop()
        if changed:
            if self._notify_handle is not None:
                self._notify_handle.cancel()
            self._notify_handle = loop.call_soon(self._notify)
        elif self._notify_handle is None:
            self._notify_handle = loop.call_later(MQTT_UNCHANGED_NOTIFY_S, self._notify)
        return True

    # -- commands -------------------------------------------------------------------------------

    async def _apply(self, setting: Setting, rest_value: str, mqtt_payload: str | None) -> None:
        """Send one setting, over MQTT when it has a Set topic and MQTT is attached."""
        self.last_command_via_mqtt = bool(
            self._publish is not None and self.mqtt_prefix and setting.mqtt_topic and mqtt_payload
        )
        if self._publish is not None and self.last_command_via_mqtt:
            try:
                await self._publish(f"{self.mqtt_prefix}/{setting.mqtt_topic}", mqtt_payload or "")
            except Exception as err:
                raise ChargerUnreachableError(f"MQTT publish failed: {err}") from err
            return
        reply = await self._request("POST", SETTINGS_PATH, {setting.rest_param: rest_value})
        present, echoed = _reply_value(reply, setting.reply)
        if not present or echoed == VALUE_NOT_ALLOWED or echoed is False:
            raise SmartEvseRejectedError(
                f"the charger refused {setting.rest_param}={rest_value}"
                + (f" ({echoed})" if present else ""),
                reason="refused",
            )

    def _known(self) -> SmartEvseState:
        return self._state or SmartEvseState()

    def _remember(self, **applied: Any) -> None:
        """Record what a command just set, so the next command compares with it.

        Without this a cut back right after a raise (or a stop right after a resume) would be
        compared with the state of the last poll, seen as "already in force" and dropped.
        """
        if self._state is not None:
            self._state = replace(self._state, **applied)

    async def set_mode(self, mode: Mode) -> None:
        """Switch to Off, Normal, Solar, Smart or Pause."""
        spec = MODE_SPECS[Mode(mode)]
        if mode in _REGIMES:
            self._resume_mode = mode
        await self._apply(SETTINGS["mode"], str(spec.rest_id), spec.mqtt)
        self._remember(mode=Mode(mode))

    async def set_override_current(self, amps: float) -> None:
        """Fix the charge current (A, 0.1 A steps); 0 removes the override.

        The firmware accepts it only in Normal or Smart mode and between its MIN and MAX.
        """
        if not math.isfinite(amps) or amps < 0:
            raise SmartEvseRejectedError(f"{amps} A is not a current", reason="out_of_range")
        deci = round(amps * 10)
        if deci == 0:
            await self._apply(SETTINGS["disable_override_current"], "1", "0")
            self._remember(override_current=0.0)
            return
        state = self._known()
        regime = state.regime or (state.mode if state.mode in _REGIMES else None)
        if regime is not None and regime not in OVERRIDE_MODES:
            raise SmartEvseRejectedError(
                "the override current works only in Normal or Smart mode", reason="override_mode"
            )
        low = state.current_min if state.current_min is not None else 6.0
        high = state.current_max if state.current_max is not None else 80.0
        if not round(low * 10) <= deci <= round(high * 10):
            raise SmartEvseRejectedError(
                f"{amps} A is outside the charger's {low:g}-{high:g} A", reason="out_of_range"
            )
        await self._apply(SETTINGS["override_current"], str(deci), str(deci))
        self._remember(override_current=deci / 10)

    async def set_c2(self, mode: C2Mode) -> None:
        """How the second contactor switches phases."""
        index = C2_INDEX[C2Mode(mode)]
        await self._apply(SETTINGS["enable_c2"], str(index), str(index))

    async def set_max_sum_mains(self, amps: int) -> None:
        """CAPACITY: the summed mains limit in A, 10-600, or 0 to disable."""
        low, high = MAX_SUM_MAINS_RANGE
        if amps != 0 and not low <= amps <= high:
            raise SmartEvseRejectedError(
                f"{amps} A: use 0 or {low}-{high} A", reason="out_of_range"
            )
        await self._apply(SETTINGS["current_max_sum_mains"], str(int(amps)), str(int(amps)))

    async def _set_ranged(self, key: str, value: int, bounds: tuple[int, int]) -> None:
        if not bounds[0] <= value <= bounds[1]:
            raise SmartEvseRejectedError(
                f"{key}={value}: allowed {bounds[0]}-{bounds[1]}", reason="out_of_range"
            )
        await self._apply(SETTINGS[key], str(int(value)), None)

    async def set_solar_start_current(self, amps: int) -> None:
        """Solar: summed export (A) needed to start charging."""
        await self._set_ranged("solar_start_current", amps, SOLAR_CURRENT_RANGE)

    async def set_solar_max_import(self, amps: int) -> None:
        """Solar: summed import (A) tolerated before the stop timer runs."""
        await self._set_ranged("solar_max_import", amps, SOLAR_CURRENT_RANGE)

    async def set_solar_stop_time(self, minutes: int) -> None:
        """Solar: minutes of shortage before charging stops (0 = never)."""
        await self._set_ranged("solar_stop_time", minutes, SOLAR_STOP_TIME_RANGE)

    async def push_mains_currents(self, currents: Sequence[float]) -> None:
        """Feed the charger's mains meter (its MAINS MET must be API): A per phase, + import."""
        if len(currents) != 3 or not all(math.isfinite(c) for c in currents):
            raise SmartEvseRejectedError("three finite currents needed", reason="out_of_range")
        deci = (round(currents[0] * 10), round(currents[1] * 10), round(currents[2] * 10))
        if any(abs(value) >= MAINS_FEED_LIMIT_DA for value in deci):
            raise SmartEvseRejectedError(
                f"mains currents {currents} beyond +/-200 A", reason="out_of_range"
            )
        if self._publish is not None and self.mqtt_prefix:
            try:
                await self._publish(
                    f"{self.mqtt_prefix}/{MQTT_MAINS_TOPIC}", encode_mqtt_mains(deci)
                )
            except Exception as err:
                raise ChargerUnreachableError(f"MQTT publish failed: {err}") from err
            return
        reply = await self._request(
            "POST", CURRENTS_PATH, {"L1": str(deci[0]), "L2": str(deci[1]), "L3": str(deci[2])}
        )
        total = reply.get("TOTAL") if isinstance(reply, Mapping) else None
        if isinstance(total, str):
            raise SmartEvseRejectedError(f"mains data refused: {total}", reason="refused")
        if not isinstance(total, (int, float)) or isinstance(total, bool):
            raise SmartEvseRejectedError(
                "mains data ignored: the charger's mains meter is not set to API",
                reason="mains_meter_not_api",
            )

    # -- the charger contract -------------------------------------------------------------------

    @property
    def capabilities(self) -> ChargerCapabilities:
        """Limits from the charger's MIN/MAX and C2 settings (defaults until known)."""
        state = self._known()
        low = state.current_min if state.current_min else 6.0
        high = state.current_max if state.current_max else 16.0
        if high < low:
            low, high = 6.0, max(6.0, high)
        return ChargerCapabilities(
            min_current=low,
            max_current=high,
            current_step=0.1,
            phases=1 if state.enable_c2 == C2Mode.ALWAYS_OFF else 3,
            can_switch_phases=state.enable_c2 not in (None, C2Mode.NOT_PRESENT),
            remote_current_limit=(state.regime or state.mode) != Mode.SOLAR,
            can_start_stop=True,
            limit_valid_s=None,
        )

    @property
    def status(self) -> ChargerStatus | None:
        """The contract's view of the state; None before the first or after a failed poll."""
        state = self._state
        if state is None or not self._ok:
            return None
        error = state.error
        spec = ERROR_SPECS.get(error) if error is not None else None
        error_text = spec.web if spec else None
        if error == EvseError.MULTIPLE:
            error_text = ERROR_MULTIPLE_WEB
        charging = state.charging
        paused: bool | None = None
        if state.car_connected is not None and charging is not None:
            paused = (
                state.car_connected
                and not charging
                and (
                    state.mode in (Mode.PAUSE, Mode.OFF)
                    or error == EvseError.NO_POWER
                    or state.state_id in (STATE_B1, STATE_C1)
                )
            )
        metered = state.has_ev_meter
        return ChargerStatus(
            connected=state.car_connected,
            charging=charging,
            paused=paused,
            error_code=None if error in (None, EvseError.NONE) else error.value,
            error_text=error_text,
            currents=state.ev_currents if metered else (None, None, None),
            power_w=state.ev_power if metered else None,
            session_energy_wh=state.ev_session_energy if metered else None,
            total_energy_wh=state.ev_total_energy if metered else None,
            phases_in_use=state.phases,
            current_limit=state.charge_current,
            measured_at=self._measured_at,
        )

    async def set_current_limit(self, amps: float) -> None:
        """Limit the charge current: the override current; below MIN (or 0) pauses.

        Never more than asked: the value is rounded down to 0.1 A and capped at MAX. A pause
        made here is lifted by the next limit above MIN; a pause made by `stop` is not.
        """
        limit = self.capabilities.allowed_limit(amps)
        state = self._known()
        if limit == 0:
            if state.mode not in (Mode.PAUSE, Mode.OFF):  # Off (the user's) stays Off
                await self.stop()
                self._paused_by_limit = True
            return
        resumed = False
        if self._paused_by_limit and state.mode == Mode.PAUSE:
            await self.set_mode(self._resume_mode)
            self._paused_by_limit = False
            state = replace(state, mode=self._resume_mode)
            resumed = True  # upstream's MQTT Set/Mode "Smart" clears the override: resend
        if (
            not resumed
            and state.override_current is not None
            and abs(state.override_current - limit) < 0.05
        ):
            return
        await self.set_override_current(limit)

    async def set_phases(self, phases: int) -> None:
        """1 or 3 phases through C2 (Always Off / Always On); cycles Off while charging."""
        if phases not in (1, 3):
            raise SmartEvseRejectedError("a charger has 1 or 3 phases", reason="out_of_range")
        state = self._known()
        if state.enable_c2 in (None, C2Mode.NOT_PRESENT):
            raise ChargerNotSupportedError("this SmartEVSE has no second contactor (C2)")
        target = C2Mode.ALWAYS_OFF if phases == 1 else C2Mode.ALWAYS_ON
        if state.enable_c2 == target:
            return
        if state.state_id == STATE_C and state.mode is not None:
            # The firmware switches C2 only on a state change: Off, switch, back (REST_API.md).
            mode = state.mode
            await self.set_mode(Mode.OFF)
            await self.set_c2(target)
            await self.set_mode(mode)
            return
        await self.set_c2(target)

    async def start(self) -> None:
        """Allow charging again in the regime it had (Normal unless known)."""
        self._paused_by_limit = False
        await self.set_mode(self._resume_mode)

    async def stop(self) -> None:
        """Pause: the session stays, the contactor opens (a charger switched Off stays Off)."""
        self._paused_by_limit = False
        if self._known().mode not in (Mode.PAUSE, Mode.OFF):
            await self.set_mode(Mode.PAUSE)
