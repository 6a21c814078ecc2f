"""Xemex P1/A1/TIC Smart Connect: Modbus TCP register map, Modbus client and HTTP API client."""
