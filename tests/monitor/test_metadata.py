"""Static facts of the monitor kind: docs generated from the payload table, texts, manifest."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

from custom_components.gridmate.const import EntryKind
from custom_components.gridmate.devices.infinity.checks import Check
from custom_components.gridmate.devices.infinity.schema import discovery_topic
from custom_components.gridmate.kinds import KINDS

ROOT = Path(__file__).parent.parent.parent
PACKAGE = ROOT / "custom_components" / "gridmate"


def test_docs_tables_are_generated_from_the_payload_table() -> None:
    """docs/monitor.md's topic, unit, kind, check and source tables match the code."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "monitor_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_manifest_discovers_gateways() -> None:
    """The manifest's MQTT discovery topics include the gateways' config topic."""
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    assert discovery_topic() in manifest["mqtt"]
    assert manifest["mqtt"] == sorted(manifest["mqtt"])
    predicate = KINDS[EntryKind.MONITOR].mqtt_discovery
    assert predicate is not None
    assert predicate("servicelocation/6eefadeb-5c08-47cd-87b6-9897acb9fb8f/config")
    assert not predicate("servicelocation/6eefadeb/realtime")
    assert not predicate("devices/x/smart-connect/y/data/device_counters")


def test_every_issue_and_exception_is_translated() -> None:
    """Each check has a repair text; each raised translation key exists, in both languages."""
    for name in ("monitor.strings.json", "monitor.nl.json"):
        texts = json.loads((PACKAGE / "i18n" / name).read_text())
        assert {f"monitor_{check}" for check in Check} == set(texts["issues"])
        assert {"monitor_relay_command_failed", "monitor_no_mqtt"} <= set(texts["exceptions"])
