"""One table, many readers: the Infinergi table, the English texts and docs/ocpp.md agree."""

from __future__ import annotations

import json
from pathlib import Path

from custom_components.gridmate.charger.ocpp.sensor import ERROR_OPTIONS, STATUS_OPTIONS, snake
from custom_components.gridmate.devices.chargers.ocpp import doc
from custom_components.gridmate.devices.chargers.ocpp.infinergi import (
    CONNECTOR_STATES,
    INFINERGI_ERRORS,
)

I18N = Path(__file__).parents[2] / "custom_components" / "gridmate" / "i18n"


def _load(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((I18N / name).read_text(encoding="utf-8"))


def test_english_texts_follow_the_table() -> None:
    """Status words, error titles and each repair issue's cause and advice come from the table."""
    strings = _load("ocpp.strings.json")
    sensors = strings["entity"]["sensor"]
    assert sensors["ocpp_status"]["state"] == {snake(s.status): s.label for s in CONNECTOR_STATES}
    errors = sensors["ocpp_error"]["state"]
    assert set(errors) == set(ERROR_OPTIONS)
    for error in INFINERGI_ERRORS:
        assert errors[error.code.lower()] == f"{error.code}: {error.title}"
        issue = strings["issues"][f"ocpp_infinergi_{error.code.lower()}"]
        assert issue["description"] == f"Cause: {error.cause}\n\nWhat to do: {error.recovery}"
        assert error.code in issue["title"]


def test_dutch_has_every_key() -> None:
    """The Dutch part translates every English key."""

    def keys(tree: dict, prefix: str = "") -> set[str]:  # type: ignore[type-arg]
        out: set[str] = set()
        for key, value in tree.items():
            path = f"{prefix}.{key}" if prefix else key
            out |= keys(value, path) if isinstance(value, dict) else {path}
        return out

    assert keys(_load("ocpp.nl.json")) == keys(_load("ocpp.strings.json"))


def test_status_options_cover_the_table() -> None:
    """The status sensor offers exactly the table's states."""
    assert [snake(s.status) for s in CONNECTOR_STATES] == STATUS_OPTIONS


def test_docs_tables_are_current() -> None:
    """docs/ocpp.md's generated tables match the table (rerun the generator if not)."""
    assert doc.main(["--check"]) == 0, (
        "run: python -m custom_components.gridmate.devices.chargers.ocpp.doc"
    )
