"""Shared fixtures for the Gridmate tests."""

from __future__ import annotations

import pytest

# Home Assistant's loader finds our integration only if the package is imported before the first
# test: pytest-homeassistant-custom-component ships its own `custom_components` package.
import custom_components.gridmate  # noqa: F401


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let every test load custom integrations."""
    return
