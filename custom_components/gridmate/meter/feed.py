"""A meter's per-phase currents as a feed for the controller (mains, EV or circuit meter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE

from ..devices.meters.profiles import PHASE_CURRENTS, PHASE_POWERS, Measurand
from ..feeds import MainsSample, signed_current

if TYPE_CHECKING:
    from .coordinator import MeterConfigEntry, MeterCoordinator


class MeterFeed:
    """Signed currents per phase from a meter's polls (`feeds.MainsFeed`).

    + = flowing from the grid side of the meter to the load side (import for a mains meter,
    charging for an EV meter), after the entry's inverted option. Unsigned currents take the
    sign of their phase power. A one-phase meter reports L1 and 0 A on L2/L3; a meter without
    current registers (Eastron SDM72D-M v1) reports None per phase and only the total power.
    """

    def __init__(self, entry: MeterConfigEntry, coordinator: MeterCoordinator) -> None:
        """Read the entry's coordinator."""
        self._entry = entry
        self._coordinator = coordinator

    @property
    def name(self) -> str:
        """The entry title."""
        return self._entry.title

    def latest(self) -> MainsSample | None:
        """The last poll's currents; None while the meter is unavailable or not yet read.

        During the polls a failure is tolerated the previous sample is returned with its
        original `measured_at`, so its age keeps growing.
        """
        coordinator = self._coordinator
        data = coordinator.data
        if data is None or not coordinator.last_update_success:
            return None
        values = data.reading
        phases = coordinator.meter.profile.phases
        currents: list[float | None] = [
            signed_current(values.get(current), values.get(power)) if current in values else None
            for current, power in zip(PHASE_CURRENTS, PHASE_POWERS, strict=True)
        ]
        if phases == 1:
            currents[1:] = [0.0, 0.0]
        return MainsSample(
            currents=(currents[0], currents[1], currents[2]),
            measured_at=data.received_monotonic,
            power_w=values.get(Measurand.POWER),
        )

    def subscribe(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call `listener` after every poll (and when the meter turns unavailable)."""
        return self._coordinator.async_add_listener(listener)
