"""Service actions, diagnostics and the controller steering an OCPP charger end to end."""

from __future__ import annotations

import time

from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.gridmate.charger.ocpp.const import CONF_ID_TAGS
from custom_components.gridmate.const import DOMAIN
from custom_components.gridmate.control import (
    ChargeMode,
    ChargerConfig,
    ChargerState,
    Controller,
    MeterReading,
    Settings,
    StepInput,
)
from custom_components.gridmate.kinds import charger_of
from simulator.ocpp import Car

from .conftest import PortSimFactory, ocpp_entry


async def test_configuration_services(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """Read and change configuration keys, trigger a message, clear the profile."""
    sim = await port_sim(ocpp_port)
    entry_id = loaded_entry.entry_id
    response = await hass.services.async_call(
        DOMAIN,
        "ocpp_get_configuration",
        {"config_entry_id": entry_id, "keys": ["HeartbeatInterval", "Nope"]},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "configuration": {"HeartbeatInterval": {"value": "60", "readonly": False}},
        "unknown_keys": ["Nope"],
    }
    response = await hass.services.async_call(
        DOMAIN,
        "ocpp_change_configuration",
        {"config_entry_id": entry_id, "key": "MeterValueSampleInterval", "value": "30"},
        blocking=True,
        return_response=True,
    )
    assert response == {"status": "Accepted"}
    assert sim.config_values["MeterValueSampleInterval"] == "30"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "ocpp_change_configuration",
            {"config_entry_id": entry_id, "key": "NumberOfConnectors", "value": "2"},
            blocking=True,
        )
    assert err.value.translation_key == "ocpp_rejected"

    triggers = len(sim.triggers)
    await hass.services.async_call(
        DOMAIN,
        "ocpp_trigger_message",
        {"config_entry_id": entry_id, "message": "Heartbeat"},
        blocking=True,
    )
    await sim.wait_until(lambda: len(sim.triggers) > triggers)
    await loaded_entry.runtime_data.charge_point.set_current_limit(8)
    await hass.services.async_call(
        DOMAIN, "ocpp_clear_charging_profile", {"config_entry_id": entry_id}, blocking=True
    )
    assert sim.profiles == {}


async def test_service_validation(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Unknown entries, other kinds, unloaded entries and bad messages are refused clearly."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "ocpp_trigger_message",
            {"config_entry_id": "nope", "message": "Heartbeat"},
            blocking=True,
        )
    assert err.value.translation_key == "ocpp_not_an_ocpp_charger"
    other = MockConfigEntry(domain=DOMAIN, data={"kind": "smart_connect"})
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "ocpp_clear_charging_profile",
            {"config_entry_id": other.entry_id},
            blocking=True,
        )
    with pytest.raises(Exception, match="message"):
        await hass.services.async_call(
            DOMAIN,
            "ocpp_trigger_message",
            {"config_entry_id": loaded_entry.entry_id, "message": "Reboot"},
            blocking=True,
        )
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "ocpp_clear_charging_profile",
            {"config_entry_id": loaded_entry.entry_id},
            blocking=True,
        )
    assert err.value.translation_key == "ocpp_not_loaded"
    # Connected charger required for commands: translated error, not a traceback.
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "ocpp_get_configuration",
            {"config_entry_id": loaded_entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "ocpp_unreachable"


async def test_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    ocpp_port: int,
    port_sim: PortSimFactory,
) -> None:
    """Password, id, serials and id tags never leave; state and counters do."""
    entry = ocpp_entry(
        ocpp_port,
        options={CONF_ID_TAGS: ["SECRET-CARD"]},
        **{CONF_PASSWORD: "topsecret-key-1234"},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    sim = await port_sim(ocpp_port, password="topsecret-key-1234")
    await sim.plug_in()
    await sim.wait_until(lambda: sim.status == "Charging")
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    for secret in ("topsecret-key-1234", "SECRET-CARD", "21/000-000001", "cp1"):
        assert secret not in text, secret
    assert diagnostics["online"] is True
    assert diagnostics["status"] == "Charging"
    assert diagnostics["boot"]["model"] == "INFINERGI-3T-DR"
    assert diagnostics["counters"]["messages"] > 0
    assert diagnostics["transaction"]["id_tag"] == "**REDACTED**"
    assert diagnostics["entry"]["data"][CONF_PASSWORD] == "**REDACTED**"
    assert diagnostics["entry"]["options"][CONF_ID_TAGS] == "**REDACTED**"


async def test_controller_steers_the_charger(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, ocpp_port: int, port_sim: PortSimFactory
) -> None:
    """The control core's commands, applied through the charger contract, move the car's current.

    Fast mode under a 25 A main fuse: the house draws 10 A per phase, so the car gets 15 A;
    when the house goes to 20 A it drops to 5 A -> below the minimum, so it pauses; the
    simulated charger follows each profile.
    """
    sim = await port_sim(ocpp_port, meter_interval=1)
    await sim.plug_in(Car(max_current=32))
    await sim.wait_until(lambda: sim.status == "Charging")
    charger = charger_of(loaded_entry)
    assert charger is not None
    caps = charger.capabilities
    controller = Controller(
        Settings(
            mode=ChargeMode.FAST,
            max_mains=25,
            min_on_s=0,
            min_off_s=0,
            chargers=(
                ChargerConfig(
                    charger_id="ocpp",
                    min_current=caps.min_current,
                    max_current=caps.max_current,
                    resolution=caps.current_step,
                    phases=caps.phases,
                ),
            ),
        )
    )

    async def step(house_a: float) -> float:
        status = charger.status
        assert status is not None
        ev = [c or 0.0 for c in status.currents]
        now = time.time()
        result = controller.step(
            StepInput(
                now=now,
                mains=MeterReading(
                    currents=(house_a + ev[0], house_a + ev[1], house_a + ev[2]), timestamp=now
                ),
                chargers=(
                    ChargerState(
                        charger_id="ocpp",
                        connected=bool(status.connected),
                        charging=bool(status.charging),
                        actual_currents=(ev[0], ev[1], ev[2]),
                    ),
                ),
            )
        )
        command = result.commands[0]
        await charger.set_current_limit(command.current)
        return command.current

    target = await step(10.0)
    assert target == pytest.approx(15.0)
    assert sim.offered == 15.0
    await sim.wait_until(lambda: sim.current == 15.0)
    assert charger.status is not None
    assert charger.status.current_limit == 15.0
    # The house load jumps: never more than the fuse allows, a pause below 6 A.
    target = await step(20.0)
    assert target == 0.0
    assert sim.offered == 0.0
    await sim.wait_until(lambda: sim.status == "SuspendedEVSE")
