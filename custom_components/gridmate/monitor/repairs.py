"""Installation findings as Home Assistant repair issues (the manual's advice, translated)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from ..devices.infinity.checks import Check, Finding

SEVERITY = {
    Check.REVERSED_CT: ir.IssueSeverity.WARNING,
    Check.WRONG_PHASE: ir.IssueSeverity.WARNING,
    Check.TOO_MANY_POINTS: ir.IssueSeverity.ERROR,
    Check.NO_REALTIME: ir.IssueSeverity.ERROR,
}


class MonitorRepairs:
    """Keeps the issue registry in step with the standing findings of one entry."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """No issue raised yet."""
        self._hass = hass
        self._entry = entry
        self.raised: dict[str, Finding] = {}

    def issue_id(self, finding_id: str) -> str:
        """The repair issue id of a finding (unique per entry)."""
        return f"{self._entry.entry_id}_{finding_id}"

    def sync(self, findings: dict[str, Finding]) -> None:
        """Create issues for new findings, delete those that cleared."""
        for finding_id in self.raised.keys() - findings.keys():
            ir.async_delete_issue(self._hass, DOMAIN, self.issue_id(finding_id))
            del self.raised[finding_id]
        for finding_id, finding in findings.items():
            if finding_id in self.raised:
                continue  # raised with the values of the moment it was found
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                self.issue_id(finding_id),
                is_fixable=False,
                is_persistent=False,
                severity=SEVERITY[finding.check],
                translation_key=f"monitor_{finding.check}",
                translation_placeholders={"name": self._entry.title, **finding.placeholders},
            )
            self.raised[finding_id] = finding

    def clear(self) -> None:
        """Withdraw every issue of this entry."""
        self.sync({})
