"""Constants of the OCPP 1.6J central system."""

from __future__ import annotations

from typing import Final

SUBPROTOCOL: Final = "ocpp1.6"
DEFAULT_PORT: Final = 9000

# Sent in a RemoteStartTransaction when the user starts a session from Home Assistant.
DEFAULT_REMOTE_ID_TAG: Final = "gridmate"
DEFAULT_HEARTBEAT_INTERVAL: Final = 60  # s, given in the BootNotification answer
DEFAULT_METER_INTERVAL: Final = 10  # s, MeterValueSampleInterval we ask for (0 = leave it)
# A charge point that is not (yet) configured gets BootNotification Pending and tries again
# after this many seconds; by then the user may have accepted it in the UI.
PENDING_RETRY_INTERVAL: Final = 30
# Unknown charge points held open as "pending" at once (each one may become a discovery).
MAX_PENDING: Final = 8
RESPONSE_TIMEOUT: Final = 10.0  # s to wait for a charge point's answer to our CALL

# The charging profile Gridmate owns on each charge point: TxDefaultProfile on the entry's
# connector, replaced (same id and stack level) on every change.
PROFILE_ID: Final = 1017
PROFILE_STACK_LEVEL: Final = 1
NOMINAL_VOLTAGE: Final = 230.0  # V, to express a current limit in W for power-only chargers

MAX_ID_LENGTH: Final = 48  # the path segment naming a charge point
MAX_ID_TAG_LENGTH: Final = 20  # OCPP 1.6 IdToken is CiString20
