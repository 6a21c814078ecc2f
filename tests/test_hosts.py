"""Host fields as users type them."""

from __future__ import annotations

import pytest

from custom_components.gridmate.devices.hosts import split_host


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("192.168.1.40", ("192.168.1.40", None)),
        ("192.168.1.40:8080", ("192.168.1.40", 8080)),
        ("smart-connect-abc", ("smart-connect-abc", None)),
        ("[fe80::1]:81", ("fe80::1", 81)),
        ("fe80::1", ("fe80::1", None)),
    ],
)
def test_split_host(host: str, expected: tuple[str, int | None]) -> None:
    """A name or address, an optional :port; IPv6 carries a port only inside brackets."""
    assert split_host(host) == expected
