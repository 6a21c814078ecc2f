"""Static metadata: manifest, HACS, translations and icons agree with the code."""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys
from typing import Any

from custom_components.gridmate.smart_connect.sensor import (
    COUNTER_SENSORS,
    LINE_VOLTAGE_SENSORS,
    SMART_CONNECT_INFO_SENSORS,
    SMART_CONNECT_SENSORS,
    TELEGRAM_SENSORS,
)

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / "gridmate"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _shape(tree: Any, prefix: str = "") -> set[str]:
    if not isinstance(tree, dict):
        return {prefix}
    out: set[str] = set()
    for key, value in tree.items():
        out |= _shape(value, f"{prefix}.{key}" if prefix else key)
    return out


def test_manifest_follows_hassfest_rules() -> None:
    """domain, name, then the other keys sorted; what a custom integration needs."""
    manifest = _load(PACKAGE / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in ("version", "iot_class", "integration_type", "codeowners", "documentation"):
        assert manifest[key], key
    assert manifest["config_flow"] is True
    assert manifest["domain"] == "gridmate"
    assert "pymodbus==3.13.1" in manifest["requirements"]  # Home Assistant's own pin
    tested = dict(
        line.split("==")
        for line in (ROOT / "requirements_test.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    for req in manifest["requirements"]:
        # Exact pins are tested as pinned; ">=" floors (HA's own constraint) with a tested pin.
        name, _, version = req.partition("==") if "==" in req else req.partition(">=")
        assert name in tested, f"{req} is not tested"
        if "==" in req:
            assert tested[name] == version, f"{req} is tested as {tested[name]}"


def test_hacs_json_only_known_keys() -> None:
    """HACS rejects unknown keys."""
    hacs = _load(ROOT / "hacs.json")
    allowed = {
        "name",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "homeassistant",
        "hacs",
        "persistent_directory",
        "render_readme",
    }
    assert set(hacs) <= allowed
    assert hacs["name"] == "Gridmate"


def test_translation_files_are_built_from_the_kind_sources() -> None:
    """strings.json, translations/*.json and icons.json are assembled from i18n/ and current."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_translations.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _load(PACKAGE / "translations" / "en.json") == _load(PACKAGE / "strings.json")


def test_every_kind_source_has_every_language() -> None:
    """Each part translates every English key of its own, no more, no less."""
    for english in sorted((PACKAGE / "i18n").glob("*.strings.json")):
        part = english.name.split(".")[0]
        for lang in ("nl",):
            translated = english.with_name(f"{part}.{lang}.json")
            assert translated.exists(), translated.name
            assert _shape(_load(translated)) == _shape(_load(english)), translated.name


def test_every_translation_has_every_key() -> None:
    """Dutch (and any later language) translates every string, no more, no less."""
    english = _shape(_load(PACKAGE / "strings.json"))
    for path in sorted((PACKAGE / "translations").glob("*.json")):
        assert _shape(_load(path)) == english, path.name


def test_entity_translation_keys_exist() -> None:
    """Every sensor description names a translated entity; every icon belongs to one."""
    strings = _load(PACKAGE / "i18n" / "smart_connect.strings.json")["entity"]["sensor"]
    keys = {
        d.translation_key
        for d in (
            *SMART_CONNECT_SENSORS,
            *SMART_CONNECT_INFO_SENSORS,
            *LINE_VOLTAGE_SENSORS,
            *COUNTER_SENSORS,
            *TELEGRAM_SENSORS,
        )
    }
    assert keys == set(strings)
    icons = _load(PACKAGE / "i18n" / "smart_connect.icons.json")["entity"]["sensor"]
    assert set(icons) <= keys


def test_quality_scale_lists_every_rule() -> None:
    """quality_scale.yaml names all 52 rules from Bronze to Platinum."""
    text = (PACKAGE / "quality_scale.yaml").read_text()
    rules = [
        line.split(":")[0].strip()
        for line in text.splitlines()
        if line.startswith("  ") and not line.startswith("    ") and ":" in line
    ]
    assert len(rules) == len(set(rules)) == 52


def test_readme_tables_current() -> None:
    """The README's register table is generated from the register map; it must not drift."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_tables.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
