"""EV charger drivers: one contract (contract.py) that every charger implements."""
