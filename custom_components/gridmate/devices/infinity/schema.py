"""The Infinity local-MQTT payload model: the one table the parser, the simulator and the docs read.

A Smappee Infinity gateway (Genius, Connect) publishes JSON under
`servicelocation/<service location uuid>/...` on the broker configured in its expert page.
This module holds every fact Gridmate relies on: the topics, the JSON keys of each payload,
their wire units and the factor to the unit Home Assistant shows, the mapping from the
vendor's load types to Gridmate's load kinds, and where each fact comes from (`SOURCES`).
Facts marked `ASSUMED` are not in any public source we found; they are Gridmate's reading and
are listed as such in docs/monitor.md.

The simulator takes topic names and JSON keys from here but encodes units itself, written
from the same sources, so a wrong factor here cannot cancel out in the tests (they pin the
conversions with literal numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Final

DEFAULT_TOPIC_PREFIX: Final = "servicelocation"

# Where the facts come from (cited in docs/monitor.md).
SOURCES: Final[dict[str, str]] = {
    "nodered-help": (
        "smappee/node-red-contrib-smappee, node-device/node-realtime.html and "
        "node-presence.html, node-plug-state.html (field meanings and units)"
    ),
    "nodered-examples": (
        "smappee/node-red-contrib-smappee, node-device/example/*.json "
        "(Real-time 2, Channel config 1, Device config 2, Aggregated 1, Home control config 1, "
        "Sensor config 1)"
    ),
    "nodered-device": (
        "smappee/node-red-contrib-smappee, node-device/node-device.js "
        "(service location uuid from `servicelocation/+/config`, optionally under `config`)"
    ),
    "pysmappee": (
        "smappee/pysmappee, pysmappee/mqtt.py and servicelocation.py "
        "(local MQTT: channelConfigV2 measurements keyed by publishIndex, current / 10, "
        "homeControlConfig.outputModules, plug/<nodeId>/setstate {value: ON|OFF})"
    ),
    "iobroker": (
        "iobroker-community-adapters/ioBroker.smappee, main.js "
        "(energies / 3 600 000 = kWh, aggregated alwaysOn / 1000 = W, plug setstate with since)"
    ),
    "third-party-js": (
        "a public Smappee MQTT bridge (duotecno smappee.js): realtime keyed by publishIndex "
        "with formula, apparentPower, cosPhi; plug/<n>/state {value}"
    ),
    "metering-config": (
        "Smappee API documentation, 'Get metering configuration' (measurement channels carry "
        "a publishIndex for MQTT; sensor channels carry ppu and uom)"
    ),
    "manual": "Smappee Infinity installation manual (shared/seeds/000_b3183aa9a87088a6.txt)",
    "assumed": "not found in public sources: Gridmate's assumption",
}


class TopicKind(StrEnum):
    """What a topic under `<prefix>/<uuid>/` carries."""

    CONFIG = "config"
    CHANNEL_CONFIG = "channelConfig"
    CHANNEL_CONFIG_V2 = "channelConfigV2"
    REALTIME = "realtime"
    AGGREGATED = "aggregated"
    PRESENCE = "presence"
    HOME_CONTROL_CONFIG = "homeControlConfig"
    SENSOR_CONFIG = "sensorConfig"
    PLUG_STATE = "plug/{node_id}/state"
    PLUG_CONNECTION_STATE = "plug/{node_id}/connectionState"
    PLUG_SET_STATE = "plug/{node_id}/setstate"
    INPUT_STATE = "inputmodule/{serial}/state"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic: who publishes it, whether the gateway retains it, how often, and why we know."""

    kind: TopicKind
    retained: bool
    to_gateway: bool
    period: str
    what: str
    source: str


TOPICS: Final[tuple[TopicSpec, ...]] = (
    TopicSpec(
        TopicKind.CONFIG,
        True,
        False,
        "on change",
        "gateway identity: serialNumber, firmwareVersion, serviceLocationUuid/Id, deviceUuid",
        "nodered-examples",
    ),
    TopicSpec(
        TopicKind.CHANNEL_CONFIG,
        True,
        False,
        "on change",
        "older firmware: inputChannels[] keyed by ctInput (name, phase, type, connection)",
        "nodered-examples",
    ),
    TopicSpec(
        TopicKind.CHANNEL_CONFIG_V2,
        True,
        False,
        "on change",
        "newer firmware: dataProcessingSpecification.measurements[] keyed by publishIndex",
        "pysmappee",
    ),
    TopicSpec(
        TopicKind.REALTIME,
        False,
        False,
        "about 1 s",
        "totals, channelPowers[] (by ctInput or publishIndex), voltages[]",
        "nodered-help",
    ),
    TopicSpec(
        TopicKind.AGGREGATED,
        False,
        False,
        "aggregationPeriodSeconds (300 s)",
        "intervalDatas[]: alwaysOn, averages per channel",
        "nodered-examples",
    ),
    TopicSpec(
        TopicKind.PRESENCE,
        False,
        False,
        "on change",
        "{value: true|false}: someone is home, judged from usage",
        "nodered-help",
    ),
    TopicSpec(
        TopicKind.HOME_CONTROL_CONFIG,
        True,
        False,
        "on change",
        "switchActuators[], smartplugActuators[], outputModules[] (nodeId, name, serialNumber)",
        "pysmappee",
    ),
    TopicSpec(
        TopicKind.SENSOR_CONFIG,
        True,
        False,
        "on change",
        "gwSensors[], switchSensors[]; Input modules as inputModules[] (ASSUMED shape)",
        "assumed",
    ),
    TopicSpec(
        TopicKind.PLUG_STATE,
        False,
        False,
        "on change",
        "relay/plug state {value: ON|OFF, since: ms}",
        "nodered-help",
    ),
    TopicSpec(
        TopicKind.PLUG_CONNECTION_STATE,
        False,
        False,
        "on change",
        "{value: CONNECTED|UNREACHABLE|...}",
        "pysmappee",
    ),
    TopicSpec(
        TopicKind.PLUG_SET_STATE,
        False,
        True,
        "command",
        "command {value: ON|OFF, since: ms, nodeId}; the gateway answers on plug/<id>/state",
        "pysmappee",
    ),
    TopicSpec(
        TopicKind.INPUT_STATE,
        False,
        False,
        "on change (ASSUMED)",
        "Input module inputs {inputs: [{input, value: ON|OFF, pulseCount}]} (ASSUMED shape)",
        "assumed",
    ),
)

TOPIC_SPECS: Final[dict[TopicKind, TopicSpec]] = {spec.kind: spec for spec in TOPICS}

_PLUG_RE = re.compile(r"^plug/(\d+)/(state|connectionState|setstate)$")
_INPUT_RE = re.compile(r"^inputmodule/([^/]+)/state$")
_SIMPLE = {
    kind.value: kind
    for kind in TopicKind
    if "{" not in kind.value  # the templated ones are matched by the regexes above
}
_PLUG_KINDS = {
    "state": TopicKind.PLUG_STATE,
    "connectionState": TopicKind.PLUG_CONNECTION_STATE,
    "setstate": TopicKind.PLUG_SET_STATE,
}


def topic_base(prefix: str, uuid: str) -> str:
    """`<prefix>/<uuid>`: everything of one service location lives below it."""
    return f"{prefix}/{uuid}"


def topic(prefix: str, uuid: str, kind: TopicKind, **params: object) -> str:
    """The full topic of `kind` for one service location."""
    return f"{topic_base(prefix, uuid)}/{kind.value.format(**params)}"


def classify(suffix: str) -> tuple[TopicKind, str | None] | None:
    """The kind of a topic below `<prefix>/<uuid>/`, with its node id or serial, or None."""
    if (kind := _SIMPLE.get(suffix)) is not None:
        return kind, None
    if match := _PLUG_RE.match(suffix):
        return _PLUG_KINDS[match.group(2)], match.group(1)
    if match := _INPUT_RE.match(suffix):
        return TopicKind.INPUT_STATE, match.group(1)
    return None


def discovery_topic(prefix: str = DEFAULT_TOPIC_PREFIX) -> str:
    """The wildcard of every gateway's config topic (the manifest's MQTT discovery topic)."""
    return f"{prefix}/+/{TopicKind.CONFIG.value}"


_CONFIG_TOPIC_RE = re.compile(r"^(?P<prefix>.+)/(?P<uuid>[^/+#]+)/config$")


def split_config_topic(full_topic: str) -> tuple[str, str] | None:
    """(prefix, uuid) of a `<prefix>/<uuid>/config` topic, else None."""
    match = _CONFIG_TOPIC_RE.match(full_topic)
    return (match["prefix"], match["uuid"]) if match else None


# --- Fields and units -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """One JSON value: where it sits, its unit on the wire and the factor to the shown unit."""

    topic: TopicKind
    path: str  # where the key sits, for people ("channelPowers[].current")
    key: str  # the JSON key itself
    wire_unit: str
    unit: str | None  # what Gridmate shows
    factor: float  # wire value x factor = value in `unit`
    source: str
    note: str = ""


JOULES_PER_KWH: Final = 3_600_000.0

# Realtime totals
TOTAL_POWER = Field(TopicKind.REALTIME, "totalPower", "totalPower", "W", "W", 1.0, "nodered-help")
TOTAL_REACTIVE_POWER = Field(
    TopicKind.REALTIME,
    "totalReactivePower",
    "totalReactivePower",
    "var",
    "var",
    1.0,
    "nodered-examples",
)
TOTAL_IMPORT_ENERGY = Field(
    TopicKind.REALTIME,
    "totalImportEnergy",
    "totalImportEnergy",
    "J",
    "kWh",
    1 / JOULES_PER_KWH,
    "nodered-help",
    "sum of the grid channels in the vendor example",
)
TOTAL_EXPORT_ENERGY = Field(
    TopicKind.REALTIME,
    "totalExportEnergy",
    "totalExportEnergy",
    "J",
    "kWh",
    1 / JOULES_PER_KWH,
    "nodered-help",
)
MONITOR_STATUS = Field(
    TopicKind.REALTIME,
    "monitorStatus",
    "monitorStatus",
    "-",
    None,
    1.0,
    "nodered-examples",
    "meaning undocumented; shown in diagnostics only",
)
UTC_TIMESTAMP = Field(
    TopicKind.REALTIME,
    "utcTimeStamp",
    "utcTimeStamp",
    "ms since 1970 UTC",
    "s",
    0.001,
    "nodered-help",
)
CHANNEL_POWERS = "channelPowers"
VOLTAGES = "voltages"
# Realtime per channel (channelPowers[])
CH_CT_INPUT = Field(
    TopicKind.REALTIME,
    "channelPowers[].ctInput",
    "ctInput",
    "index from 0",
    None,
    1.0,
    "nodered-examples",
    "older firmware: matches channelConfig.inputChannels[].ctInput",
)
CH_PUBLISH_INDEX = Field(
    TopicKind.REALTIME,
    "channelPowers[].publishIndex",
    "publishIndex",
    "index from 0",
    None,
    1.0,
    "pysmappee",
    "newer firmware: matches channelConfigV2 measurements[].publishIndex",
)
CH_POWER = Field(
    TopicKind.REALTIME,
    "channelPowers[].power",
    "power",
    "W",
    "W",
    1.0,
    "nodered-examples",
    "signed; after the configured CT direction",
)
CH_CURRENT = Field(
    TopicKind.REALTIME,
    "channelPowers[].current",
    "current",
    "0.1 A",
    "A",
    0.1,
    "pysmappee",
    "not signed",
)
CH_IMPORT_ENERGY = Field(
    TopicKind.REALTIME,
    "channelPowers[].importEnergy",
    "importEnergy",
    "J",
    "kWh",
    1 / JOULES_PER_KWH,
    "iobroker",
)
CH_EXPORT_ENERGY = Field(
    TopicKind.REALTIME,
    "channelPowers[].exportEnergy",
    "exportEnergy",
    "J",
    "kWh",
    1 / JOULES_PER_KWH,
    "iobroker",
)
CH_PHASE_ID = Field(
    TopicKind.REALTIME,
    "channelPowers[].phaseId",
    "phaseId",
    "phase index from 0",
    "L1-L3",
    1.0,
    "nodered-examples",
    "0 = L1",
)
VOLTAGE = Field(
    TopicKind.REALTIME,
    "voltages[].voltage",
    "voltage",
    "V",
    "V",
    1.0,
    "nodered-help",
    "0 for a phase the Power Box does not see",
)
VOLTAGE_PHASE_ID = Field(
    TopicKind.REALTIME,
    "voltages[].phaseId",
    "phaseId",
    "phase index from 0",
    "L1-L3",
    1.0,
    "nodered-examples",
)
# Aggregated (5 minutes)
AGG_ALWAYS_ON = Field(
    TopicKind.AGGREGATED,
    "intervalDatas[].alwaysOn",
    "alwaysOn",
    "mW",
    "W",
    0.001,
    "iobroker",
    "the gateway's own figure; diagnostics only (Gridmate computes its own)",
)
AGG_VOLTAGES = Field(
    TopicKind.AGGREGATED,
    "intervalDatas[].averageRMSVoltages[]",
    "averageRMSVoltages",
    "0.1 V",
    "V",
    0.1,
    "nodered-examples",
    "2360 next to a realtime 236 V",
)
AGG_END = Field(
    TopicKind.AGGREGATED,
    "intervalDatas[].utcEndtime",
    "utcEndtime",
    "ms since 1970 UTC",
    "s",
    0.001,
    "nodered-examples",
)
# Relays and inputs
PLUG_VALUE = Field(
    TopicKind.PLUG_STATE,
    "value",
    "value",
    "ON | OFF",
    None,
    1.0,
    "nodered-help",
)
PLUG_SINCE = Field(
    TopicKind.PLUG_STATE,
    "since",
    "since",
    "ms since 1970 UTC",
    "s",
    0.001,
    "nodered-help",
)
INPUT_VALUE = Field(
    TopicKind.INPUT_STATE,
    "inputs[].value",
    "value",
    "ON | OFF",
    None,
    1.0,
    "assumed",
    "contact closed = ON",
)
INPUT_PULSES = Field(
    TopicKind.INPUT_STATE,
    "inputs[].pulseCount",
    "pulseCount",
    "pulses",
    None,
    1.0,
    "assumed",
    "counted since the module started; divided by the pulses per unit",
)

FIELDS: Final[tuple[Field, ...]] = (
    TOTAL_POWER,
    TOTAL_REACTIVE_POWER,
    TOTAL_IMPORT_ENERGY,
    TOTAL_EXPORT_ENERGY,
    MONITOR_STATUS,
    UTC_TIMESTAMP,
    CH_CT_INPUT,
    CH_PUBLISH_INDEX,
    CH_POWER,
    CH_CURRENT,
    CH_IMPORT_ENERGY,
    CH_EXPORT_ENERGY,
    CH_PHASE_ID,
    VOLTAGE,
    VOLTAGE_PHASE_ID,
    AGG_ALWAYS_ON,
    AGG_VOLTAGES,
    AGG_END,
    PLUG_VALUE,
    PLUG_SINCE,
    INPUT_VALUE,
    INPUT_PULSES,
)

# Values that cannot come from a home installation are shown as unknown, never as a number.
PLAUSIBLE: Final[dict[str, tuple[float, float]]] = {
    "power_w": (-1_000_000.0, 1_000_000.0),
    "current_a": (0.0, 5_000.0),
    "voltage_v": (0.0, 1_000.0),
    "energy_kwh": (0.0, 1e9),
}

# --- Channel configuration: the vendor's load types -> Gridmate's load kinds ----------------


class LoadKind(StrEnum):
    """What a load is, for totals and installation checks."""

    GRID = "grid"  # the connection to the grid: + = import
    SOLAR = "solar"  # production: + = produced into the installation
    BATTERY = "battery"  # storage: + = discharging into the installation
    APPLIANCE = "appliance"  # a consumer (heat pump, EV charger, a group): + = consumed


class Variant(StrEnum):
    """The two firmware generations: how realtime channels are keyed and which config says so."""

    CT_INPUT = "ct_input"  # channelConfig + channelPowers[].ctInput
    PUBLISH_INDEX = "publish_index"  # channelConfigV2 + channelPowers[].publishIndex


VARIANT_CONFIG_TOPIC: Final[dict[Variant, TopicKind]] = {
    Variant.CT_INPUT: TopicKind.CHANNEL_CONFIG,
    Variant.PUBLISH_INDEX: TopicKind.CHANNEL_CONFIG_V2,
}
VARIANT_INDEX_KEY: Final[dict[Variant, str]] = {
    Variant.CT_INPUT: CH_CT_INPUT.key,
    Variant.PUBLISH_INDEX: CH_PUBLISH_INDEX.key,
}

# channelConfig.inputChannels[]: keys (nodered-examples)
V1_INPUT_CHANNELS = "inputChannels"
V1_INDEX = "ctInput"
V1_NAME = "name"
V1_PHASE = "phase"  # from 0
V1_TYPE = "inputChannelType"  # CONSUMPTION | PRODUCTION | UNUSED (| STORAGE: assumed)
V1_CONNECTION = "inputChannelConnection"  # GRID | SUBMETER (SUBMETER: assumed, as in V2)
V1_REVERSED = "reversed"
# channelConfigV2: keys (pysmappee)
V2_SPEC = "dataProcessingSpecification"
V2_PHASE_TYPE = "phaseType"
V2_MEASUREMENTS = "measurements"
V2_INDEX = "publishIndex"
V2_NAME = "name"
V2_FLOW = "flow"  # CONSUMPTION | PRODUCTION (| STORAGE: assumed)
V2_CONNECTION = "connectionType"  # GRID | SUBMETER
V2_PHASE = "phase"  # assumed; realtime phaseId fills in when absent
V2_REVERSED = "reversed"  # assumed

UNUSED: Final = "UNUSED"

# (type or flow, connection) -> kind. Connection None = any. First match wins.
LOAD_KINDS: Final[tuple[tuple[str, str | None, LoadKind, str], ...]] = (
    ("CONSUMPTION", "GRID", LoadKind.GRID, "pysmappee"),
    ("PRODUCTION", None, LoadKind.SOLAR, "pysmappee"),
    ("STORAGE", None, LoadKind.BATTERY, "assumed"),
    ("BATTERY", None, LoadKind.BATTERY, "assumed"),
    ("CONSUMPTION", None, LoadKind.APPLIANCE, "pysmappee"),
)


def load_kind(kind: str | None, connection: str | None) -> LoadKind | None:
    """Gridmate's kind of a channel from the vendor's type/flow and connection; None = unused."""
    if not kind or kind.upper() == UNUSED:
        return None
    kind_u, conn_u = kind.upper(), (connection or "").upper()
    for vendor_kind, vendor_conn, ours, _ in LOAD_KINDS:
        if kind_u == vendor_kind and (vendor_conn is None or conn_u == vendor_conn):
            return ours
    return None


# A multi-phase load's channels are named per phase ("Grid - Phase 1", "Heat pump L2");
# the load is the name without that suffix (ASSUMED: channelConfig has no explicit grouping).
PHASE_SUFFIX: Final = re.compile(
    r"\s*(?:[-:/]\s*)?(?:phase\s*\d|fase\s*\d|l\s?[123])\s*$", re.IGNORECASE
)

# The Power Box reads at most 28 measuring points (manual, "Bus limitations": a CT Hub has 4,
# a Solid Core 3-phase CT 3).
MAX_MEASURING_POINTS: Final = 28

# homeControlConfig (pysmappee) and sensorConfig (assumed) keys
HC_OUTPUT_MODULES = "outputModules"
HC_NODE_ID = "nodeId"
HC_NAME = "name"
HC_SERIAL = "serialNumber"
HC_OUTPUT = "output"  # assumed: 1 or 2 (order of the entries otherwise)
SC_INPUT_MODULES = "inputModules"  # assumed
SC_INPUTS = "inputs"
SC_INPUT = "input"  # 0..3
SC_INPUT_TYPE = "type"  # PULSE | STATUS
SC_PPU = "ppu"  # pulses per unit, as the Gas & Water channels carry it (metering-config)
SC_UOM = "uom"
INPUT_TYPES: Final = ("PULSE", "STATUS")
# Relay connection states in which the relay cannot be switched (pysmappee, connectionState)
UNREACHABLE_STATES: Final = frozenset({"UNREACHABLE", "DISCONNECTED", "OFFLINE"})

# config keys (nodered-examples, pysmappee)
CFG_UUID = "serviceLocationUuid"
CFG_ID = "serviceLocationId"
CFG_SERIAL = "serialNumber"
CFG_DEVICE_UUID = "deviceUuid"
CFG_FIRMWARE = "firmwareVersion"
CFG_AGGREGATION = "aggregationPeriodSeconds"
CFG_TIMEZONE = "timeZone"
CFG_WRAPPER = "config"  # node-red-contrib-smappee accepts the config wrapped in "config"

# Gateway models by serial-number prefix (pysmappee, servicelocation.device_model)
GATEWAY_MODELS: Final[tuple[tuple[str, str], ...]] = (
    ("5100", "Wi-Fi Connect"),
    ("5110", "Wi-Fi Connect"),
    ("5130", "Ethernet Connect"),
    ("5140", "4G Connect"),
    ("50", "Genius"),
    ("20", "Plus / Pro"),
    ("11", "Solar"),
    ("10", "Energy"),
)


def gateway_model(serial: str | None) -> str | None:
    """The gateway model from its serial number prefix."""
    if not serial:
        return None
    for prefix, model in GATEWAY_MODELS:
        if serial.startswith(prefix):
            return model
    return None


def phase_label(phase: int) -> str:
    """`L1`..`L3` for a phase index from 0."""
    return f"L{phase + 1}"
