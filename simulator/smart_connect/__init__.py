"""Xemex P1/A1/TIC Smart Connect simulator: Modbus TCP (EMpro map), the HTTP API and MQTT.

Usage in a test (sockets on 127.0.0.1, free ports)::

    sim = SmartConnectSimulator("full", password="pw", serial="0123456789AB")
    modbus_port, http_port = await sim.start()
    sim.set_values({"voltage_l1": math.nan})  # served until sim.clear_overrides()
    sim.step(10)  # advance the site 10 s (deterministic per seed)
    expected = sim.snapshot()  # what the registers hold now, device units
    async with sim.hold_modbus_connection():  # an EV charger holds the one connection
        ...
    await sim.stop()

MQTT: ``SmartConnectSimulator(mqtt_broker="mqtt://127.0.0.1:1883")`` publishes ``power_instant``
with every telegram and ``device_counters`` periodically; a ``PATCH /api/v1/config`` of
``MQTT`` followed by ``POST /api/v1/reset`` moves it to another broker, like the device.
``GET /api/v1/telegram`` serves a P1 telegram (``telegram=`` dsmr_2_2, dsmr_4, dsmr_5,
belgium, luxembourg) with a valid CRC; ``sim.http.telegram_override`` serves anything else.

Variants (``Variant``): full, short, kwh, dsmr42, tic; see ``variants.py``.
From a shell: ``python -m simulator.smart_connect --help``.
"""

from .encoding import decode_float32, encode_float32, float32
from .http_api import HTTP_USER
from .meter import MeterRecords
from .model import CsvReplay, SiteModel
from .mqtt import PhaseNames
from .simulator import DEFAULT_PASSWORD, DEFAULT_SERIAL, SmartConnectSimulator
from .telegram import TelegramSpec, TelegramWriter, crc16
from .variants import PROFILES, Variant

__all__ = [
    "DEFAULT_PASSWORD",
    "DEFAULT_SERIAL",
    "HTTP_USER",
    "PROFILES",
    "CsvReplay",
    "MeterRecords",
    "PhaseNames",
    "SiteModel",
    "SmartConnectSimulator",
    "TelegramSpec",
    "TelegramWriter",
    "Variant",
    "crc16",
    "decode_float32",
    "encode_float32",
    "float32",
]
