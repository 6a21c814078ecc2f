"""An Infinity gateway on MQTT: publishes what a Genius publishes, answers relay commands.

Runs its own paho-mqtt client (this is not Home Assistant) in a background thread:

    sim = InfinitySimulator("127.0.0.1", 1883, variant="ct_input")
    sim.start()          # retained config topics, then realtime every `interval` seconds
    sim.reverse_ct(6)    # faults and configuration changes take effect on the next message
    sim.stop()

Topic names and JSON keys come from Gridmate's payload table; the numbers are encoded here
in the gateway's own units (W, 0.1 A, J, V, phases from 0).
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import json
import math
import random
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from custom_components.gridmate.devices.infinity.schema import (
    DEFAULT_TOPIC_PREFIX,
    TopicKind,
    topic,
)

from .installation import Installation, SimLoad, default_installation, load_power, voltage

DEFAULT_UUID = "6eefadeb-5c08-47cd-87b6-9897acb9fb8f"
DEFAULT_SERIAL = "5010000123"
UNMETERED_W = 150.0  # per phase: the rest of the home, seen only by the grid CTs
VARIANTS = ("ct_input", "publish_index")


class InfinitySimulator:
    """A simulated gateway publishing one service location."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        variant: str = "ct_input",
        uuid: str = DEFAULT_UUID,
        serial: str = DEFAULT_SERIAL,
        prefix: str = DEFAULT_TOPIC_PREFIX,
        installation: Installation | None = None,
        interval: float = 1.0,
        hour: float = 12.25,
        speed: float = 0.0,
        aggregated_interval: float = 300.0,
        firmware: str = "1.4.2",
        jitter: float = 0.0,
        seed: int = 1,
    ) -> None:
        """Describe the gateway; nothing is sent before `start()`."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}")
        self.host, self.port = host, port
        self.variant = variant
        self.uuid, self.serial, self.prefix = uuid, serial, prefix
        self.installation = installation or default_installation()
        self.interval = interval
        self.hour = hour
        self.speed = speed  # simulated hours per real second (0 = the clock stands still)
        self.aggregated_interval = aggregated_interval
        self.firmware = firmware
        self.jitter = jitter  # relative noise on every reading, as real CTs show
        self._random = random.Random(seed)
        self.bus_error = False  # the Power Box stopped talking: no realtime
        self.relays_respond = True  # False: commands are received but never executed
        self.relay_states: dict[int, bool] = dict.fromkeys(self.installation.relays, False)
        self.commands: list[dict[str, Any]] = []  # every setstate received
        self.realtime_sent = 0
        self.raw_realtime: Callable[[dict[str, Any]], Any] | None = None  # test hook
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_tick: float | None = None
        self._last_aggregated = 0.0
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"infinity-sim-{serial}-{id(self)}"
        )
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._connected = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Connect, publish the retained configuration and start the realtime stream."""
        self._client.connect(self.host, self.port, keepalive=30)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            self._client.loop_stop()
            raise TimeoutError("simulator could not connect to the broker")
        self.publish_configuration()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="infinity-sim", daemon=True)
        self._thread.start()

    def stop(self, *, clear_retained: bool = False) -> None:
        """Stop publishing and disconnect (optionally removing the retained topics)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if clear_retained:
            for kind in (
                TopicKind.CONFIG,
                TopicKind.CHANNEL_CONFIG,
                TopicKind.CHANNEL_CONFIG_V2,
                TopicKind.HOME_CONTROL_CONFIG,
                TopicKind.SENSOR_CONFIG,
            ):
                self._publish(topic(self.prefix, self.uuid, kind), "", retain=True)
        with contextlib.suppress(Exception):
            self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, *_: Any) -> None:
        client.subscribe(topic(self.prefix, self.uuid, TopicKind.PLUG_SET_STATE, node_id="+"))
        self._connected.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.tick()
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def _publish(self, full_topic: str, payload: Any, *, retain: bool = False) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._client.publish(full_topic, text, qos=0, retain=retain)

    def _topic(self, kind: TopicKind, **params: object) -> str:
        return topic(self.prefix, self.uuid, kind, **params)

    # --- what the gateway publishes -----------------------------------------------------------

    def publish_configuration(self) -> None:
        """Every retained topic: identity, channel layout, modules and their states."""
        with self._lock:
            self._publish(self._topic(TopicKind.CONFIG), self.config_payload(), retain=True)
            kind = (
                TopicKind.CHANNEL_CONFIG
                if self.variant == "ct_input"
                else TopicKind.CHANNEL_CONFIG_V2
            )
            self._publish(self._topic(kind), self.channel_config_payload(), retain=True)
            self._publish(
                self._topic(TopicKind.HOME_CONTROL_CONFIG),
                self.home_control_payload(),
                retain=True,
            )
            self._publish(
                self._topic(TopicKind.SENSOR_CONFIG), self.sensor_config_payload(), retain=True
            )
            for node_id in self.installation.relays:
                self._publish(
                    self._topic(TopicKind.PLUG_CONNECTION_STATE, node_id=node_id),
                    {"value": "CONNECTED"},
                    retain=True,
                )
                self._publish_relay(node_id)
            self.publish_inputs()
            self._publish(self._topic(TopicKind.PRESENCE), {"value": True})

    def config_payload(self) -> dict[str, Any]:
        """`config`, shaped like the vendor's example."""
        return {
            "utcTimeStamp": int(time.time() * 1000),
            "deviceUuid": "8d36c6cc-1aeb-4b8b-a8e2-397ac2fed192",
            "serialNumber": self.serial,
            "serviceLocationUuid": self.uuid,
            "serviceLocationId": 100045,
            "firmwareVersion": self.firmware,
            "aggregationPeriodSeconds": 300,
        }

    def channel_config_payload(self) -> dict[str, Any]:
        """`channelConfig` (ct_input variant) or `channelConfigV2` (publish_index variant)."""
        inst = self.installation
        used = len(inst.channels)
        if self.variant == "ct_input":
            channels: list[dict[str, Any]] = []
            for ch in inst.channels:
                load = inst.load(ch.load)
                channels.append(
                    {
                        "ctInput": ch.ct_input,
                        "name": ch.name,
                        "phase": ch.phase,
                        "inputChannelType": load.flow,
                        "inputChannelConnection": load.connection,
                        "reversed": False,
                        "nilm": load.connection == "GRID",
                        "balanced": False,
                        "inputChannelCTType": "CT50_100_200",
                    }
                )
            top = max((ch.ct_input for ch in inst.channels), default=-1)
            for n in range(inst.extra_unused_points):
                channels.append(
                    {
                        "ctInput": top + 1 + n,
                        "name": f"Unused {n + 1}",
                        "phase": 0,
                        "inputChannelType": "UNUSED",
                        "inputChannelConnection": "SUBMETER",
                        "reversed": False,
                    }
                )
            return {"utcTimeStamp": int(time.time() * 1000), "inputChannels": channels}
        measurements: list[dict[str, Any]] = []
        for ch in inst.channels:
            load = inst.load(ch.load)
            measurements.append(
                {
                    "name": load.name,
                    "type": "CT",
                    "flow": load.flow,
                    "connectionType": load.connection,
                    "publishIndex": ch.publish_index,
                    "phase": ch.phase,
                    "ctInput": ch.ct_input,
                }
            )
        top = max((ch.publish_index for ch in inst.channels), default=-1)
        for n in range(inst.extra_unused_points):
            measurements.append(
                {"name": f"Unused {n + 1}", "flow": "UNUSED", "publishIndex": top + 1 + n}
            )
        return {
            "utcTimeStamp": int(time.time() * 1000),
            "dataProcessingSpecification": {
                "phaseType": "THREE_PHASE_STAR" if used else None,
                "measurements": measurements,
            },
        }

    def home_control_payload(self) -> dict[str, Any]:
        """`homeControlConfig` with the Output module's relays."""
        return {
            "utcTimeStamp": int(time.time() * 1000),
            "switchActuators": [],
            "smartplugActuators": [],
            "outputModules": [
                {
                    "nodeId": node_id,
                    "name": name,
                    "serialNumber": self.installation.output_module_serial,
                    "output": n + 1,
                }
                for n, (node_id, name) in enumerate(self.installation.relays.items())
            ],
        }

    def sensor_config_payload(self) -> dict[str, Any]:
        """`sensorConfig` with the Input module."""
        inst = self.installation
        modules = (
            [
                {
                    "serialNumber": inst.input_module_serial,
                    "name": "Input module",
                    "inputs": [
                        {
                            "input": spec.input,
                            "name": spec.name,
                            "type": spec.type,
                            **({"ppu": spec.ppu} if spec.ppu else {}),
                            **({"uom": spec.uom} if spec.uom else {}),
                        }
                        for spec in inst.inputs
                    ],
                }
            ]
            if inst.inputs
            else []
        )
        return {
            "utcTimeStamp": int(time.time() * 1000),
            "gwSensors": [],
            "switchSensors": [],
            "inputModules": modules,
        }

    def publish_inputs(self) -> None:
        """The Input module's live values (retained)."""
        inst = self.installation
        if not inst.inputs:
            return
        values = []
        for spec in inst.inputs:
            if spec.type == "PULSE":
                values.append({"input": spec.input, "pulseCount": int(inst.gas_pulses)})
            else:
                values.append({"input": spec.input, "value": "ON" if inst.door_closed else "OFF"})
        self._publish(
            self._topic(TopicKind.INPUT_STATE, serial=inst.input_module_serial),
            {"utcTimeStamp": int(time.time() * 1000), "inputs": values},
            retain=True,
        )

    def _publish_relay(self, node_id: int) -> None:
        self._publish(
            self._topic(TopicKind.PLUG_STATE, node_id=node_id),
            {
                "value": "ON" if self.relay_states.get(node_id) else "OFF",
                "since": int(time.time() * 1000),
            },
            retain=True,
        )

    def tick(self) -> None:
        """One realtime message (unless the bus is down), plus the slower topics when due."""
        now = time.monotonic()
        with self._lock:
            dt = self.interval if self._last_tick is None else now - self._last_tick
            self._last_tick = now
            self.hour = (self.hour + self.speed * dt) % 24
            payload = self.realtime_payload(dt)
            self.installation.gas_pulses += 0.2 * dt  # ~7 m3/h... of pulses/100: a boiler
            if not self.bus_error:
                if self.raw_realtime is not None:
                    payload = self.raw_realtime(payload)
                self._publish(self._topic(TopicKind.REALTIME), payload)
                self.realtime_sent += 1
            if now - self._last_aggregated >= self.aggregated_interval:
                self._last_aggregated = now
                self._publish(self._topic(TopicKind.AGGREGATED), self.aggregated_payload())
                self.publish_inputs()

    def aggregated_payload(self) -> dict[str, Any]:
        """A minimal `aggregated` message (every aggregation period)."""
        return {
            "intervalDatas": [
                {
                    "utcEndtime": int(time.time() * 1000),
                    "averageRMSVoltages": [round(voltage(p, self.hour) * 10) for p in range(3)],
                    "alwaysOn": 420_000,
                    "channelIntervalDatas": [],
                    "version": 2,
                }
            ]
        }

    # --- electrical model ------------------------------------------------------------------

    def true_phase_power(self) -> dict[str, dict[int, float]]:
        """True power per load and phase (W), before any CT is read; grid included."""
        inst = self.installation
        per_load: dict[str, dict[int, float]] = {}
        grid = dict.fromkeys(range(3), UNMETERED_W)
        for load in inst.loads:
            if load.connection == "GRID" and load.flow == "CONSUMPTION":
                continue
            total = load_power(load.key, self.hour)
            share = {p: total / len(load.phases) for p in load.phases}
            per_load[load.key] = share
            for phase, value in share.items():
                grid[phase] += -value if load.flow in ("PRODUCTION", "STORAGE") else value
        for load in inst.loads:
            if load.connection == "GRID" and load.flow == "CONSUMPTION":
                per_load[load.key] = grid
        return per_load

    def realtime_payload(self, dt: float) -> dict[str, Any]:
        """`realtime` for the current hour, integrating the energy counters over `dt`."""
        inst = self.installation
        powers = self.true_phase_power()
        volts = {
            p: voltage(p, self.hour) + (self._random.gauss(0, 0.6) if self.jitter else 0.0)
            for p in range(3)
        }
        key = "ctInput" if self.variant == "ct_input" else "publishIndex"
        entries = []
        grid_power = grid_import = grid_export = 0.0
        for ch in sorted(inst.channels, key=lambda c: c.ct_input):
            load: SimLoad = inst.load(ch.load)
            actual = ch.phase if ch.actual_phase is None else ch.actual_phase
            true_w = powers.get(load.key, {}).get(actual, 0.0)
            if self.jitter:
                true_w *= 1 + self._random.gauss(0, self.jitter)
            pf = 0.97 if load.connection == "GRID" and load.flow == "CONSUMPTION" else load.pf
            amps = abs(true_w) / (volts[actual] * pf) if true_w else 0.0
            # The Power Box multiplies this current with the voltage of the CONFIGURED phase:
            # a CT on another conductor sees its current 120 degrees away from that voltage.
            phi = math.acos(min(1.0, pf))
            angle = (-2 * math.pi / 3 * actual - phi) - (-2 * math.pi / 3 * ch.phase)
            measured = volts[ch.phase] * amps * math.cos(angle) * (1 if true_w >= 0 else -1)
            if ch.reversed_wiring:
                measured = -measured
            if measured >= 0:
                ch.import_j += measured * dt
            else:
                ch.export_j += -measured * dt
            entry: dict[str, Any] = {
                key: ch.ct_input if key == "ctInput" else ch.publish_index,
                "power": round(measured),
                "exportEnergy": round(ch.export_j),
                "importEnergy": round(ch.import_j),
                "phaseId": ch.phase,
                "current": round(amps * 10),
            }
            if key == "publishIndex":
                entry["formula"] = f"${self.serial}{ch.ct_input:02d}$"
            entries.append(entry)
            if load.connection == "GRID" and load.flow == "CONSUMPTION":
                grid_power += measured
                grid_import += ch.import_j
                grid_export += ch.export_j
        return {
            "totalPower": round(grid_power),
            "totalReactivePower": round(abs(grid_power) * 0.25),
            "totalExportEnergy": round(grid_export),
            "totalImportEnergy": round(grid_import),
            "monitorStatus": 0,
            "utcTimeStamp": int(time.time() * 1000),
            "channelPowers": entries,
            "voltages": [{"voltage": round(volts[p]), "phaseId": p} for p in range(3)],
        }

    # --- faults and configuration changes -----------------------------------------------------

    def _channel(self, ct_input: int) -> Any:
        return next(c for c in self.installation.channels if c.ct_input == ct_input)

    def reverse_ct(self, ct_input: int, reversed_wiring: bool = True) -> None:
        """Clamp a CT the wrong way round (the config does not know)."""
        with self._lock:
            self._channel(ct_input).reversed_wiring = reversed_wiring

    def misplace_ct(self, ct_input: int, actual_phase: int | None) -> None:
        """Clamp a CT on another conductor than its configured phase (None = fix it)."""
        with self._lock:
            self._channel(ct_input).actual_phase = actual_phase

    def set_unused_points(self, count: int) -> None:
        """Configure this many unused inputs on top of the used ones; republish the layout."""
        with self._lock:
            self.installation.extra_unused_points = count
        self.publish_configuration()

    def add_load(self, load: SimLoad) -> None:
        """Add a load (next free CT inputs) and republish the layout."""
        with self._lock:
            self.installation.add_load(load)
        self.publish_configuration()

    def remove_load(self, key: str) -> None:
        """Remove a load and republish the layout."""
        with self._lock:
            self.installation.remove_load(key)
        self.publish_configuration()

    def set_door(self, closed: bool) -> None:
        """Open or close the door contact on the Input module."""
        with self._lock:
            self.installation.door_closed = closed
            self.publish_inputs()

    def set_relay(self, node_id: int, on: bool) -> None:
        """Switch a relay locally (as the Smappee app would) and report it."""
        with self._lock:
            self.relay_states[node_id] = on
            self._publish_relay(node_id)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        parts = msg.topic.split("/")
        try:
            node_id = int(parts[-2])
            command = json.loads(msg.payload)
        except (ValueError, IndexError):
            return
        with self._lock:
            self.commands.append({"node_id": node_id, **command})
            if not self.relays_respond or node_id not in self.installation.relays:
                return
            value = command.get("value") if isinstance(command, dict) else None
            if value in ("ON", "OFF"):
                self.relay_states[node_id] = value == "ON"
                self._publish_relay(node_id)
