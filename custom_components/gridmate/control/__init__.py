"""The solar / dynamic-load-management control core (pure Python, no Home Assistant)."""
