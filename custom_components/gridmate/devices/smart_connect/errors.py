"""Typed errors of the Smart Connect driver; the integration maps each to one user message."""

from __future__ import annotations


class SmartConnectError(Exception):
    """Base class for every Smart Connect driver error."""


class SmartConnectConnectionError(SmartConnectError):
    """The device did not answer (refused, timed out, reset, malformed answer)."""


class SmartConnectBusyError(SmartConnectConnectionError):
    """The device is serving another client (HTTP: one session; Modbus: one connection)."""


class SmartConnectAuthError(SmartConnectError):
    """The HTTP API refused the password (401)."""


class SmartConnectModbusError(SmartConnectConnectionError):
    """Modbus TCP failed while HTTP works (wrong port, Modbus service not reachable)."""


class SmartConnectNotSupportedError(SmartConnectConnectionError):
    """The device does not have this endpoint (HTTP 404; e.g. older firmware, no telegram)."""
