"""The Smart Connect's MQTT payloads (manual v1.8, section 5.4): the one table of their fields.

The device publishes, for every parsed meter telegram, ``power_instant`` and, periodically,
``device_counters`` to ``devices/<site>/smart-connect/<serial>/data/<metric>``. Payloads are
JSON objects; ``ts`` is the UTC Unix epoch; a value the telegram lacks is ``null``.

``MQTT_FIELDS`` maps every ``power_instant`` field onto the register key of the same quantity
(`registers.py`), so an entity shows the same value whichever transport feeds it; the three
line-to-line voltages have no register and get keys of their own. The driver parses with this
table, the simulator publishes from it and the documentation's field table is generated from it.

Phase objects: the manual's field table names them ``ln`` (``l1``, ``l2``, ``l3``) while its
example payload prints ``"11"``, ``"12"``, ``"13"`` (an ``l`` rendered as ``1``); both spellings,
and ``L1``..``L3``, are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from typing import Any

from .registers import REGISTERS_BY_KEY, Quantity, normalize

TOPIC_ROOT = "devices"
TOPIC_DEVICE = "smart-connect"
TOPIC_DATA = "data"
METRIC_POWER_INSTANT = "power_instant"
METRIC_DEVICE_COUNTERS = "device_counters"

# What Home Assistant's MQTT discovery listens to (manifest "mqtt"): the periodic status
# message, not power_instant, because every distinct discovery payload starts a config flow and
# power_instant changes every second.
DISCOVERY_TOPIC = f"{TOPIC_ROOT}/+/{TOPIC_DEVICE}/+/{TOPIC_DATA}/{METRIC_DEVICE_COUNTERS}"

# Characters that cannot be part of one topic level (MQTT wildcards and the level separator).
_TOPIC_FORBIDDEN = frozenset("/+#\x00")


class MqttPayloadError(ValueError):
    """A payload that is not a usable Smart Connect message (its data is skipped)."""


@dataclass(frozen=True, slots=True)
class DeviceTopic:
    """The parts of a Smart Connect topic."""

    site: str
    serial: str
    metric: str


def topic(site: str, serial: str, metric: str) -> str:
    """The topic a device with this site and serial publishes a metric to."""
    return f"{TOPIC_ROOT}/{site}/{TOPIC_DEVICE}/{serial}/{TOPIC_DATA}/{metric}"


def subscription(serial: str, metric: str) -> str:
    """The topic filter for one device's metric, whatever its site is set to."""
    return f"{TOPIC_ROOT}/+/{TOPIC_DEVICE}/{serial}/{TOPIC_DATA}/{metric}"


def parse_topic(value: str) -> DeviceTopic | None:
    """Split ``devices/<site>/smart-connect/<serial>/data/<metric>``; None if it is not one."""
    parts = value.split("/")
    if (
        len(parts) != 6
        or parts[0] != TOPIC_ROOT
        or parts[2] != TOPIC_DEVICE
        or parts[4] != TOPIC_DATA
        or not parts[3]
        or not parts[5]
    ):
        return None
    return DeviceTopic(site=parts[1], serial=parts[3], metric=parts[5])


def valid_topic_level(value: str) -> bool:
    """Whether a site name can be one topic level (no '/', '+', '#', not empty)."""
    return bool(value) and not any(char in _TOPIC_FORBIDDEN for char in value)


@dataclass(frozen=True, slots=True, kw_only=True)
class MqttField:
    """One numeric field of ``power_instant``."""

    path: tuple[str, ...]  # ("P",) for a total, ("l1", "P") for a phase value
    key: str  # register key of the same quantity, or a key of its own (MQTT_ONLY_KEYS)
    quantity: Quantity
    description: str
    phase: int | None = None

    @property
    def name(self) -> str:
        """The field as the manual writes it: ``P``, ``l1.P``."""
        return ".".join(self.path)


def _total(name: str, key: str, description: str) -> MqttField:
    return MqttField(
        path=(name,),
        key=key,
        quantity=REGISTERS_BY_KEY[key].quantity,
        description=description,
    )


_PHASE_FIELDS: tuple[tuple[str, str, str], ...] = (
    # (field, register key prefix, what the manual says)
    ("U", "voltage", "Phase voltage (V)"),
    ("I", "current", "Current (A)"),
    ("P", "active_power", "Active power (W, negative = delivery to grid)"),
    ("P+", "active_power_demand", "Active power demand (W)"),
    ("P-", "active_power_delivery", "Active power delivery (W)"),
    ("Q", "reactive_power", "Reactive power (var)"),
    ("Q+", "reactive_power_demand", "Reactive power demand (var)"),
    ("Q-", "reactive_power_delivery", "Reactive power delivery (var)"),
    ("S", "apparent_power", "Apparent power (VA)"),
    ("VSAGS", "voltage_dips", "Voltage dips count"),
    ("VSWELLS", "voltage_swells", "Voltage swells count"),
)

# Line-to-line voltages (delta grids, e.g. Belgian 3x230 V): no Modbus register carries them.
LINE_VOLTAGE_FIELDS: tuple[MqttField, ...] = (
    MqttField(
        path=("U12",),
        key="voltage_l1_l2",
        quantity=Quantity.VOLTAGE,
        description="Line-to-line voltage U12 (V, delta grid)",
    ),
    MqttField(
        path=("U31",),
        key="voltage_l3_l1",
        quantity=Quantity.VOLTAGE,
        description="Line-to-line voltage U31 (V, delta grid)",
    ),
    MqttField(
        path=("U32",),
        key="voltage_l3_l2",
        quantity=Quantity.VOLTAGE,
        description="Line-to-line voltage U32 (V, delta grid)",
    ),
)

MQTT_FIELDS: tuple[MqttField, ...] = (
    _total("P", "active_power", "Total active power (W, negative = delivery to grid)"),
    _total("P+", "active_power_demand", "Total active power demand (W)"),
    _total("P-", "active_power_delivery", "Total active power delivery (W)"),
    _total("E_IMPORT", "energy_import", "Total active energy demand (Wh; kWh before V5.1)"),
    _total("E_EXPORT", "energy_export", "Total active energy delivery (Wh; kWh before V5.1)"),
    *LINE_VOLTAGE_FIELDS,
    _total("Q", "reactive_power", "Total reactive power (var)"),
    _total("Q+", "reactive_power_demand", "Total reactive power demand (var)"),
    _total("Q-", "reactive_power_delivery", "Total reactive power delivery (var)"),
    *(
        _total(f"EQ{q}", f"reactive_energy_q{q}", f"Reactive energy Q{q} (varh)")
        for q in (1, 2, 3, 4)
    ),
    _total("PF", "power_factor", "Total power factor"),
    _total("S", "apparent_power", "Total apparent power (VA)"),
    _total("PFAIL", "voltage_interruptions", "Voltage interruptions"),
    _total("LPFAIL", "long_voltage_interruptions", "Long voltage interruptions"),
    *(
        MqttField(
            path=(f"l{n}", field),
            key=f"{prefix}_l{n}",
            quantity=REGISTERS_BY_KEY[f"{prefix}_l{n}"].quantity,
            description=f"{what}, phase {n}",
            phase=n,
        )
        for n in (1, 2, 3)
        for field, prefix, what in _PHASE_FIELDS
    ),
)

MQTT_ONLY_KEYS: frozenset[str] = frozenset(field.key for field in LINE_VOLTAGE_FIELDS)
MQTT_KEYS: frozenset[str] = frozenset(field.key for field in MQTT_FIELDS)

# Spellings of the phase objects, preferred first (see the module docstring).
PHASE_OBJECT_NAMES: dict[int, tuple[str, ...]] = {n: (f"l{n}", f"L{n}", f"1{n}") for n in (1, 2, 3)}


@dataclass(frozen=True, slots=True, kw_only=True)
class CounterField:
    """One value of ``device_counters``."""

    key: str
    unit: str | None  # "s" for uptime, "B" for heap sizes, None for counts
    description: str


COUNTER_FIELDS: tuple[CounterField, ...] = (
    CounterField(key="uptime", unit="s", description="Time since the device started"),
    CounterField(key="gw_ping_pass", unit=None, description="Answered pings to the gateway"),
    CounterField(key="gw_ping_fail", unit=None, description="Unanswered pings to the gateway"),
    CounterField(key="internet_ping_pass", unit=None, description="Answered pings to the internet"),
    CounterField(
        key="internet_ping_fail", unit=None, description="Unanswered pings to the internet"
    ),
    CounterField(key="telegrams_pass", unit=None, description="Meter telegrams parsed"),
    CounterField(key="telegrams_fail", unit=None, description="Meter telegrams rejected"),
    CounterField(
        key="telegrams_frame_fail", unit=None, description="Meter telegrams with framing errors"
    ),
    CounterField(key="mqtt_event_errors", unit=None, description="MQTT client errors"),
    CounterField(key="mqtt_event_connect", unit=None, description="MQTT (re)connections"),
    CounterField(key="mqtt_send_pass", unit=None, description="MQTT messages sent"),
    CounterField(key="mqtt_send_fail", unit=None, description="MQTT messages not sent"),
    CounterField(key="heap_free", unit="B", description="Free heap memory"),
    CounterField(key="heap_min_free", unit="B", description="Lowest free heap since start"),
    CounterField(key="heap_largest_free", unit="B", description="Largest free heap block"),
    CounterField(key="heap_failed_allocs", unit=None, description="Failed memory allocations"),
)


@dataclass(frozen=True, slots=True)
class PowerInstant:
    """One ``power_instant`` message, decoded.

    ``values`` is keyed like the Modbus reading (register keys, plus MQTT_ONLY_KEYS), in the
    same units and with the same rules for unknown values (`registers.normalize`).
    """

    ts: float
    values: dict[str, float | None]


def _number(value: Any) -> float | None:
    """A JSON number as a finite float; None for null, strings, booleans, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _phase_object(data: Mapping[str, Any], phase: int) -> Mapping[str, Any]:
    for name in PHASE_OBJECT_NAMES[phase]:
        value = data.get(name)
        if isinstance(value, Mapping):
            return value
    return {}


def parse_power_instant(data: Any, *, energy_wh: bool | None) -> PowerInstant:
    """Decode a ``power_instant`` payload (already JSON-decoded).

    Raises MqttPayloadError when it is not an object or has no usable ``ts`` (without a time
    it cannot be ordered against other messages). A field that is null, missing, not a number
    or implausible becomes None; energies need ``energy_wh`` (Wh since firmware V5.1.x).
    """
    if not isinstance(data, Mapping):
        raise MqttPayloadError("power_instant is not a JSON object")
    ts = _number(data.get("ts"))
    if ts is None or ts <= 0:
        raise MqttPayloadError("power_instant has no valid ts")
    phases = {n: _phase_object(data, n) for n in (1, 2, 3)}
    values: dict[str, float | None] = {}
    for field in MQTT_FIELDS:
        source = data if field.phase is None else phases[field.phase]
        raw = _number(source.get(field.path[-1]))
        # JSON doubles from the device's own arithmetic (-4022.9999999999995): 12 significant
        # digits keep every real digit and drop that noise.
        values[field.key] = (
            None
            if raw is None
            else normalize(field.quantity, float(f"{raw:.12g}"), energy_wh=energy_wh)
        )
    return PowerInstant(ts=ts, values=values)


def parse_device_counters(data: Any) -> dict[str, int | None]:
    """Decode a ``device_counters`` payload: non-negative integers, None for anything else."""
    if not isinstance(data, Mapping):
        raise MqttPayloadError("device_counters is not a JSON object")
    out: dict[str, int | None] = {}
    for field in COUNTER_FIELDS:
        value = _number(data.get(field.key))
        out[field.key] = int(value) if value is not None and value >= 0 else None
    if all(value is None for value in out.values()):
        raise MqttPayloadError("device_counters has none of the documented fields")
    return out
