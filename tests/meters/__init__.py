"""Tests of the Modbus kWh meter profiles, decoder, client and simulator."""
