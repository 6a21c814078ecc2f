"""docs/smart_connect.md carries tables generated from the driver's tables: they must match."""

from __future__ import annotations

from custom_components.gridmate.devices.smart_connect import doc


def test_doc_tables_current() -> None:
    """The MQTT field, device counter and telegram tables equal what the code reads."""
    current = doc.DOC.read_text(encoding="utf-8")
    assert doc.render(current) == current, (
        "docs/smart_connect.md is stale: run "
        "python -m custom_components.gridmate.devices.smart_connect.doc"
    )
    for field in ("`E_IMPORT`", "`l1.VSAGS`", "`heap_failed_allocs`", "`1-0:1.6.0`"):
        assert field in current
