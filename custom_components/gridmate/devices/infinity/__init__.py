"""Smappee Infinity-style CT energy monitors over local MQTT: payload model, parser, checks.

`schema` is the one table of topics, JSON keys, units and load kinds; `parser` decodes
payloads into `model`; `derive` computes load values, totals and mains currents; `checks`
turns the manual's validation advice into clocked findings; `baseload` tracks always-on power.
"""
