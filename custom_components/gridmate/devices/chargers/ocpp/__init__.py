"""OCPP 1.6J central system: Gridmate as the server every OCPP charge point connects to.

`server.CentralSystem` listens for charge points, `charge_point.OcppChargePoint` is one charge
point's driver (the charger contract), `meter_values` reads MeterValues, `infinergi` holds the
SEMAR Infinergi's models, states and error codes. No Home Assistant imports.
"""
