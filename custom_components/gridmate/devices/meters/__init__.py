"""Modbus kWh meters: one declarative profile table, decoder, read planner and shared-bus client.

No Home Assistant imports here. The config flow and entities read `profiles.PROFILES`.
"""
