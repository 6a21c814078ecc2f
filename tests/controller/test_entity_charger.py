"""EntityCharger: the charger contract over another integration's entities."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from custom_components.gridmate.controller.config import parse_charger
from custom_components.gridmate.controller.entity_charger import EntityCharger
from custom_components.gridmate.devices.chargers.contract import (
    ChargerNotSupportedError,
    ChargerRejectedError,
    ChargerUnreachableError,
)

from .conftest import ENABLE, EV_CURRENTS, LIMIT, PLUGGED, entity_charger, set_ev, setup_helpers

TEMPLATE_LIMIT = "number.easee_limit"


async def _template_number(hass: HomeAssistant, *, low: float = 0, high: float = 32) -> None:
    """A `number` entity of another integration (template), backed by an input_number."""
    assert await async_setup_component(
        hass,
        "input_number",
        {"input_number": {"backing": {"min": 0, "max": 80, "step": 1, "initial": 0}}},
    )
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "number": [
                        {
                            "name": "Easee limit",
                            "state": "{{ states('input_number.backing') | float(0) }}",
                            "min": low,
                            "max": high,
                            "step": 1,
                            "unit_of_measurement": "A",
                            "set_value": [
                                {
                                    "action": "input_number.set_value",
                                    "target": {"entity_id": "input_number.backing"},
                                    "data": {"value": "{{ value }}"},
                                }
                            ],
                        }
                    ]
                }
            ]
        },
    )
    await hass.async_block_till_done()


async def test_status_from_the_entities(hass: HomeAssistant) -> None:
    """Plug, currents, limit and switch map onto ChargerStatus; charging follows the current."""
    await setup_helpers(hass)
    charger = EntityCharger(hass, parse_charger(entity_charger()))
    set_ev(hass, 0)
    status = charger.status
    assert status is not None
    assert (status.connected, status.charging, status.current_limit) == (True, False, 0.0)
    assert status.currents == (0.0, 0.0, 0.0)

    await charger.set_current_limit(10)
    assert hass.states.get(LIMIT).state == "10.0"
    assert hass.states.get(ENABLE).state == "on"
    set_ev(hass, 9.6, phases=1)
    status = charger.status
    assert status is not None
    assert status.charging is True
    assert status.phases_in_use == 1
    assert status.current_limit == 10.0

    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": PLUGGED}, blocking=True
    )
    assert charger.status.connected is False  # type: ignore[union-attr]


async def test_capabilities(hass: HomeAssistant) -> None:
    """Range from the configuration, step from the number, start/stop only with a switch."""
    await setup_helpers(hass)
    caps = EntityCharger(hass, parse_charger(entity_charger(max_current=20))).capabilities
    assert (caps.min_current, caps.max_current, caps.current_step) == (6.0, 20.0, 1.0)
    assert caps.can_start_stop is True
    assert caps.can_switch_phases is False
    caps = EntityCharger(hass, parse_charger(entity_charger(switch=None))).capabilities
    assert caps.can_start_stop is False


async def test_pause_with_the_switch(hass: HomeAssistant) -> None:
    """0 A turns the switch off and leaves the number; a new limit turns it back on."""
    await setup_helpers(hass, limit_min=6)
    charger = EntityCharger(hass, parse_charger(entity_charger()))
    await charger.set_current_limit(12)
    assert (hass.states.get(LIMIT).state, hass.states.get(ENABLE).state) == ("12.0", "on")
    await charger.set_current_limit(0)
    assert (hass.states.get(LIMIT).state, hass.states.get(ENABLE).state) == ("12.0", "off")
    assert charger.status.current_limit == 0.0  # type: ignore[union-attr]
    assert charger.status.paused is True  # type: ignore[union-attr]
    await charger.set_current_limit(7)
    assert (hass.states.get(LIMIT).state, hass.states.get(ENABLE).state) == ("7.0", "on")
    await charger.stop()
    assert hass.states.get(ENABLE).state == "off"
    await charger.start()
    assert hass.states.get(ENABLE).state == "on"


async def test_pause_with_zero_amps_on_a_template_number(hass: HomeAssistant) -> None:
    """Without a switch, 0 A goes to the number (a `number` entity of another integration)."""
    await _template_number(hass)
    charger = EntityCharger(
        hass,
        parse_charger(
            entity_charger(number=TEMPLATE_LIMIT, switch=None, connected=None, currents=[])
        ),
    )
    await charger.set_current_limit(16)
    await hass.async_block_till_done()
    assert hass.states.get(TEMPLATE_LIMIT).state == "16.0"
    await charger.set_current_limit(0)
    await hass.async_block_till_done()
    assert hass.states.get(TEMPLATE_LIMIT).state == "0.0"
    status = charger.status
    assert status is not None
    assert status.charging is None  # nothing tells: the controller decides what to assume
    assert status.currents == (None, None, None)
    with pytest.raises(ChargerNotSupportedError):
        await charger.stop()
    with pytest.raises(ChargerNotSupportedError):
        await charger.set_phases(1)


async def test_errors_are_typed(hass: HomeAssistant) -> None:
    """Missing or unavailable entity: unreachable; out of range or refused: rejected."""
    await setup_helpers(hass, limit_max=16)
    charger = EntityCharger(hass, parse_charger(entity_charger(max_current=32)))
    with pytest.raises(ChargerRejectedError, match="outside"):
        await charger.set_current_limit(20)
    hass.states.async_set(LIMIT, "unavailable")
    assert charger.status is None
    with pytest.raises(ChargerUnreachableError):
        await charger.set_current_limit(10)
    missing = EntityCharger(hass, parse_charger(entity_charger(number="number.gone")))
    with pytest.raises(ChargerUnreachableError):
        await missing.set_current_limit(10)


async def test_refused_service_is_rejected(hass: HomeAssistant) -> None:
    """A number whose action fails (the other integration raises) is a rejection."""
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "number": [
                        {
                            "name": "Broken limit",
                            "state": "10",
                            "min": 0,
                            "max": 32,
                            "step": 1,
                            "set_value": [{"action": "notify.nowhere", "data": {"message": "x"}}],
                        }
                    ]
                }
            ]
        },
    )
    await hass.async_block_till_done()
    charger = EntityCharger(
        hass, parse_charger(entity_charger(number="number.broken_limit", switch=None))
    )
    with pytest.raises(ChargerRejectedError):
        await charger.set_current_limit(10)


async def test_listeners_follow_every_entity(hass: HomeAssistant) -> None:
    """Any of the charger's entities reporting calls the listeners, until removed."""
    await setup_helpers(hass)
    charger = EntityCharger(hass, parse_charger(entity_charger()))
    calls: list[int] = []
    remove = charger.add_listener(lambda: calls.append(1))
    set_ev(hass, 5)
    assert len(calls) == len(EV_CURRENTS)
    set_ev(hass, 5)  # same values: reports count too
    assert len(calls) == 2 * len(EV_CURRENTS)
    remove()
    remove()
    set_ev(hass, 6)
    assert len(calls) == 2 * len(EV_CURRENTS)


@pytest.mark.parametrize("bad", ["unknown", "unavailable", "nan", "oops"])
async def test_garbage_currents_are_unknown(hass: HomeAssistant, bad: str) -> None:
    """A current that cannot be read is None, never a number."""
    await setup_helpers(hass)
    charger = EntityCharger(hass, parse_charger(entity_charger()))
    set_ev(hass, 8)
    hass.states.async_set(EV_CURRENTS[1], bad, {"unit_of_measurement": "A"})
    status = charger.status
    assert status is not None
    assert status.currents == (8.0, None, 8.0)


async def test_single_current_sensor(hass: HomeAssistant) -> None:
    """One sensor on a three-phase charger counts on each phase; on one phase only L1."""
    await setup_helpers(hass)
    set_ev(hass, 7)
    three = EntityCharger(hass, parse_charger(entity_charger(currents=[EV_CURRENTS[0]])))
    assert three.status.currents == (7.0, 7.0, 7.0)  # type: ignore[union-attr]
    one = EntityCharger(hass, parse_charger(entity_charger(currents=[EV_CURRENTS[0]], phases=1)))
    assert one.status.currents == (7.0, 0.0, 0.0)  # type: ignore[union-attr]
