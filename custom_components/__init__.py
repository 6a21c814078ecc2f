"""Custom integrations shipped by this repository (the `gridmate` package)."""
