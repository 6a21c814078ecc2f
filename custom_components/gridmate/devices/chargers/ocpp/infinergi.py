"""What the SEMAR Infinergi manual says about its models, states and error codes.

The one table of these facts: the OCPP driver decodes StatusNotification vendor error codes
with it, the Home Assistant entities and repair issues show it, and docs/ocpp.md is generated
from it (scripts/ocpp_docs.py). Causes and recovery actions follow the manual's section 9.1
(installation and user manual revision 3, 2023-03-20), in our own words.

How the Infinergi puts its codes on OCPP is not documented: we read `vendorErrorCode` (and,
failing that, a code at the start of `info`) of a StatusNotification, so "D7", "d7" and
"D7 overheating" all decode as D7. A Faulted status without a known code falls back to the
OCPP `errorCode` (GroundFailure, HighTemperature, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import re
from typing import Final


class ErrorCategory(StrEnum):
    """The manual's three error families; the logo blinks as many times as the number."""

    INSTALLATION = "installation"  # 1 blink: wiring or supply
    VEHICLE = "vehicle"  # 2 blinks: cable or car
    DEVICE = "device"  # 3 blinks: the charger itself


@dataclass(frozen=True, slots=True, kw_only=True)
class InfinergiError:
    """One error code of the manual's table (section 9.1)."""

    code: str
    category: ErrorCategory
    title: str
    cause: str
    recovery: str
    # The user can clear it (unplug, press the button); False = it clears by itself or needs
    # an installer.
    user_recoverable: bool = True


_I, _V, _D = ErrorCategory.INSTALLATION, ErrorCategory.VEHICLE, ErrorCategory.DEVICE

INFINERGI_ERRORS: Final[tuple[InfinergiError, ...]] = (
    InfinergiError(
        code="I1",
        category=_I,
        title="Earth connection problem",
        cause="The protective earth is not connected or its impedance is too high.",
        recovery=(
            "Unplug the vehicle and have the earthing checked against the earthing system "
            "chosen at the first configuration."
        ),
        user_recoverable=False,
    ),
    InfinergiError(
        code="I2",
        category=_I,
        title="Phase reversal",
        cause="Phase and neutral are swapped on the supply terminals.",
        recovery="Switch the charger's supply off and have the input wiring corrected.",
        user_recoverable=False,
    ),
    InfinergiError(
        code="I3",
        category=_I,
        title="Undervoltage",
        cause="The supply voltage is below the minimum.",
        recovery=(
            "Clears by itself once the voltage is back above the minimum. On a three-phase "
            "supply, check that the L2 and L3 wires are properly seated."
        ),
        user_recoverable=False,
    ),
    InfinergiError(
        code="I4",
        category=_I,
        title="Overvoltage",
        cause="The supply voltage is above the maximum.",
        recovery="Clears by itself once the voltage is back below the maximum.",
        user_recoverable=False,
    ),
    InfinergiError(
        code="V1",
        category=_V,
        title="Overload",
        cause="The vehicle drew more than 125 % of the allowed current.",
        recovery="Unplug the vehicle, then press the multifunction button to reset the charger.",
    ),
    InfinergiError(
        code="V2",
        category=_V,
        title="Ground fault",
        cause="Too much DC leakage current was measured while charging.",
        recovery=(
            "Unplug the vehicle, make sure the cause of the leakage is gone, then press the "
            "multifunction button to reset the charger."
        ),
    ),
    InfinergiError(
        code="V3",
        category=_V,
        title="Non-compliant vehicle",
        cause="The vehicle does not behave as IEC 61851 requires.",
        recovery="Unplug the vehicle, then press the multifunction button to reset the charger.",
    ),
    InfinergiError(
        code="V4",
        category=_V,
        title="Control pilot problem",
        cause="A fault was detected on the vehicle side of the control pilot circuit.",
        recovery=(
            "Unplug the vehicle and press the multifunction button to reset the charger. If it "
            "comes back, check the connector contacts for dirt."
        ),
    ),
    InfinergiError(
        code="V5",
        category=_V,
        title="Invalid cable",
        cause="The charging cable was not recognised (socket versions only).",
        recovery=(
            "Unplug the cable and check that it is marked IEC 62196-2; 13, 20, 32 and 63/70 A "
            "cables are supported. If it comes back, check the connector contacts for dirt."
        ),
    ),
    InfinergiError(
        code="D1",
        category=_D,
        title="Internal communication error",
        cause="The front panel board and the main board cannot talk to each other.",
        recovery=(
            "Press the multifunction button to reset the charger. If it comes back, have the "
            "internal flat data cable between the two boards checked."
        ),
    ),
    InfinergiError(
        code="D2",
        category=_D,
        title="Remote communication error",
        cause="The radio link to the paired CT sensor device failed.",
        recovery=(
            "Press the multifunction button to reset the charger. If it comes back, pair the "
            "CT device with the charger again."
        ),
    ),
    InfinergiError(
        code="D3",
        category=_D,
        title="Internal hardware error",
        cause="A hardware fault on the internal boards.",
        recovery=(
            "Press the multifunction button to reset the charger. If it comes back, switch the "
            "charger's supply off and on."
        ),
    ),
    InfinergiError(
        code="D4",
        category=_D,
        title="Incorrect output voltage",
        cause="No output power when a charge was about to start.",
        recovery="Press the multifunction button to reset the charger.",
    ),
    InfinergiError(
        code="D5",
        category=_D,
        title="Connector lock error",
        cause="The socket's locking mechanism failed (socket versions only).",
        recovery=(
            "Push the plug fully into the charger's socket, then press the multifunction "
            "button to reset the charger."
        ),
    ),
    InfinergiError(
        code="D6",
        category=_D,
        title="Internal protection device error",
        cause="The built-in DC leakage detector (RDC-DD) failed its test before a charge.",
        recovery="Unplug the vehicle, then press the multifunction button to reset the charger.",
    ),
    InfinergiError(
        code="D7",
        category=_D,
        title="Overheating",
        cause="The temperature inside the charger is above its maximum.",
        recovery=(
            "Let the charger cool down. With the vehicle left plugged in, the error stays until "
            "the temperature is back in range."
        ),
        user_recoverable=False,
    ),
    InfinergiError(
        code="D8",
        category=_D,
        title="Unexpected state",
        cause="The charger found itself in a state IEC 61851-1 does not allow.",
        recovery="Unplug the vehicle, then press the multifunction button to reset the charger.",
    ),
    InfinergiError(
        code="D9",
        category=_D,
        title="MID meter communication error",
        cause="The charger cannot read the configured MID energy meter.",
        recovery=(
            "Press the multifunction button to reset the charger. If it comes back, check the "
            "RS485 wiring to the meter. Some IVY meters need about a minute after power-up: "
            "act only if the error lasts for minutes."
        ),
    ),
)

ERRORS_BY_CODE: Final[dict[str, InfinergiError]] = {error.code: error for error in INFINERGI_ERRORS}

_CODE_RE = re.compile(r"^\s*([IVD])\s*-?\s*([1-9])(?![0-9])", re.IGNORECASE)


def decode_error(vendor_error_code: str | None, info: str | None = None) -> InfinergiError | None:
    """The Infinergi error a StatusNotification names, if it names one of the manual's codes."""
    for text in (vendor_error_code, info):
        if text and (match := _CODE_RE.match(text)):
            error = ERRORS_BY_CODE.get(f"{match.group(1).upper()}{match.group(2)}")
            if error is not None:
                return error
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorState:
    """An OCPP connector status and what the Infinergi shows for it (manual section 6.1.1)."""

    status: str  # OCPP 1.6 ChargePointStatus
    label: str  # our wording of the manual's display state
    vehicle_connected: bool | None


CONNECTOR_STATES: Final[tuple[ConnectorState, ...]] = (
    ConnectorState(status="Available", label="Vehicle not connected", vehicle_connected=False),
    ConnectorState(
        status="Preparing",
        label="Vehicle connected, waiting for authorization or a transaction",
        vehicle_connected=True,
    ),
    ConnectorState(status="Charging", label="Charging", vehicle_connected=True),
    ConnectorState(
        status="SuspendedEVSE",
        label="Vehicle connected, no charging current available",
        vehicle_connected=True,
    ),
    ConnectorState(
        status="SuspendedEV", label="Charging paused by the vehicle", vehicle_connected=True
    ),
    ConnectorState(status="Finishing", label="Charging finished", vehicle_connected=True),
    ConnectorState(status="Reserved", label="Reserved", vehicle_connected=None),
    ConnectorState(
        status="Unavailable", label="Charging not enabled (out of service)", vehicle_connected=None
    ),
    ConnectorState(status="Faulted", label="Error", vehicle_connected=None),
)

STATES_BY_STATUS: Final[dict[str, ConnectorState]] = {
    state.status: state for state in CONNECTOR_STATES
}


@dataclass(frozen=True, slots=True, kw_only=True)
class InfinergiModel:
    """One version of the manual's model table (section 2.6)."""

    model: str
    phases: int
    rated_power_kw: float
    tethered: bool  # 5 m cable with type 2 plug (T) or type 2 socket (U)
    display_and_rfid: bool  # -DR: display, RFID reader, RS485 for a MID meter


RATED_CURRENT_A: Final = 32  # per phase, every model

INFINERGI_MODELS: Final[tuple[InfinergiModel, ...]] = tuple(
    InfinergiModel(
        model=f"INFINERGI-{phases}{kind}{suffix}",
        phases=phases,
        rated_power_kw=7.4 if phases == 1 else 22.0,
        tethered=kind == "T",
        display_and_rfid=bool(suffix),
    )
    for phases in (1, 3)
    for kind in ("T", "U")
    for suffix in ("", "-DR")
)

_MODEL_RE = re.compile(r"INFINERGI[-_ ]?([13])([TU])?(-?DR)?", re.IGNORECASE)


def infinergi_phases(model: str | None) -> int | None:
    """1 or 3 when a BootNotification model names an Infinergi version, else None."""
    if model and (match := _MODEL_RE.search(model)):
        return int(match.group(1))
    return None


def is_infinergi(vendor: str | None, model: str | None) -> bool:
    """Whether a BootNotification comes from an Infinergi (by model, or by SEMAR as vendor)."""
    return infinergi_phases(model) is not None or "semar" in (vendor or "").lower()
