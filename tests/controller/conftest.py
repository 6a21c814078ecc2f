"""Fixtures for the controller tests: helper entities as meter and charger, entries."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gridmate.const import CONF_KIND, DOMAIN, EntryKind

MAINS = ("sensor.grid_l1", "sensor.grid_l2", "sensor.grid_l3")
LIMIT = "input_number.wallbox_limit"
ENABLE = "input_boolean.wallbox_enable"
EV_CURRENTS = ("sensor.wallbox_l1", "sensor.wallbox_l2", "sensor.wallbox_l3")
PLUGGED = "input_boolean.wallbox_plugged"


def set_mains(hass: HomeAssistant, l1: float, l2: float, l3: float) -> None:
    """Write the grid currents (A, + import) as a meter integration would."""
    for entity_id, value in zip(MAINS, (l1, l2, l3), strict=True):
        hass.states.async_set(
            entity_id, str(value), {"unit_of_measurement": "A", "device_class": "current"}
        )


def set_ev(hass: HomeAssistant, amps: float, phases: int = 3) -> None:
    """Write the charger's measured currents."""
    for index, entity_id in enumerate(EV_CURRENTS):
        value = amps if index < phases else 0.0
        hass.states.async_set(
            entity_id, str(value), {"unit_of_measurement": "A", "device_class": "current"}
        )


async def setup_helpers(
    hass: HomeAssistant,
    *,
    limit_min: float = 0,
    limit_max: float = 32,
    more_numbers: dict[str, dict[str, Any]] | None = None,
) -> None:
    """The 'wallbox' of another integration: a limit number, an enable switch, a plug sensor."""
    assert await async_setup_component(
        hass,
        "input_number",
        {
            "input_number": {
                "wallbox_limit": {
                    "min": limit_min,
                    "max": limit_max,
                    "step": 1,
                    "initial": 0 if limit_min <= 0 else limit_min,
                    "unit_of_measurement": "A",
                },
                **(more_numbers or {}),
            }
        },
    )
    assert await async_setup_component(
        hass,
        "input_boolean",
        {
            "input_boolean": {
                "wallbox_enable": {"initial": False},
                "wallbox_plugged": {"initial": True},
            }
        },
    )
    await hass.async_block_till_done()


def entity_charger(**overrides: Any) -> dict[str, Any]:
    """Stored data of the helper-entity charger."""
    return {
        "charger_id": "wallbox",
        "charger_source": "entities",
        "name": "Wallbox",
        "number": LIMIT,
        "switch": ENABLE,
        "connected": PLUGGED,
        "currents": list(EV_CURRENTS),
        "phases": 3,
        "first_phase": 0,
        "min_current": 6.0,
        "max_current": 16.0,
        "priority": 0,
        **overrides,
    }


def controller_data(**overrides: Any) -> dict[str, Any]:
    """Stored data of a controller on the helper entities."""
    return {
        CONF_KIND: EntryKind.CONTROLLER.value,
        "name": "Home",
        "mains": {"source": "currents", "currents": list(MAINS), "powers": []},
        "circuit": {},
        "battery": {},
        "chargers": [entity_charger()],
        **overrides,
    }


def controller_options(**overrides: Any) -> dict[str, Any]:
    """Installation options."""
    return {
        "phases": 3,
        "voltage": 230.0,
        "main_fuse": 25.0,
        "stale_timeout": 10.0,
        "safe_current": 0.0,
        "raise_interval": 5.0,
        **overrides,
    }


@pytest.fixture
def controller_entry() -> MockConfigEntry:
    """A controller entry (not yet added)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home",
        unique_id="ctl0001",
        data=controller_data(),
        options=controller_options(),
    )
