"""A SEMAR Infinergi (or any OCPP 1.6J charge point) simulated as an OCPP client.

sim = InfinergiSimulator(SimulatorConfig(url="ws://127.0.0.1:9000", charge_point_id="cp1"))
await sim.start()
await sim.plug_in()
"""

from .charge_point import (
    ERROR_CODES,
    AppliedLimit,
    AuthorizationMode,
    Car,
    InfinergiSimulator,
    SimulatorConfig,
)

__all__ = [
    "ERROR_CODES",
    "AppliedLimit",
    "AuthorizationMode",
    "Car",
    "InfinergiSimulator",
    "SimulatorConfig",
]
