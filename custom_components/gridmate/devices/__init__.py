"""Device drivers (no Home Assistant imports): protocols, register maps, payload parsers."""
