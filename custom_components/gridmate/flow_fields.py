"""Form fields that the config and options flows of several kinds share.

Each helper returns what goes on the value side of a form schema (`{vol.Required(key): field}`).
The number fields validate twice on purpose: the selector rejects a value outside its bounds
(that is the error the user sees), then the value is stored as an `int` and checked against the
same bounds, so a stored number is a whole number within range even if the selector changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

MIN_TCP_PORT: Final = 1
MAX_TCP_PORT: Final = 65535


def whole_number_field(
    minimum: int,
    maximum: int,
    *,
    unit: str | None = None,
    mode: NumberSelectorMode = NumberSelectorMode.BOX,
) -> vol.All[int]:
    """A whole number from `minimum` to `maximum` (both included), stored as an `int`.

    `unit` is shown next to the box or slider; `mode` chooses between a typed box and a slider.
    """
    config = NumberSelectorConfig(min=minimum, max=maximum, step=1, mode=mode)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return vol.All(NumberSelector(config), vol.Coerce(int), vol.Range(min=minimum, max=maximum))


TCP_PORT_FIELD: Final = whole_number_field(MIN_TCP_PORT, MAX_TCP_PORT)
"""A TCP port number (1 to 65535), stored as an `int`."""

PASSWORD_SELECTOR: Final = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
"""A text box that hides what is typed."""


def choice_selector(
    options: Sequence[str] | Sequence[SelectOptionDict],
    *,
    translation_key: str | None = None,
    mode: SelectSelectorMode = SelectSelectorMode.LIST,
    multiple: bool = False,
    custom_value: bool = False,
) -> SelectSelector:
    """One (or with `multiple`, several) of the options; with `custom_value`, or a typed value.

    With `translation_key` the labels of plain string options come from the translations
    (`selector.<translation_key>.options.<option>`); without it the option itself is shown.
    """
    config = SelectSelectorConfig(
        options=options, mode=mode, multiple=multiple, custom_value=custom_value
    )
    if translation_key is not None:
        config["translation_key"] = translation_key
    return SelectSelector(config)


def enum_selector(
    choices: type[StrEnum],
    translation_key: str,
    *,
    mode: SelectSelectorMode = SelectSelectorMode.LIST,
    multiple: bool = False,
) -> SelectSelector:
    """One of the members of a string enum (its values), labelled from the translations."""
    return choice_selector(
        [choice.value for choice in choices],
        translation_key=translation_key,
        mode=mode,
        multiple=multiple,
    )
