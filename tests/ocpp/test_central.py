"""The central system against Infinergi simulators over real websockets (no Home Assistant)."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from custom_components.gridmate.devices.chargers.contract import (
    ChargerNotSupportedError,
    ChargerRejectedError,
    ChargerUnreachableError,
)
from custom_components.gridmate.devices.chargers.ocpp.charge_point import AuthMode
from custom_components.gridmate.devices.chargers.ocpp.const import PROFILE_ID
from custom_components.gridmate.devices.chargers.ocpp.server import (
    CentralSystem,
    charge_point_id_from_path,
)
from simulator.ocpp import AuthorizationMode, Car

from .conftest import SimFactory, add_charge_point, settled


async def test_boot_heartbeat_and_status(central: CentralSystem, make_sim: SimFactory) -> None:
    """Boot is accepted with our interval; the driver learns model, firmware and status."""
    cp = add_charge_point(central, heartbeat_interval=1)
    sim = await make_sim(central, model="INFINERGI-1T", firmware="2.1.3", phases=1)
    assert sim.registration == "Accepted"
    assert sim.config_values["HeartbeatInterval"] == "1"
    await settled(cp, lambda: cp.snapshot.status == "Available")
    boot = cp.snapshot.boot
    assert boot is not None
    assert (boot.vendor, boot.model, boot.firmware, boot.serial) == (
        "SEMAR",
        "INFINERGI-1T",
        "2.1.3",
        "21/000-000001",
    )
    assert cp.snapshot.charge_point_status == "Available"
    await settled(cp, lambda: cp.snapshot.last_heartbeat is not None, within=3)
    status = cp.status
    assert status is not None
    assert (status.connected, status.charging, status.error_code) == (False, False, None)


async def test_charge_point_configured_on_connect(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """The driver reads the configuration and asks for the measurands and interval it wants."""
    cp = add_charge_point(central, meter_interval=5)
    sim = await make_sim(central)
    await sim.wait_until(lambda: sim.config_values["MeterValueSampleInterval"] == "5")
    await sim.wait_until(lambda: "Current.Import" in sim.config_values["MeterValuesSampledData"])
    await sim.wait_until(lambda: "StatusNotification" in sim.triggers)
    measurands = sim.config_values["MeterValuesSampledData"].split(",")
    assert {"Energy.Active.Import.Register", "Power.Active.Import", "Voltage", "SoC"} <= set(
        measurands
    )
    assert cp.snapshot.configuration["NumberOfConnectors"] == "1"


async def test_session_with_meter_values(central: CentralSystem, make_sim: SimFactory) -> None:
    """Plug-in starts a transaction; meter values give energy, power, currents, voltages, SoC."""
    cp = add_charge_point(central)
    sim = await make_sim(central, meter_interval=1)
    await sim.plug_in(Car(max_current=10, sends_soc=True))
    await settled(cp, lambda: cp.snapshot.transaction is not None)
    tx = cp.snapshot.transaction
    assert tx is not None
    assert tx.transaction_id == sim.transaction_id
    assert tx.meter_start_wh == sim.meter_start
    # The driver asked for more measurands on connect; wait for a sample that carries them.
    await settled(cp, lambda: cp.snapshot.measurements.voltages[2] is not None, within=5)
    await settled(cp, lambda: cp.snapshot.measurements.soc_pct is not None, within=5)
    await settled(cp, lambda: cp.snapshot.measurements.currents == (10.0, 10.0, 10.0))
    meas = cp.snapshot.measurements
    assert meas.voltages == (230.0, 230.0, 230.0)
    assert meas.power_w == pytest.approx(6900)
    assert meas.energy_wh == pytest.approx(sim.energy_wh, abs=5)
    status = cp.status
    assert status is not None
    assert (status.connected, status.charging, status.phases_in_use) == (True, True, 3)
    assert status.session_energy_wh is not None
    assert status.session_energy_wh >= 0

    await sim.unplug()
    await settled(cp, lambda: cp.snapshot.status == "Available")
    snap = cp.snapshot
    assert snap.transaction is None
    assert snap.last_session is not None
    assert snap.last_session.transaction_id == tx.transaction_id
    assert snap.last_session.reason == "EVDisconnected"
    assert snap.last_session.energy_wh == pytest.approx(round(sim.energy_wh) - sim.meter_start)
    assert snap.measurements.currents == (0.0, 0.0, 0.0)
    assert snap.measurements.power_w == 0.0


async def test_charging_profile_changes_the_simulated_current(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """set_current_limit installs a TxDefaultProfile; the car follows; below 6 A it pauses."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central)
    await sim.plug_in(Car(max_current=32))
    await sim.wait_until(lambda: sim.status == "Charging")
    await cp.set_current_limit(10.7)
    assert sim.offered == 10.0  # rounded down to whole amperes, never up
    assert sim.current == 10.0
    assert cp.snapshot.applied_limit == 10.0
    profile = sim.profiles[("TxDefaultProfile", 1, 1)]
    assert (profile.profile_id, profile.kind, profile.unit) == (PROFILE_ID, "Relative", "A")
    assert profile.periods == [(0.0, 10.0, 3)]

    await cp.set_current_limit(40)  # capped at the wiring limit of the entry
    assert sim.offered == 16.0
    await cp.set_current_limit(4)  # below the minimum: pause
    assert sim.offered == 0.0
    await sim.wait_until(lambda: sim.status == "SuspendedEVSE")
    await settled(cp, lambda: cp.snapshot.status == "SuspendedEVSE")
    assert cp.status is not None
    assert cp.status.paused is True
    sent = len(sim.applied)
    await cp.set_current_limit(3)  # same effective limit: nothing sent again
    assert len(sim.applied) == sent
    await cp.set_current_limit(6)
    await sim.wait_until(lambda: sim.status == "Charging")


async def test_stop_pauses_and_start_resumes(central: CentralSystem, make_sim: SimFactory) -> None:
    """stop() is a 0 A profile with the transaction kept; start() restores the wanted limit."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central)
    await sim.plug_in()
    await cp.set_current_limit(12)
    await cp.stop()
    assert sim.offered == 0.0
    assert sim.transaction_id is not None
    await cp.start()
    assert sim.offered == 12.0
    await sim.wait_until(lambda: sim.status == "Charging")


async def test_power_only_charger_gets_watts(central: CentralSystem, make_sim: SimFactory) -> None:
    """A charger that only takes power limits gets the current times 230 V times phases."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central)
    sim.readonly["ChargingScheduleAllowedChargingRateUnit"] = "Power"
    await cp.get_configuration()
    await cp.set_current_limit(10)
    profile = sim.profiles[("TxDefaultProfile", 1, 1)]
    assert profile.unit == "W"
    assert profile.periods[0][1] == pytest.approx(6900)
    assert sim.offered == pytest.approx(10.0)


async def test_phase_switching_only_where_supported(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """numberPhases 1 goes out only to chargers that report 3-to-1 switching."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central, can_switch_phases=True)
    await cp.get_configuration()
    assert cp.capabilities.can_switch_phases is True
    await cp.set_current_limit(8)
    await cp.set_phases(1)
    assert sim.phases_offered == 1

    other = add_charge_point(central, "cp2", max_current=16)
    await make_sim(central, "cp2")
    await other.get_configuration()
    assert other.capabilities.can_switch_phases is False
    with pytest.raises(ChargerNotSupportedError):
        await other.set_phases(1)


async def test_remote_start_and_stop(central: CentralSystem, make_sim: SimFactory) -> None:
    """With RFID authorization the car waits; a remote start begins and a remote stop ends it."""
    cp = add_charge_point(central, remote_id_tag="ha-user")
    sim = await make_sim(central, auth_mode=AuthorizationMode.RFID)
    await sim.plug_in()
    await settled(cp, lambda: cp.snapshot.status == "Preparing")
    assert cp.snapshot.transaction is None
    assert cp.status is not None
    assert cp.status.connected is True
    await cp.start()  # a car waiting for authorization: RemoteStartTransaction
    await settled(cp, lambda: cp.snapshot.transaction is not None)
    assert sim.transaction_tag == "ha-user"
    await sim.wait_until(lambda: sim.status == "Charging")
    await cp.remote_stop()
    await settled(cp, lambda: cp.snapshot.transaction is None)
    assert cp.snapshot.last_session is not None
    assert cp.snapshot.last_session.reason == "Remote"
    with pytest.raises(ChargerRejectedError):
        await cp.remote_stop()  # nothing to stop
    await sim.unplug()
    with pytest.raises(ChargerRejectedError):
        await cp.remote_start()  # no car: the charger refuses


async def test_availability_reset_and_trigger(central: CentralSystem, make_sim: SimFactory) -> None:
    """ChangeAvailability, TriggerMessage and Reset (the charger reboots, the limit returns)."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central)
    await cp.set_current_limit(9)
    await cp.change_availability(False)
    await settled(cp, lambda: cp.snapshot.status == "Unavailable")
    assert cp.snapshot.available is False
    await cp.change_availability(True)
    await settled(cp, lambda: cp.snapshot.status == "Available")

    triggers = len(sim.triggers)
    await cp.trigger("Heartbeat")
    await sim.wait_until(lambda: len(sim.triggers) > triggers)
    assert sim.triggers[-1] == "Heartbeat"

    boots = sim.boots
    sim.profiles.clear()  # as if the reboot lost them
    sim.offered = 32.0
    await cp.reset()
    assert sim.resets == ["Soft"]
    await sim.wait_until(lambda: sim.boots > boots and sim.booted, within=5)
    await sim.wait_until(lambda: sim.offered == 9.0, within=5)


async def test_get_and_change_configuration(central: CentralSystem, make_sim: SimFactory) -> None:
    """Read keys, change one, and get typed errors for read-only and unknown keys."""
    cp = add_charge_point(central)
    sim = await make_sim(central)
    answer = await cp.get_configuration(["HeartbeatInterval", "NoSuchKey"])
    assert answer["configuration"]["HeartbeatInterval"]["readonly"] is False
    assert answer["unknown_keys"] == ["NoSuchKey"]
    assert await cp.change_configuration("HeartbeatInterval", "120") == "Accepted"
    assert sim.config_values["HeartbeatInterval"] == "120"
    with pytest.raises(ChargerRejectedError):
        await cp.change_configuration("NumberOfConnectors", "2")
    with pytest.raises(ChargerNotSupportedError):
        await cp.change_configuration("NoSuchKey", "1")


async def test_clear_charging_profile(central: CentralSystem, make_sim: SimFactory) -> None:
    """Clearing Gridmate's profile gives the charger its own limit back."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central)
    await cp.set_current_limit(8)
    await cp.clear_charging_profile()
    assert sim.profiles == {}
    assert sim.offered == 32.0
    assert cp.snapshot.applied_limit is None


@pytest.mark.parametrize(
    ("auth_mode", "tag", "accepted"),
    [
        (AuthMode.ACCEPT_ALL, "anything", True),
        (AuthMode.TAG_LIST, "CARD-1", True),
        (AuthMode.TAG_LIST, "card-1", True),  # id tags compare case-insensitively
        (AuthMode.TAG_LIST, "stranger", False),
        (AuthMode.LOCAL_LIST, "CARD-1", True),
        (AuthMode.LOCAL_LIST, "stranger", False),
    ],
)
async def test_authorization_modes(
    central: CentralSystem, make_sim: SimFactory, auth_mode: AuthMode, tag: str, accepted: bool
) -> None:
    """RFID swipes are authorized per the configured mode; refused tags are remembered."""
    cp = add_charge_point(central, auth_mode=auth_mode, id_tags=("CARD-1",))
    sim = await make_sim(central, auth_mode=AuthorizationMode.RFID)
    if auth_mode is AuthMode.LOCAL_LIST:
        await sim.wait_until(lambda: sim.local_list == {"CARD-1": "Accepted"})
    await sim.plug_in()
    assert await sim.swipe(tag) is accepted
    assert (sim.transaction_id is not None) is accepted
    assert cp.snapshot.last_refused_tag == (None if accepted else tag)


async def test_static_tag_mode_authorizes_before_starting(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """The Infinergi's static-tag mode sends Authorize first; a refused tag never charges."""
    add_charge_point(central, auth_mode=AuthMode.TAG_LIST, id_tags=("garage",))
    good = await make_sim(central, auth_mode=AuthorizationMode.STATIC, static_tag="garage")
    await good.plug_in()
    assert good.transaction_id is not None

    add_charge_point(central, "cp2", auth_mode=AuthMode.TAG_LIST, id_tags=("garage",))
    bad = await make_sim(central, "cp2", auth_mode=AuthorizationMode.STATIC, static_tag="other")
    await bad.plug_in()
    assert bad.transaction_id is None
    assert bad.status == "Preparing"


async def test_unknown_id_is_refused(central: CentralSystem, make_sim: SimFactory) -> None:
    """An id nobody registered gets HTTP 404 and never reaches OCPP."""
    sim = await make_sim(central, "stranger", wait_boot=False)
    await sim.wait_until(lambda: len(sim.rejections) >= 2)
    assert set(sim.rejections) == {404}
    assert sim.boots == 0
    assert central.refused["stranger"] >= 2
    assert central.get("stranger") is None


async def test_unknown_id_pending_until_accepted(
    socket_enabled: None, make_sim: SimFactory
) -> None:
    """Discovery: an unknown id is held Pending, announced, and accepted once registered."""
    discovered: list[tuple[str, str]] = []
    central = CentralSystem(
        port=0,
        host="127.0.0.1",
        allow_unknown=lambda cp_id: cp_id != "blocked",
        on_discovered=lambda cp_id, boot: discovered.append((cp_id, boot.model)),
        pending_interval=1,
    )
    await central.start()
    try:
        sim = await make_sim(central, "newcomer", wait_boot=False, model="INFINERGI-3U")
        await sim.wait_until(lambda: sim.registration == "Pending")
        assert discovered == [("newcomer", "INFINERGI-3U")]
        assert central.pending["newcomer"] is not None
        # While pending, nothing but boot and heartbeat is served.
        await sim.send_raw(
            json.dumps(
                [
                    2,
                    "p-1",
                    "StatusNotification",
                    {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
                ]
            )
        )
        await sim.wait_until(lambda: any('"p-1"' in frame for frame in sim.received))
        reply = json.loads(next(frame for frame in sim.received if '"p-1"' in frame))
        assert reply[0] == 4
        assert reply[2] == "SecurityError"

        cp = add_charge_point(central, "newcomer")
        await sim.wait_until(lambda: sim.booted, within=5)
        await settled(cp, lambda: cp.snapshot.boot is not None)
        assert "newcomer" not in central.pending

        blocked = await make_sim(central, "blocked", wait_boot=False)
        await blocked.wait_until(lambda: 404 in blocked.rejections)
    finally:
        await central.stop()


async def test_basic_auth(central: CentralSystem, make_sim: SimFactory) -> None:
    """Security profile 1: id as user name and the password, else 401; counted per charger."""
    cp = add_charge_point(central, password="s3cret-key")
    wrong = await make_sim(central, password="guess", wait_boot=False)
    await wrong.wait_until(lambda: len(wrong.rejections) >= 1)
    await wrong.stop()
    assert set(wrong.rejections) == {401}
    assert cp.counters.auth_failures >= 1

    missing = await make_sim(central, wait_boot=False)
    await missing.wait_until(lambda: len(missing.rejections) >= 1)
    await missing.stop()
    assert set(missing.rejections) == {401}

    # Right password but another id as user name: refused too.
    token = base64.b64encode(b"cp2:s3cret-key").decode()
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"ws://127.0.0.1:{central.port}/cp1",
            subprotocols=["ocpp1.6"],  # type: ignore[list-item]
            additional_headers={"Authorization": f"Basic {token}"},
        ):
            pass
    assert refused.value.response.status_code == 401

    right = await make_sim(central, password="s3cret-key")
    assert right.rejections == []
    await settled(cp, lambda: cp.online)


async def test_wrong_subprotocol_is_refused(central: CentralSystem) -> None:
    """A client offering only OCPP 2.0.1 gets 400; no subprotocol header is tolerated."""
    add_charge_point(central)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"ws://127.0.0.1:{central.port}/cp1",
            subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
        ):
            pass
    assert refused.value.response.status_code == 400
    async with connect(f"ws://127.0.0.1:{central.port}/ocpp/cp1") as ws:
        await ws.send(json.dumps([2, "h1", "Heartbeat", {}]))
        reply = json.loads(await ws.recv())
    assert reply[0] == 3
    assert reply[1] == "h1"
    assert "currentTime" in reply[2]


async def test_reconnect_mid_session_resumes(central: CentralSystem, make_sim: SimFactory) -> None:
    """A dropped connection keeps the session; after reconnecting the limit is sent again."""
    cp = add_charge_point(central, max_current=16)
    sim = await make_sim(central, boot_on_reconnect=False)
    await sim.plug_in()
    await cp.set_current_limit(11)
    await settled(cp, lambda: cp.snapshot.transaction is not None)
    tx_id = cp.snapshot.transaction.transaction_id  # type: ignore[union-attr]
    await sim.drop_connection(pause=0.5)
    await settled(cp, lambda: not cp.online)
    assert cp.status is None  # unknown while away, never stale values
    with pytest.raises(ChargerUnreachableError):
        await cp.set_current_limit(7)  # remembered for the reconnect
    sim.offered = 32.0  # whatever the charger did meanwhile
    await sim.wait_until(lambda: sim.booted, within=5)
    await sim.wait_until(lambda: sim.offered == 7.0, within=5)
    assert sim.boots == 1
    await settled(cp, lambda: cp.online)
    assert cp.snapshot.transaction is not None
    assert cp.snapshot.transaction.transaction_id == tx_id
    await sim.unplug()
    await settled(cp, lambda: cp.snapshot.last_session is not None)
    assert cp.snapshot.last_session.transaction_id == tx_id  # type: ignore[union-attr]


async def test_session_ended_while_offline_is_delivered(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """The charger queues StopTransaction while offline; it is accounted after reconnecting."""
    cp = add_charge_point(central)
    sim = await make_sim(central)
    await sim.plug_in()
    await settled(cp, lambda: cp.snapshot.transaction is not None)
    await sim.drop_connection(pause=1.0)
    await sim.unplug()  # StopTransaction queued
    await sim.wait_until(lambda: sim.booted, within=5)
    # Delivered late, the StopTransaction still closes the session with its reason and energy
    # (even if the connector was reported free first).
    await settled(
        cp,
        lambda: (
            cp.snapshot.last_session is not None
            and cp.snapshot.last_session.reason == "EVDisconnected"
        ),
    )
    last = cp.snapshot.last_session
    assert last is not None
    assert last.energy_wh == pytest.approx(round(sim.energy_wh) - sim.meter_start)
    assert cp.snapshot.transaction is None


async def test_new_connection_replaces_old(central: CentralSystem) -> None:
    """A second websocket for the same id takes over (a charger reconnecting on a half-open one)."""
    cp = add_charge_point(central)
    url = f"ws://127.0.0.1:{central.port}/cp1"
    async with connect(url, subprotocols=["ocpp1.6"]) as first:  # type: ignore[list-item]
        await settled(cp, lambda: cp.online)
        old = cp.connection
        async with connect(url, subprotocols=["ocpp1.6"]) as second:  # type: ignore[list-item]
            await settled(cp, lambda: cp.connection is not old and cp.connection is not None)
            await second.send(json.dumps([2, "h", "Heartbeat", {}]))
            assert json.loads(await second.recv())[0] == 3
        with pytest.raises(Exception):  # noqa: B017, PT011 - closed by the server
            await asyncio.wait_for(first.recv(), 2)


@pytest.mark.parametrize(
    ("frame", "reply_code"),
    [
        ("this is not json", None),
        (b"\xff\xfe binary garbage", None),
        ('[2, "trunc", "Heartbeat", {', None),
        ('{"not": "a list"}', None),
        ("[2]", None),
        ('[3, "m0", {}, "extra"]', None),
        ('[2, "m1", "MeterValues"]', "FormationViolation"),
        ('[7, "m2", "Heartbeat", {}]', "FormationViolation"),
        (
            '[2, "m3", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", '
            '"status": "Available"}]',
            "TypeConstraintViolation",
        ),
        ('[2, "m4", "StartTransaction", {"connectorId": 1}]', "ProtocolError"),
        (
            '[2, "m5", "MeterValues", {"connectorId": 1, "meterValue": [], "extra": 1}]',
            "FormatViolation",
        ),
        ('[2, "m6", "FlyToTheMoon", {}]', "NotSupported"),
        ('[2, "m7", "CancelReservation", {"reservationId": 1}]', "NotImplemented"),
    ],
)
async def test_malformed_messages(
    central: CentralSystem, make_sim: SimFactory, frame: str | bytes, reply_code: str | None
) -> None:
    """Garbage never crashes the session: a CallError when there is an id, else it is dropped."""
    cp = add_charge_point(central)
    sim = await make_sim(central)
    before = (cp.counters.malformed_messages, cp.counters.rejected_messages)
    await sim.send_raw(frame)
    if reply_code is None:
        await settled(cp, lambda: cp.counters.malformed_messages == before[0] + 1)
    else:
        unique_id = json.loads(frame)[1]
        await sim.wait_until(lambda: any(f'"{unique_id}"' in f for f in sim.received))
        reply = json.loads(next(f for f in sim.received if f'"{unique_id}"' in f))
        assert reply[0] == 4
        assert reply[2] == reply_code
    # The session still works.
    await cp.set_current_limit(8)
    assert sim.offered == 8.0


async def test_out_of_order_and_repeated_messages(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """Repeated StartTransaction keeps its id; unknown StopTransaction and early MeterValues."""
    cp = add_charge_point(central)
    await make_sim(central)
    url = f"ws://127.0.0.1:{central.port}/cp1"
    async with connect(url, subprotocols=["ocpp1.6"]) as ws:  # type: ignore[list-item]

        async def ask(unique_id: str, action: str, payload: dict[str, object]) -> object:
            await ws.send(json.dumps([2, unique_id, action, payload]))
            while True:
                reply = json.loads(await ws.recv())
                if reply[1] == unique_id:
                    return reply

        # MeterValues of a transaction the central system never saw start: adopted.
        meter = {
            "connectorId": 1,
            "transactionId": 4242,
            "meterValue": [
                {"timestamp": "2025-01-01T10:00:00Z", "sampledValue": [{"value": "5000"}]}
            ],
        }
        assert (await ask("a", "MeterValues", meter))[0] == 3  # type: ignore[index]
        assert cp.snapshot.transaction is not None
        assert cp.snapshot.transaction.transaction_id == 4242
        # A StopTransaction for an id nobody knows is still acknowledged.
        stop = {"meterStop": 6000, "timestamp": "2025-01-01T11:00:00Z", "transactionId": 99}
        assert (await ask("b", "StopTransaction", stop))[0] == 3  # type: ignore[index]
        start = {
            "connectorId": 1,
            "idTag": "x",
            "meterStart": 6000,
            "timestamp": "2025-01-01T12:00:00Z",
        }
        first = await ask("c", "StartTransaction", start)
        again = await ask("d", "StartTransaction", start)  # the answer got lost; sent again
        assert first[2]["transactionId"] == again[2]["transactionId"]  # type: ignore[index]
        assert cp.snapshot.last_session is not None  # the adopted 4242 was closed by the new one
        assert cp.snapshot.last_session.transaction_id == 4242


async def test_two_charge_points_at_once(central: CentralSystem, make_sim: SimFactory) -> None:
    """Two chargers on one server keep separate sessions, limits and measurements."""
    first = add_charge_point(central, "garage", max_current=16)
    second = add_charge_point(central, "carport", max_current=32)
    sim_a = await make_sim(central, "garage", meter_interval=1)
    sim_b = await make_sim(central, "carport", meter_interval=1, phases=1, model="INFINERGI-1U")
    await sim_a.plug_in(Car(max_current=16))
    await sim_b.plug_in(Car(max_current=32, phases=1))
    await asyncio.gather(first.set_current_limit(7), second.set_current_limit(20))
    assert (sim_a.offered, sim_b.offered) == (7.0, 20.0)
    await settled(first, lambda: first.snapshot.measurements.currents[0] == 7.0)
    await settled(second, lambda: second.snapshot.measurements.currents[0] == 20.0)
    assert first.snapshot.transaction is not None
    assert second.snapshot.transaction is not None
    assert first.snapshot.transaction.transaction_id != second.snapshot.transaction.transaction_id
    assert second.snapshot.boot is not None
    assert second.snapshot.boot.model == "INFINERGI-1U"


async def test_infinergi_error_codes(central: CentralSystem, make_sim: SimFactory) -> None:
    """A Faulted status with vendorErrorCode D7 decodes to the manual's error; clearing it too."""
    cp = add_charge_point(central)
    sim = await make_sim(central)
    await sim.plug_in()
    await sim.raise_error("D7")
    await settled(cp, lambda: cp.snapshot.infinergi_error is not None)
    snap = cp.snapshot
    assert snap.infinergi_error is not None
    assert snap.infinergi_error.code == "D7"
    assert snap.error_code == "HighTemperature"
    status = cp.status
    assert status is not None
    assert (status.error_code, status.error_text) == ("D7", "D7: Overheating")
    assert status.charging is False
    await sim.clear_error()
    await settled(cp, lambda: cp.snapshot.error_code is None)
    assert cp.snapshot.infinergi_error is None
    assert cp.status is not None
    assert cp.status.error_code is None


async def test_vendor_data_transfer_is_declined(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """DataTransfer gets UnknownVendorId and the session goes on."""
    cp = add_charge_point(central)
    sim = await make_sim(central)
    result = await sim.send_vendor_data(data='{"temp": 41}')
    assert result.status == "UnknownVendorId"
    await cp.set_current_limit(6)
    assert sim.offered == 6.0


async def test_commands_while_offline(central: CentralSystem) -> None:
    """Without a connection every command raises ChargerUnreachableError; status is None."""
    cp = add_charge_point(central)
    assert cp.status is None
    for command in (cp.start(), cp.stop(), cp.reset(), cp.remote_start(), cp.trigger("Heartbeat")):
        with pytest.raises(ChargerUnreachableError):
            await command


async def test_unanswered_call_is_unreachable(central: CentralSystem) -> None:
    """A charger that never answers a CALL: ChargerUnreachableError after the timeout."""
    cp = add_charge_point(central)
    async with connect(
        f"ws://127.0.0.1:{central.port}/cp1",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
    ):
        await settled(cp, lambda: cp.online)
        with pytest.raises(ChargerUnreachableError):
            await cp.set_current_limit(10)


async def test_removed_charge_point_is_disconnected(
    central: CentralSystem, make_sim: SimFactory
) -> None:
    """Removing a charge point closes its connection; it is then refused as unknown."""
    add_charge_point(central)
    sim = await make_sim(central)
    await central.remove("cp1")
    await sim.wait_until(lambda: 404 in sim.rejections, within=5)


def test_charge_point_id_from_path() -> None:
    """The last path segment, URL-decoded; nothing usable gives None."""
    assert charge_point_id_from_path("/cp1") == "cp1"
    assert charge_point_id_from_path("/ocpp/16/CP%201") == "CP 1"
    assert charge_point_id_from_path("/cp1/") == "cp1"
    assert charge_point_id_from_path("/cp1?token=x") == "cp1"
    assert charge_point_id_from_path("/") is None
    assert charge_point_id_from_path("/" + "x" * 49) is None
    assert charge_point_id_from_path("/a%0Ab") is None
