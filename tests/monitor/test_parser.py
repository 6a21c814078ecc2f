"""The payload parser: the vendor's shapes, unit conversions, and bad input never crashing.

Payloads are written here in the shapes of the public examples (node-red-contrib-smappee,
pysmappee), with numbers chosen so each conversion is checked against a literal value.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.gridmate.devices.infinity import parser, schema
from custom_components.gridmate.devices.infinity.schema import LoadKind, TopicKind, Variant


def _j(value: Any) -> str:
    return json.dumps(value)


REALTIME_CT = {
    "totalPower": 1500,
    "totalReactivePower": 210,
    "totalExportEnergy": 7_200_000,
    "totalImportEnergy": 36_000_000,
    "monitorStatus": 0,
    "utcTimeStamp": 1_700_000_000_123,
    "channelPowers": [
        {"ctInput": 0, "power": 1000, "exportEnergy": 0, "importEnergy": 3_600_000,
         "phaseId": 0, "current": 45},
        {"ctInput": 1, "power": -230, "exportEnergy": 1_800_000, "importEnergy": 0,
         "phaseId": 2, "current": 10},
    ],
    "voltages": [{"voltage": 231, "phaseId": 0}, {"voltage": 0, "phaseId": 1},
                 {"voltage": 229, "phaseId": 2}],
}  # fmt: skip


def test_realtime_units_ct_input() -> None:
    """W stays W, 0.1 A -> A, J -> kWh, phases count from 0."""
    rt = parser.parse_realtime(_j(REALTIME_CT))
    assert rt.variant is Variant.CT_INPUT
    first, second = rt.channels[0], rt.channels[1]
    assert first.power_w == 1000
    assert first.current_a == pytest.approx(4.5)
    assert first.import_kwh == pytest.approx(1.0)  # 3 600 000 J
    assert first.phase == 0
    assert second.power_w == -230
    assert second.export_kwh == pytest.approx(0.5)
    assert second.phase == 2
    assert rt.voltages == {0: 231, 1: 0, 2: 229}
    assert rt.total_import_kwh == pytest.approx(10.0)
    assert rt.total_export_kwh == pytest.approx(2.0)
    assert rt.total_power_w == 1500
    assert rt.utc_ms == 1_700_000_000_123
    assert rt.skipped == 0


def test_realtime_publish_index_variant() -> None:
    """Newer firmware keys channels by publishIndex (extra keys such as formula ignored)."""
    payload = {
        "channelPowers": [
            {"publishIndex": 7, "formula": "$5500000194/3$", "power": 5, "current": 1,
             "importEnergy": 989_260, "exportEnergy": 0, "phaseId": 1, "cosPhi": 0.5},
        ],
        "voltages": [{"voltage": 229, "phaseId": 0}],
    }  # fmt: skip
    rt = parser.parse_realtime(_j(payload))
    assert rt.variant is Variant.PUBLISH_INDEX
    assert set(rt.channels) == {7}
    assert rt.channels[7].import_kwh == pytest.approx(989_260 / 3_600_000)
    assert rt.channels[7].current_a == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("entry", "field", "expected"),
    [
        ({"power": "NaN"}, "power_w", None),
        ({"power": True}, "power_w", None),
        ({"power": "250"}, "power_w", 250.0),  # numbers sent as strings are still numbers
        ({"power": 5e9}, "power_w", None),  # no home draws 5 GW
        ({"current": -3}, "current_a", None),
        ({"importEnergy": -1}, "import_kwh", None),
        ({"phaseId": 7}, "phase", None),
        ({"phaseId": "x"}, "phase", None),
    ],
)
def test_realtime_implausible_values_are_unknown(
    entry: dict[str, Any], field: str, expected: float | None
) -> None:
    """A value that cannot be right is None (shown as unknown), the rest stays."""
    channel = {"ctInput": 3, "power": 10, "current": 1, "importEnergy": 1, "exportEnergy": 0,
               "phaseId": 0, **entry}  # fmt: skip
    rt = parser.parse_realtime(_j({"channelPowers": [channel]}))
    assert getattr(rt.channels[3], field) == expected
    assert rt.channels[3].power_w is not None or field == "power_w"


def test_realtime_partial_and_broken_entries() -> None:
    """Unreadable channel entries are skipped and counted; good ones survive."""
    payload = {
        "channelPowers": [
            {"ctInput": 0, "power": 100},  # partial: no current, no energies
            "garbage",
            {"power": 5},  # no index
            {"ctInput": -1, "power": 5},
            {"ctInput": 0, "power": 7},  # duplicate index
            {"ctInput": 2.5, "power": 7},
        ],
        "voltages": "not a list",
    }
    rt = parser.parse_realtime(_j(payload))
    assert set(rt.channels) == {0}
    assert rt.channels[0].power_w == 100
    assert rt.channels[0].current_a is None
    assert rt.channels[0].import_kwh is None
    assert rt.skipped == 5
    assert rt.voltages == {}


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "{",
        '{"channelPowers": [',
        "NaN",
        '{"totalPower": Infinity}',
        "[1, 2]",
        '"text"',
        '{"channelPowers": {"ctInput": 0}}',
        b"\xff\xfe",
        "x" * 300_000,
    ],
)
def test_realtime_malformed_raises_payload_error(payload: str | bytes) -> None:
    """Not JSON, not an object, NaN/Infinity, truncated: one clear error type."""
    with pytest.raises(parser.PayloadError):
        parser.parse_realtime(payload)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "channelPowers",
                        "ctInput",
                        "publishIndex",
                        "power",
                        "current",
                        "voltages",
                        "phaseId",
                        "voltage",
                        "importEnergy",
                        "inputChannels",
                        "measurements",
                        "dataProcessingSpecification",
                        "outputModules",
                        "inputModules",
                        "inputs",
                        "nodeId",
                        "serialNumber",
                        "serviceLocationUuid",
                        "value",
                        "intervalDatas",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_never_crashes(value: Any) -> None:
    """Whatever JSON arrives, every parser either decodes it or raises PayloadError."""
    text = json.dumps(value, allow_nan=True)
    for parse in (
        parser.parse_realtime,
        parser.parse_channel_config,
        parser.parse_channel_config_v2,
        parser.parse_config,
        parser.parse_home_control_config,
        parser.parse_sensor_config,
        parser.parse_input_state,
        parser.parse_aggregated,
        parser.parse_presence,
        lambda p: parser.parse_relay_state(p, 1),
    ):
        with contextlib.suppress(parser.PayloadError):
            parse(text)


CHANNEL_CONFIG = {
    "utcTimeStamp": 1,
    "inputChannels": [
        {"ctInput": 0, "name": "Grid - Phase 1", "phase": 0, "inputChannelType": "CONSUMPTION",
         "inputChannelConnection": "GRID", "reversed": True},
        {"ctInput": 1, "name": "Grid - Phase 2", "phase": 1, "inputChannelType": "CONSUMPTION",
         "inputChannelConnection": "GRID"},
        {"ctInput": 2, "name": "Grid - Phase 3", "phase": 2, "inputChannelType": "CONSUMPTION",
         "inputChannelConnection": "GRID"},
        {"ctInput": 3, "name": "Solar - Phase 1", "phase": 0, "inputChannelType": "PRODUCTION",
         "inputChannelConnection": "GRID"},
        {"ctInput": 4, "name": "Boiler", "phase": 1, "inputChannelType": "CONSUMPTION",
         "inputChannelConnection": "SUBMETER"},
        {"ctInput": 5, "name": "Spare", "phase": 0, "inputChannelType": "UNUSED"},
        {"ctInput": 6, "name": "Home battery", "phase": 2, "inputChannelType": "STORAGE",
         "inputChannelConnection": "SUBMETER"},
    ],
}  # fmt: skip


def test_channel_config_groups_loads() -> None:
    """Channels named per phase form one load; unused inputs still count as measuring points."""
    layout = parser.parse_channel_config(_j(CHANNEL_CONFIG))
    assert layout.variant is Variant.CT_INPUT
    assert layout.measuring_points == 7
    summary = [(load.key, load.name, load.kind, load.indexes) for load in layout.loads]
    assert summary == [
        ("load_0", "Grid", LoadKind.GRID, (0, 1, 2)),
        ("load_3", "Solar", LoadKind.SOLAR, (3,)),
        ("load_4", "Boiler", LoadKind.APPLIANCE, (4,)),
        ("load_6", "Home battery", LoadKind.BATTERY, (6,)),
    ]
    grid = layout.loads[0]
    assert [c.phase for c in grid.channels] == [0, 1, 2]
    assert grid.channels[0].reversed is True
    assert grid.multi_phase
    assert not layout.loads[1].multi_phase


def test_channel_config_v2_groups_by_name() -> None:
    """channelConfigV2: measurements keyed by publishIndex, grouped by flow/connection and name."""
    payload = {
        "dataProcessingSpecification": {
            "phaseType": "THREE_PHASE_STAR",
            "measurements": [
                {"name": "Heat pump", "flow": "CONSUMPTION", "connectionType": "SUBMETER",
                 "publishIndex": 4, "phase": 0},
                {"name": "Heat pump", "flow": "CONSUMPTION", "connectionType": "SUBMETER",
                 "publishIndex": 5, "phase": 1},
                {"name": "Grid", "flow": "CONSUMPTION", "connectionType": "GRID",
                 "publishIndex": 0},
                {"name": "PV", "flow": "PRODUCTION", "connectionType": "GRID", "publishIndex": 9},
                {"name": "Unused", "flow": "UNUSED", "publishIndex": 10},
                {"name": "Twice", "flow": "CONSUMPTION", "publishIndex": 9},
                {"flow": "CONSUMPTION"},
            ],
        }
    }  # fmt: skip
    layout = parser.parse_channel_config_v2(_j(payload))
    assert layout.variant is Variant.PUBLISH_INDEX
    assert layout.phase_type == "THREE_PHASE_STAR"
    assert layout.measuring_points == 5
    assert [(load.name, load.kind, load.indexes) for load in layout.loads] == [
        ("Grid", LoadKind.GRID, (0,)),
        ("Heat pump", LoadKind.APPLIANCE, (4, 5)),
        ("PV", LoadKind.SOLAR, (9,)),
    ]
    assert layout.loads[0].channels[0].phase is None  # realtime phaseId will tell
    assert len(layout.skipped) == 2


@pytest.mark.parametrize("parse", [parser.parse_channel_config, parser.parse_channel_config_v2])
@pytest.mark.parametrize("payload", ["{}", '{"inputChannels": 3}', "[]", "{"])
def test_channel_config_malformed(parse: Any, payload: str) -> None:
    """A configuration without its list is an error, never an empty installation."""
    with pytest.raises(parser.PayloadError):
        parse(payload)


def test_config_plain_and_wrapped() -> None:
    """`config` as the examples show it, and wrapped in "config" as node-red accepts it."""
    plain = {
        "utcTimeStamp": 1,
        "deviceUuid": "8d36c6cc-0000-4b8b-a8e2-397ac2fed192",
        "serialNumber": "5010000777",
        "serviceLocationUuid": "ff4dc198-a504-4ea5-baae-42d39133fd5c",
        "serviceLocationId": 12345,
        "firmwareVersion": "V3106",
        "aggregationPeriodSeconds": 300,
    }
    config = parser.parse_config(_j(plain))
    assert config.identity == "5010000777"
    assert config.firmware_version == "V3106"
    assert config.service_location_id == 12345
    assert parser.parse_config(_j({"config": plain})) == config
    no_serial = parser.parse_config(_j({"serviceLocationUuid": "u-1", "deviceUuid": "d-1"}))
    assert no_serial.identity == "d-1"
    with pytest.raises(parser.PayloadError):
        parser.parse_config(_j({"serialNumber": "1"}))


def test_relays_inputs_presence_aggregated() -> None:
    """Output module relays, Input module inputs and their states, presence, aggregated."""
    relays = parser.parse_home_control_config(
        _j(
            {
                "switchActuators": [],
                "smartplugActuators": [{"nodeId": 1, "name": "Plug A"}],
                "outputModules": [
                    {"nodeId": 21, "name": "Boiler", "serialNumber": "5500000001"},
                    {"nodeId": 22, "name": "Pump", "serialNumber": "5500000001"},
                    {"nodeId": "bad"},
                ],
            }
        )
    )
    assert [(r.node_id, r.name, r.output) for r in relays] == [(21, "Boiler", 1), (22, "Pump", 2)]
    state = parser.parse_relay_state(_j({"value": "ON", "since": 1520261398304}), 21)
    assert state.on is True
    assert state.since_ms == 1520261398304
    with pytest.raises(parser.PayloadError):
        parser.parse_relay_state(_j({"value": "maybe"}), 21)
    command = json.loads(parser.relay_command(False, 21, 99))
    assert command == {"value": "OFF", "since": 99, "nodeId": 21}

    modules = parser.parse_sensor_config(
        _j(
            {
                "gwSensors": [],
                "inputModules": [
                    {
                        "serialNumber": "5400000001",
                        "name": "Cellar",
                        "inputs": [
                            {"input": 0, "name": "Gas", "type": "PULSE", "ppu": 100, "uom": "m3"},
                            {"input": 1, "name": "Door", "type": "STATUS"},
                            {"input": 9, "name": "Out of range", "type": "STATUS"},
                            {"input": 2, "name": "Odd", "type": "ANALOG"},
                        ],
                    }
                ],
            }
        )
    )
    (module,) = modules
    assert [(i.input, i.pulse, i.ppu, i.uom) for i in module.inputs] == [
        (0, True, 100.0, "m3"),
        (1, False, None, None),
    ]
    values = parser.parse_input_state(
        _j({"inputs": [{"input": 0, "pulseCount": 1234}, {"input": 1, "value": "OFF"}]})
    )
    assert values[0].pulses == 1234
    assert values[0].on is None
    assert values[1].on is False
    assert parser.parse_presence(_j({"value": True})) is True
    aggregated = parser.parse_aggregated(
        _j({"intervalDatas": [{"utcEndtime": 5, "averageRMSVoltages": [2360, 2345],
                               "alwaysOn": 59287}]})
    )  # fmt: skip
    assert aggregated.always_on_w == pytest.approx(59.287)
    assert aggregated.voltages == (pytest.approx(236.0), pytest.approx(234.5))


def test_topics_table() -> None:
    """Topic names resolve both ways; the table documents every kind exactly once."""
    assert schema.topic("servicelocation", "u", TopicKind.PLUG_SET_STATE, node_id=3) == (
        "servicelocation/u/plug/3/setstate"
    )
    assert schema.classify("realtime") == (TopicKind.REALTIME, None)
    assert schema.classify("plug/12/state") == (TopicKind.PLUG_STATE, "12")
    assert schema.classify("plug/12/connectionState") == (TopicKind.PLUG_CONNECTION_STATE, "12")
    assert schema.classify("inputmodule/54/state") == (TopicKind.INPUT_STATE, "54")
    assert schema.classify("tracking") is None
    assert schema.split_config_topic("servicelocation/abc/config") == ("servicelocation", "abc")
    assert schema.split_config_topic("servicelocation/+/config") is None
    assert {spec.kind for spec in schema.TOPICS} == set(TopicKind)
    assert all(field.source in schema.SOURCES for field in schema.FIELDS)
    assert all(spec.source in schema.SOURCES for spec in schema.TOPICS)
    assert schema.gateway_model("5010000123") == "Genius"
    assert schema.gateway_model("5130000001") == "Ethernet Connect"
