"""Decode Infinity payloads into the model, tolerating partial and malformed input.

Every function takes the raw MQTT payload (str or bytes). A payload that is not JSON, or not
the expected object, raises `PayloadError` with a short reason; a payload that is partly
readable gives what is readable (a missing or implausible value becomes None, an unreadable
list entry is skipped and counted), so one bad channel never hides the other 27.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import math
from typing import Any

from . import schema as s
from .model import (
    Aggregated,
    Channel,
    ChannelLayout,
    ChannelReading,
    GatewayConfig,
    InputChannel,
    InputModule,
    InputValue,
    Load,
    OutputRelay,
    Realtime,
    RelayState,
)
from .schema import LoadKind, Variant

MAX_PAYLOAD_BYTES = 256 * 1024


class PayloadError(ValueError):
    """A payload Gridmate cannot read at all."""


def loads_json(payload: str | bytes | bytearray) -> Any:
    """The JSON value of a payload."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError("payload too large")
    try:
        return json.loads(payload, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as err:
        raise PayloadError(f"not JSON: {err}") from err


def _reject_constant(name: str) -> float:
    # NaN / Infinity are not JSON; Python's parser accepts them unless told otherwise.
    raise ValueError(f"{name} is not a number")


def _object(payload: str | bytes | bytearray) -> dict[str, Any]:
    value = loads_json(payload)
    if not isinstance(value, dict):
        raise PayloadError("not a JSON object")
    return value


def _number(value: Any) -> float | None:
    """A finite JSON number (bools are not numbers), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return None
        else:
            return None
    number = float(value)
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number == int(number) else None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _bounded(value: float | None, bounds: str) -> float | None:
    low, high = s.PLAUSIBLE[bounds]
    return value if value is not None and low <= value <= high else None


def _scaled(raw: Any, factor: float, bounds: str) -> float | None:
    number = _number(raw)
    return _bounded(number * factor if number is not None else None, bounds)


def _phase(value: Any) -> int | None:
    phase = _int(value)
    return phase if phase is not None and 0 <= phase <= 2 else None


def _on_off(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        upper = value.strip().upper()
        if upper in ("ON", "TRUE", "1", "CLOSED", "HIGH"):
            return True
        if upper in ("OFF", "FALSE", "0", "OPEN", "LOW"):
            return False
    if isinstance(value, int):
        return value != 0
    return None


# --- config -------------------------------------------------------------------------------


def parse_config(payload: str | bytes | bytearray) -> GatewayConfig:
    """The gateway identity; the service location uuid is required."""
    obj = _object(payload)
    if isinstance(obj.get(s.CFG_WRAPPER), dict) and s.CFG_UUID not in obj:
        obj = obj[s.CFG_WRAPPER]
    uuid = _text(obj.get(s.CFG_UUID))
    if uuid is None:
        raise PayloadError("no serviceLocationUuid")
    return GatewayConfig(
        service_location_uuid=uuid,
        serial_number=_text(obj.get(s.CFG_SERIAL)),
        service_location_id=_int(obj.get(s.CFG_ID)),
        device_uuid=_text(obj.get(s.CFG_DEVICE_UUID)),
        firmware_version=_text(obj.get(s.CFG_FIRMWARE)),
        aggregation_period_s=_int(obj.get(s.CFG_AGGREGATION)),
        timezone=_text(obj.get(s.CFG_TIMEZONE)),
    )


# --- channel configuration ----------------------------------------------------------------


def _load_name(name: str) -> str:
    stripped = s.PHASE_SUFFIX.sub("", name).strip(" -")
    return stripped or name


def _group(
    variant: Variant,
    entries: list[tuple[Channel, LoadKind, str]],
    measuring_points: int,
    skipped: list[str],
    phase_type: str | None = None,
) -> ChannelLayout:
    """Group channels into loads by (kind, name without its phase suffix)."""
    groups: dict[tuple[LoadKind, str], list[Channel]] = {}
    for channel, kind, name in entries:
        groups.setdefault((kind, name.casefold()), []).append(channel)
    loads: list[Load] = []
    for (kind, _), channels in groups.items():
        ordered = tuple(sorted(channels, key=lambda c: (c.phase is None, c.phase, c.index)))
        first = min(c.index for c in ordered)
        display = next(n for ch, k, n in entries if k is kind and ch.index == ordered[0].index)
        loads.append(Load(key=f"load_{first}", name=display, kind=kind, channels=ordered))
    loads.sort(key=lambda load: min(load.indexes))
    return ChannelLayout(
        variant=variant,
        loads=tuple(loads),
        measuring_points=measuring_points,
        phase_type=phase_type,
        skipped=tuple(skipped),
    )


def parse_channel_config(payload: str | bytes | bytearray) -> ChannelLayout:
    """Older firmware: `channelConfig` with `inputChannels[]` keyed by ctInput."""
    obj = _object(payload)
    items = obj.get(s.V1_INPUT_CHANNELS)
    if not isinstance(items, list):
        raise PayloadError("no inputChannels list")
    entries: list[tuple[Channel, LoadKind, str]] = []
    skipped: list[str] = []
    seen: set[int] = set()
    for number, item in enumerate(items):
        index = _int(item.get(s.V1_INDEX)) if isinstance(item, dict) else None
        if index is None or index < 0 or index in seen:
            skipped.append(f"inputChannels[{number}]: no usable ctInput")
            continue
        seen.add(index)
        kind = load_kind_of(item.get(s.V1_TYPE), item.get(s.V1_CONNECTION))
        if kind is None:
            continue  # UNUSED (still a measuring point) or an unknown type
        name = _text(item.get(s.V1_NAME)) or f"CT {index + 1}"
        channel = Channel(
            index=index,
            name=name,
            phase=_phase(item.get(s.V1_PHASE)),
            reversed=item.get(s.V1_REVERSED) if isinstance(item.get(s.V1_REVERSED), bool) else None,
        )
        entries.append((channel, kind, _load_name(name)))
    return _group(Variant.CT_INPUT, entries, len(seen), skipped)


def parse_channel_config_v2(payload: str | bytes | bytearray) -> ChannelLayout:
    """Newer firmware: `channelConfigV2`, measurements keyed by publishIndex."""
    obj = _object(payload)
    spec = obj.get(s.V2_SPEC)
    if not isinstance(spec, dict) or not isinstance(spec.get(s.V2_MEASUREMENTS), list):
        raise PayloadError("no dataProcessingSpecification.measurements list")
    entries: list[tuple[Channel, LoadKind, str]] = []
    skipped: list[str] = []
    seen: set[int] = set()
    for number, item in enumerate(spec[s.V2_MEASUREMENTS]):
        index = _int(item.get(s.V2_INDEX)) if isinstance(item, dict) else None
        if index is None or index < 0:
            skipped.append(f"measurements[{number}]: no usable publishIndex")
            continue
        if index in seen:
            skipped.append(f"measurements[{number}]: publishIndex {index} twice")
            continue
        seen.add(index)
        kind = load_kind_of(item.get(s.V2_FLOW), item.get(s.V2_CONNECTION))
        if kind is None:
            continue
        name = _text(item.get(s.V2_NAME)) or f"Channel {index + 1}"
        reversed_flag = item.get(s.V2_REVERSED)
        channel = Channel(
            index=index,
            name=name,
            phase=_phase(item.get(s.V2_PHASE)),
            reversed=reversed_flag if isinstance(reversed_flag, bool) else None,
        )
        entries.append((channel, kind, _load_name(name)))
    return _group(
        Variant.PUBLISH_INDEX, entries, len(seen), skipped, _text(spec.get(s.V2_PHASE_TYPE))
    )


def load_kind_of(kind: Any, connection: Any) -> LoadKind | None:
    """The load kind of a config entry (None = unused or not understood)."""
    return s.load_kind(
        kind if isinstance(kind, str) else None,
        connection if isinstance(connection, str) else None,
    )


# --- realtime -----------------------------------------------------------------------------


def parse_realtime(payload: str | bytes | bytearray) -> Realtime:
    """One realtime message; unreadable channel entries are skipped and counted."""
    obj = _object(payload)
    channels: dict[int, ChannelReading] = {}
    skipped = 0
    variant: Variant | None = None
    items = obj.get(s.CHANNEL_POWERS)
    if items is not None and not isinstance(items, list):
        raise PayloadError("channelPowers is not a list")
    for item in items or ():
        if not isinstance(item, dict):
            skipped += 1
            continue
        if s.CH_PUBLISH_INDEX.key in item:
            item_variant, raw_index = Variant.PUBLISH_INDEX, item[s.CH_PUBLISH_INDEX.key]
        elif s.CH_CT_INPUT.key in item:
            item_variant, raw_index = Variant.CT_INPUT, item[s.CH_CT_INPUT.key]
        else:
            skipped += 1
            continue
        index = _int(raw_index)
        if index is None or index < 0 or index in channels:
            skipped += 1
            continue
        variant = variant or item_variant
        channels[index] = ChannelReading(
            index=index,
            phase=_phase(item.get(s.CH_PHASE_ID.key)),
            power_w=_scaled(item.get(s.CH_POWER.key), s.CH_POWER.factor, "power_w"),
            current_a=_scaled(item.get(s.CH_CURRENT.key), s.CH_CURRENT.factor, "current_a"),
            import_kwh=_scaled(
                item.get(s.CH_IMPORT_ENERGY.key), s.CH_IMPORT_ENERGY.factor, "energy_kwh"
            ),
            export_kwh=_scaled(
                item.get(s.CH_EXPORT_ENERGY.key), s.CH_EXPORT_ENERGY.factor, "energy_kwh"
            ),
        )
    voltages: dict[int, float | None] = {}
    raw_voltages = obj.get(s.VOLTAGES)
    for item in raw_voltages if isinstance(raw_voltages, list) else ():
        if not isinstance(item, dict):
            continue
        phase = _phase(item.get(s.VOLTAGE_PHASE_ID.key))
        if phase is not None:
            voltages[phase] = _scaled(item.get(s.VOLTAGE.key), s.VOLTAGE.factor, "voltage_v")
    return Realtime(
        variant=variant,
        channels=channels,
        voltages=voltages,
        total_power_w=_scaled(obj.get(s.TOTAL_POWER.key), s.TOTAL_POWER.factor, "power_w"),
        total_reactive_var=_scaled(
            obj.get(s.TOTAL_REACTIVE_POWER.key), s.TOTAL_REACTIVE_POWER.factor, "power_w"
        ),
        total_import_kwh=_scaled(
            obj.get(s.TOTAL_IMPORT_ENERGY.key), s.TOTAL_IMPORT_ENERGY.factor, "energy_kwh"
        ),
        total_export_kwh=_scaled(
            obj.get(s.TOTAL_EXPORT_ENERGY.key), s.TOTAL_EXPORT_ENERGY.factor, "energy_kwh"
        ),
        utc_ms=_int(obj.get(s.UTC_TIMESTAMP.key)),
        monitor_status=_int(obj.get(s.MONITOR_STATUS.key)),
        skipped=skipped,
    )


# --- aggregated, presence -------------------------------------------------------------------


def parse_aggregated(payload: str | bytes | bytearray) -> Aggregated:
    """The newest interval of an `aggregated` message."""
    obj = _object(payload)
    intervals = obj.get("intervalDatas")
    if not isinstance(intervals, list) or not intervals or not isinstance(intervals[-1], dict):
        raise PayloadError("no intervalDatas")
    last: Mapping[str, Any] = intervals[-1]
    raw_voltages = last.get(s.AGG_VOLTAGES.key)
    voltages = tuple(
        _scaled(v, s.AGG_VOLTAGES.factor, "voltage_v")
        for v in (raw_voltages if isinstance(raw_voltages, list) else ())
    )
    return Aggregated(
        end_ms=_int(last.get(s.AGG_END.key)),
        always_on_w=_scaled(last.get(s.AGG_ALWAYS_ON.key), s.AGG_ALWAYS_ON.factor, "power_w"),
        voltages=voltages,
    )


def parse_presence(payload: str | bytes | bytearray) -> bool:
    """`presence`: {value: true|false}."""
    value = _on_off(_object(payload).get("value"))
    if value is None:
        raise PayloadError("presence without a true/false value")
    return value


# --- relays (Output modules) -----------------------------------------------------------------


def parse_home_control_config(payload: str | bytes | bytearray) -> tuple[OutputRelay, ...]:
    """The Output module relays of `homeControlConfig` (other actuators are ignored)."""
    obj = _object(payload)
    items = obj.get(s.HC_OUTPUT_MODULES, [])
    if not isinstance(items, list):
        raise PayloadError("outputModules is not a list")
    relays: dict[int, OutputRelay] = {}
    per_module: dict[str | None, int] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        node_id = _int(item.get(s.HC_NODE_ID))
        if node_id is None or node_id < 0 or node_id in relays:
            continue
        serial = _text(item.get(s.HC_SERIAL))
        per_module[serial] = per_module.get(serial, 0) + 1
        output = _int(item.get(s.HC_OUTPUT))
        if output is None or not 1 <= output <= 2:
            output = per_module[serial]
        relays[node_id] = OutputRelay(
            node_id=node_id,
            name=_text(item.get(s.HC_NAME)) or f"Output {output}",
            module_serial=serial,
            output=output,
        )
    return tuple(relays.values())


def parse_relay_state(payload: str | bytes | bytearray, node_id: int) -> RelayState:
    """`plug/<nodeId>/state`: {value: ON|OFF, since}."""
    obj = _object(payload)
    on = _on_off(obj.get(s.PLUG_VALUE.key))
    if on is None:
        raise PayloadError("relay state without ON/OFF")
    return RelayState(node_id=node_id, on=on, since_ms=_int(obj.get(s.PLUG_SINCE.key)))


def parse_connection_state(payload: str | bytes | bytearray) -> str:
    """`plug/<nodeId>/connectionState`: {value: CONNECTED|...}."""
    value = _text(_object(payload).get("value"))
    if value is None:
        raise PayloadError("connection state without a value")
    return value.upper()


def relay_command(on: bool, node_id: int, now_ms: int) -> str:
    """The `plug/<nodeId>/setstate` payload that switches a relay."""
    return json.dumps({s.PLUG_VALUE.key: "ON" if on else "OFF", "since": now_ms, "nodeId": node_id})


# --- Input modules (shapes assumed, see schema) ------------------------------------------------


def parse_sensor_config(payload: str | bytes | bytearray) -> tuple[InputModule, ...]:
    """The Input modules listed in `sensorConfig` (Gas & Water and switch sensors ignored)."""
    obj = _object(payload)
    items = obj.get(s.SC_INPUT_MODULES, [])
    if not isinstance(items, list):
        raise PayloadError("inputModules is not a list")
    modules: dict[str, InputModule] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        serial = _text(item.get(s.HC_SERIAL))
        if serial is None or serial in modules:
            continue
        inputs: dict[int, InputChannel] = {}
        raw_inputs = item.get(s.SC_INPUTS)
        for raw in raw_inputs if isinstance(raw_inputs, list) else ():
            if not isinstance(raw, dict):
                continue
            number = _int(raw.get(s.SC_INPUT))
            kind = _text(raw.get(s.SC_INPUT_TYPE))
            if number is None or not 0 <= number <= 3 or number in inputs:
                continue
            if kind is None or kind.upper() not in s.INPUT_TYPES:
                continue
            ppu = _number(raw.get(s.SC_PPU))
            inputs[number] = InputChannel(
                input=number,
                name=_text(raw.get(s.HC_NAME)) or f"Input {number + 1}",
                pulse=kind.upper() == "PULSE",
                ppu=ppu if ppu is not None and ppu > 0 else None,
                uom=_text(raw.get(s.SC_UOM)),
            )
        modules[serial] = InputModule(
            serial_number=serial,
            name=_text(item.get(s.HC_NAME)) or f"Input module {serial[-4:]}",
            inputs=tuple(sorted(inputs.values(), key=lambda i: i.input)),
        )
    return tuple(modules.values())


def parse_input_state(payload: str | bytes | bytearray) -> dict[int, InputValue]:
    """`inputmodule/<serial>/state`: the value of each input that is readable."""
    obj = _object(payload)
    items = obj.get(s.SC_INPUTS)
    if not isinstance(items, list):
        raise PayloadError("no inputs list")
    values: dict[int, InputValue] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        number = _int(item.get(s.SC_INPUT))
        if number is None or not 0 <= number <= 3:
            continue
        pulses = _int(item.get(s.INPUT_PULSES.key))
        values[number] = InputValue(
            on=_on_off(item.get(s.INPUT_VALUE.key)) if s.INPUT_VALUE.key in item else None,
            pulses=pulses if pulses is not None and pulses >= 0 else None,
        )
    return values
