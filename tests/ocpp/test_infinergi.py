"""The Infinergi table: codes, decoding, models, states."""

from __future__ import annotations

import pytest

from custom_components.gridmate.devices.chargers.ocpp.infinergi import (
    CONNECTOR_STATES,
    ERRORS_BY_CODE,
    INFINERGI_ERRORS,
    INFINERGI_MODELS,
    ErrorCategory,
    decode_error,
    infinergi_phases,
    is_infinergi,
)
from simulator.ocpp import ERROR_CODES


def test_every_manual_code_once() -> None:
    """I1-I4, V1-V5 and D1-D9, each with a category matching its letter and full texts."""
    expected = [f"I{n}" for n in range(1, 5)] + [f"V{n}" for n in range(1, 6)]
    expected += [f"D{n}" for n in range(1, 10)]
    assert [error.code for error in INFINERGI_ERRORS] == expected
    letters = {
        "I": ErrorCategory.INSTALLATION,
        "V": ErrorCategory.VEHICLE,
        "D": ErrorCategory.DEVICE,
    }
    for error in INFINERGI_ERRORS:
        assert error.category is letters[error.code[0]]
        assert error.title
        assert error.cause.endswith(".")
        assert error.recovery.endswith(".")
    # The simulator (written from the manual on its own) raises the same set of codes.
    assert set(ERROR_CODES) == set(ERRORS_BY_CODE)


@pytest.mark.parametrize(
    ("vendor_code", "info", "expected"),
    [
        ("D7", None, "D7"),
        ("d7", None, "D7"),
        (" V-2 ", None, "V2"),
        (None, "I3 undervoltage", "I3"),
        ("E42", "D9: meter", "D9"),
        ("D10", None, None),
        ("X1", None, None),
        ("D0", None, None),
        (None, None, None),
        ("", "", None),
    ],
)
def test_decode(vendor_code: str | None, info: str | None, expected: str | None) -> None:
    """The code from vendorErrorCode, else the start of info; anything else is not one."""
    error = decode_error(vendor_code, info)
    assert (error.code if error else None) == expected


def test_models() -> None:
    """Eight versions; phases from the model name."""
    assert len(INFINERGI_MODELS) == 8
    assert {m.model for m in INFINERGI_MODELS} >= {"INFINERGI-1T", "INFINERGI-3U-DR"}
    assert infinergi_phases("INFINERGI-3T-DR") == 3
    assert infinergi_phases("infinergi-1u") == 1
    assert infinergi_phases("Wallbox Pulsar") is None
    assert is_infinergi("SEMAR srl", "X")
    assert not is_infinergi("ABB", "Terra AC")


def test_states_cover_ocpp() -> None:
    """Every OCPP 1.6 connector status has a meaning."""
    assert [s.status for s in CONNECTOR_STATES] == [
        "Available",
        "Preparing",
        "Charging",
        "SuspendedEVSE",
        "SuspendedEV",
        "Finishing",
        "Reserved",
        "Unavailable",
        "Faulted",
    ]
