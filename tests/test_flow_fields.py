"""The shared form fields: what they accept, store and show."""

from __future__ import annotations

from enum import StrEnum

from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import NumberSelectorMode, SelectSelectorMode
import probatio as vol
import pytest

from custom_components.gridmate.flow_fields import (
    PASSWORD_SELECTOR,
    TCP_PORT_FIELD,
    choice_selector,
    enum_selector,
    whole_number_field,
)


class _Colour(StrEnum):
    RED = "red"
    GREEN = "green"


def _shown(field: object) -> dict[str, object]:
    """The field as the frontend receives it."""
    [serialized] = vol.to_field_list(
        vol.Schema({vol.Required("field"): field}), custom_serializer=cv.custom_serializer
    )
    return serialized


@pytest.mark.parametrize(("typed", "stored"), [("5", 5), (5.0, 5), (1, 1), (60, 60)])
def test_whole_number_is_stored_as_int(typed: object, stored: int) -> None:
    """A number typed as text or float is stored as an int."""
    value = whole_number_field(1, 60)(typed)
    assert value == stored
    assert type(value) is int


@pytest.mark.parametrize("typed", [0, 61, -1, "seven", 0.5])
def test_whole_number_outside_its_range_is_refused(typed: object) -> None:
    """Values outside the bounds (or no number at all) do not pass."""
    with pytest.raises(vol.Invalid):
        whole_number_field(1, 60)(typed)


def test_whole_number_shows_its_unit_and_mode() -> None:
    """The unit and the slider reach the frontend; a field without unit shows none."""
    selector = _shown(whole_number_field(1, 60, unit="s", mode=NumberSelectorMode.SLIDER))[
        "selector"
    ]
    assert selector == {
        "number": {
            "min": 1.0,
            "max": 60.0,
            "step": 1.0,
            "unit_of_measurement": "s",
            "mode": "slider",
        }
    }
    plain = _shown(whole_number_field(0, 9))["selector"]
    assert plain == {"number": {"min": 0.0, "max": 9.0, "step": 1.0, "mode": "box"}}


@pytest.mark.parametrize(("typed", "ok"), [(1, True), (65535, True), (0, False), (65536, False)])
def test_tcp_port_range(typed: int, ok: bool) -> None:
    """TCP ports run from 1 to 65535."""
    if ok:
        assert TCP_PORT_FIELD(typed) == typed
    else:
        with pytest.raises(vol.Invalid):
            TCP_PORT_FIELD(typed)


def test_password_is_hidden() -> None:
    """The password box hides what is typed."""
    assert PASSWORD_SELECTOR.config["type"] == "password"


def test_enum_selector_offers_the_values_with_their_translation_key() -> None:
    """Every member's value, in order, labelled through the translation key."""
    selector = enum_selector(_Colour, "colour", mode=SelectSelectorMode.DROPDOWN)
    assert selector.config["options"] == ["red", "green"]
    assert selector.config["translation_key"] == "colour"
    assert selector.config["mode"] == "dropdown"
    assert selector("green") == "green"
    with pytest.raises(vol.Invalid):
        selector("blue")


def test_choice_selector_without_translation_key_or_multiple() -> None:
    """Plain options show themselves; one is chosen unless `multiple` says otherwise."""
    single = choice_selector(["1", "3"])
    assert "translation_key" not in single.config
    assert single.config["multiple"] is False
    assert single.config["mode"] == "list"
    several = choice_selector(["a", "b"], multiple=True)
    assert several(["a", "b"]) == ["a", "b"]


def test_choice_selector_with_custom_value_takes_a_typed_one() -> None:
    """Offered options plus anything typed (a serial port path, a uuid)."""
    selector = choice_selector(
        [{"value": "/dev/ttyUSB0", "label": "USB"}],
        mode=SelectSelectorMode.DROPDOWN,
        custom_value=True,
    )
    assert selector.config["custom_value"] is True
    assert selector("/dev/serial/by-id/x") == "/dev/serial/by-id/x"
    assert choice_selector(["a"]).config["custom_value"] is False
