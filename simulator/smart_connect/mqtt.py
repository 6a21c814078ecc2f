"""The MQTT side of the simulated Smart Connect (manual 5.4), published with paho-mqtt.

The device is not Home Assistant, so it has its own client. It connects to the broker in its
``MQTT`` configuration (``Broker`` ``mqtt://host:port``, ``Username``, ``Password``, ``Site``),
publishes ``power_instant`` with every telegram and ``device_counters`` periodically to
``devices/<site>/smart-connect/<serial>/data/<metric>``. Payloads are built from the field table
the driver reads (``MQTT_FIELDS``, ``COUNTER_FIELDS``) plus the simulator's own values; a value
the telegram lacks is ``null``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

from paho.mqtt.client import CallbackAPIVersion, Client, ConnectFlags, DisconnectFlags
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from custom_components.gridmate.devices.smart_connect.mqtt import (
    COUNTER_FIELDS,
    MQTT_FIELDS,
    PHASE_OBJECT_NAMES,
    topic,
)

CONNECT_TIMEOUT = 5.0


class PhaseNames:
    """How the phase objects are spelled: ``l1`` (the field table) or ``11`` (the example)."""

    TABLE = "table"
    MANUAL_EXAMPLE = "manual_example"


def power_instant_payload(
    values: Mapping[str, float | None],
    ts: float,
    *,
    nulls: frozenset[str] = frozenset(),
    phase_names: str = PhaseNames.TABLE,
) -> dict[str, Any]:
    """A power_instant payload: ``values`` by register key in device units (energies as served).

    Keys in ``nulls`` or missing from ``values`` are published as null.
    """
    spelling = 0 if phase_names == PhaseNames.TABLE else 2
    payload: dict[str, Any] = {"ts": int(ts) if float(ts).is_integer() else ts}
    phases: dict[int, dict[str, Any]] = {1: {}, 2: {}, 3: {}}
    for field in MQTT_FIELDS:
        value = None if field.key in nulls else values.get(field.key)
        if field.phase is None:
            payload[field.path[0]] = value
        else:
            phases[field.phase][field.path[-1]] = value
    for n, fields in phases.items():
        payload[PHASE_OBJECT_NAMES[n][spelling]] = fields
    return payload


def counters_payload(counters: Mapping[str, int]) -> dict[str, int]:
    """A device_counters payload with every documented field."""
    return {field.key: int(counters.get(field.key, 0)) for field in COUNTER_FIELDS}


class MqttPublisher:
    """One paho client in its own network thread; ``publish`` may be called from asyncio."""

    def __init__(self, *, broker: str, username: str = "", password: str = "") -> None:
        """Prepare a client for ``broker`` (``mqtt://host:port``); ``start`` connects."""
        parts = urlsplit(broker)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError(f"the simulator publishes to mqtt://host:port only, not {broker!r}")
        self.host = parts.hostname
        self.port = parts.port or 1883
        self.published = 0
        self.failed = 0
        self.connects = 0
        self._client = Client(CallbackAPIVersion.VERSION2, protocol=4)  # MQTT 3.1.1
        if username:
            self._client.username_pw_set(username, password or None)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._connected = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connected(self) -> bool:
        """Whether the broker accepted the connection (and it is still up)."""
        return self._connected.is_set()

    async def start(self, within: float = CONNECT_TIMEOUT) -> bool:
        """Connect (the client keeps reconnecting by itself); True once the broker accepted."""
        self._loop = asyncio.get_running_loop()
        self._client.connect_async(self.host, self.port, keepalive=30)
        self._client.loop_start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), within)
        return self.connected

    async def stop(self) -> None:
        """Disconnect and stop the network thread."""
        client = self._client
        with contextlib.suppress(Exception):
            client.disconnect()
        await asyncio.get_running_loop().run_in_executor(None, client.loop_stop)
        self._connected.clear()

    def publish(self, topic_name: str, payload: Mapping[str, Any] | str | bytes) -> bool:
        """Publish one message (QoS 0, not retained); False when not connected."""
        if not self.connected:
            self.failed += 1
            return False
        body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
        info = self._client.publish(topic_name, body, qos=0)
        if info.rc != 0:
            self.failed += 1
            return False
        self.published += 1
        return True

    def _on_connect(
        self,
        _client: Client,
        _userdata: Any,
        _flags: ConnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        if not reason.is_failure and self._loop is not None:
            self.connects += 1
            self._loop.call_soon_threadsafe(self._connected.set)

    def _on_disconnect(
        self,
        _client: Client,
        _userdata: Any,
        _flags: DisconnectFlags,
        _reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._connected.clear)


def device_topic(site: str, serial: str, metric: str) -> str:
    """The topic the simulated device publishes a metric to."""
    return topic(site, serial, metric)
