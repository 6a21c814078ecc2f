"""Push coordinator of an OCPP charger entry: the charge point's snapshot after every message."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ...const import DOMAIN, LOGGER
from ...devices.chargers.ocpp.charge_point import (
    BootInfo,
    ChargePointSnapshot,
    OcppChargePoint,
)
from .hub import OcppHub, auth_issue_id


@dataclass(slots=True)
class OcppRuntimeData:
    """Everything an OCPP charger entry needs while it is loaded."""

    hub: OcppHub
    port: int
    charge_point: OcppChargePoint
    coordinator: OcppCoordinator


type OcppConfigEntry = ConfigEntry[OcppRuntimeData]


def error_issue_id(entry: ConfigEntry[OcppRuntimeData]) -> str:
    """The repair issue shown while the charger reports a fault."""
    return f"ocpp_fault_{entry.entry_id}"


class OcppCoordinator(DataUpdateCoordinator[ChargePointSnapshot]):
    """No polling: the charge point pushes, every change becomes new data."""

    config_entry: OcppConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: OcppConfigEntry, charge_point: OcppChargePoint
    ) -> None:
        """Start from the charge point's current (possibly restored) state."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title}", update_interval=None
        )
        self.charge_point = charge_point
        self.data = charge_point.snapshot
        self._boot: BootInfo | None = None
        self._fault: str | None = None
        self._was_online = False

    async def _async_update_data(self) -> ChargePointSnapshot:
        return self.charge_point.snapshot

    @callback
    def async_handle_change(self) -> None:
        """The charge point sent something or a command changed it."""
        snapshot = self.charge_point.snapshot
        self._sync_device(snapshot)
        self._sync_issues(snapshot)
        self.async_set_updated_data(snapshot)

    @callback
    def _sync_device(self, snapshot: ChargePointSnapshot) -> None:
        """Model, firmware and serial from the BootNotification into the device registry."""
        boot = snapshot.boot
        if boot is None or boot == self._boot:
            return
        self._boot = boot
        registry = dr.async_get(self.hass)
        device = registry.async_get_device(
            identifiers={(DOMAIN, self.config_entry.unique_id or "")}
        )
        if device is None:
            return
        registry.async_update_device(
            device.id,
            manufacturer=boot.vendor or None,
            model=boot.model or None,
            sw_version=boot.firmware,
            serial_number=boot.serial,
        )

    @callback
    def _sync_issues(self, snapshot: ChargePointSnapshot) -> None:
        """A repair issue while the charger is faulted; the password issue goes on connect."""
        if snapshot.online and not self._was_online:
            ir.async_delete_issue(
                self.hass, DOMAIN, auth_issue_id(self.charge_point.charge_point_id)
            )
        self._was_online = snapshot.online
        faulted = "Faulted" in (snapshot.status, snapshot.charge_point_status)
        if not faulted:
            fault = None
        elif snapshot.infinergi_error is not None:
            fault = snapshot.infinergi_error.code
        else:
            fault = snapshot.error_code or "OtherError"
        if fault == self._fault:
            return
        self._fault = fault
        issue_id = error_issue_id(self.config_entry)
        if fault is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if snapshot.infinergi_error is not None:
            translation_key = f"ocpp_infinergi_{fault.lower()}"
        else:
            translation_key = "ocpp_fault"
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=translation_key,
            translation_placeholders={
                "name": self.config_entry.title,
                "error": snapshot.error_text or fault,
            },
        )
