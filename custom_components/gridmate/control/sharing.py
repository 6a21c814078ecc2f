"""Sharing the headroom among up to eight chargers (Power Share).

Two passes, both in a fixed order (priority, then chargers already running, then
configuration order), so the same charger keeps losing when there is not enough for everyone
and nothing ping-pongs:

1. Minimums. Each charger that wants to run gets its minimum if every limit it touches still
   has room; otherwise it pauses (0 A) instead of dragging everyone below their minimum.
2. The rest, by priority level, shared fairly within a level: all chargers of the level rise
   together (water filling) until they reach what they asked for or a limit they touch is
   exhausted.

Solar-funded current above the minimum comes from a shared "pool" (the surplus, as a sum of
phase currents); minimums are never taken from the pool because the modes decide on their own
(with timers) when charging at minimum on grid power is acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from .limits import Headroom
from .model import Reason

_EPS = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class Demand:
    """What one charger asks the sharing for."""

    phases: tuple[int, ...]  # installation phases it draws on
    floor: float  # minimum current when running; 0 = does not want to run
    request: float  # the most it wants (>= floor when running)
    resolution: float
    priority: int
    pool_bound: bool  # current above the floor comes from the solar pool
    cap_bound: bool  # subject to the capacity-tariff cap
    pool_phases: int = 0  # phases the car really draws on (a 1-phase car on a 3-phase charger)

    @property
    def pool_weight(self) -> int:
        """Surplus used per ampere: the phases the car draws on."""
        return self.pool_phases or len(self.phases)


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """Result for one demand: the current and, when short of the request, what bound it."""

    current: float
    limit: Reason | None = None
    limit_phase: int | None = None  # 0-based installation phase
    paused: bool = False  # wanted to run but could not get its minimum


def quantize_down(value: float, resolution: float) -> float:
    """Round down to the charger's resolution (a little tolerance for float noise)."""
    steps = math.floor(value / resolution + 1e-6)
    return round(steps * resolution, 3)


class _Room:
    """Remaining room of every constraint, with what binds."""

    def __init__(self, headroom: Headroom, pool: float | None) -> None:
        self.phase = list(headroom.phase)
        self.phase_reason = headroom.phase_reason
        self.sum = math.inf if headroom.sum_limit is None else headroom.sum_limit
        self.cap = math.inf if headroom.cap_limit is None else headroom.cap_limit
        self.pool = math.inf if pool is None else pool

    def blocking(self, demand: Demand, amount: float) -> tuple[Reason, int | None] | None:
        """First hard or cap limit that cannot take ``amount`` more for ``demand``."""
        for p in demand.phases:
            if self.phase[p] < amount - _EPS:
                return self.phase_reason[p], p
        if self.sum < amount * len(demand.phases) - _EPS:
            return Reason.LIMITED_BY_SUM_LIMIT, None
        if demand.cap_bound and self.cap < amount * len(demand.phases) - _EPS:
            return Reason.LIMITED_BY_CAPACITY_CAP, None
        return None

    def take(self, demand: Demand, amount: float) -> None:
        for p in demand.phases:
            self.phase[p] -= amount
        n = len(demand.phases)
        self.sum -= amount * n
        if demand.cap_bound:
            self.cap -= amount * n
        if demand.pool_bound:
            self.pool -= amount * demand.pool_weight


def share(
    demands: list[Demand], order: list[int], headroom: Headroom, pool: float | None
) -> list[Allocation]:
    """Allocate currents to ``demands`` visited in ``order`` (indices into demands)."""
    room = _Room(headroom, pool)
    full = _Room(headroom, pool)
    alloc = [0.0] * len(demands)
    result: list[Allocation | None] = [None] * len(demands)
    granted: list[int] = []

    for i in order:
        d = demands[i]
        if d.floor <= 0:
            result[i] = Allocation(current=0.0)
            continue
        block = room.blocking(d, d.floor)
        if block is None:
            room.take(d, d.floor)
            alloc[i] = d.floor
            granted.append(i)
            continue
        # Would it have fitted alone? Then another charger holds the room.
        alone = full.blocking(d, d.floor)
        if alone is None:
            result[i] = Allocation(current=0.0, limit=Reason.PAUSED_FOR_OTHER_CHARGER, paused=True)
        else:
            result[i] = Allocation(current=0.0, limit=alone[0], limit_phase=alone[1], paused=True)

    limits: dict[int, tuple[Reason, int | None]] = {}
    levels = sorted({demands[i].priority for i in granted}, reverse=True)
    for level in levels:
        active = [i for i in granted if demands[i].priority == level]
        active = [i for i in active if demands[i].request > alloc[i] + _EPS]
        while active:
            delta = min(demands[i].request - alloc[i] for i in active)
            binding: list[tuple[float, Reason, int | None, set[int]]] = []
            for p in range(3):
                users = {i for i in active if p in demands[i].phases}
                if users:
                    binding.append((room.phase[p] / len(users), room.phase_reason[p], p, users))
            for value, reason, members in (
                (room.sum, Reason.LIMITED_BY_SUM_LIMIT, set(active)),
                (
                    room.cap,
                    Reason.LIMITED_BY_CAPACITY_CAP,
                    {i for i in active if demands[i].cap_bound},
                ),
            ):
                weight = sum(len(demands[i].phases) for i in members)
                if weight and value != math.inf:
                    binding.append((value / weight, reason, None, members))
            solar = {i for i in active if demands[i].pool_bound}
            solar_weight = sum(demands[i].pool_weight for i in solar)
            if solar_weight and room.pool != math.inf:
                binding.append((room.pool / solar_weight, Reason.CHARGING_SOLAR, None, solar))
            for value, _reason, _phase, _members in binding:
                delta = min(delta, value)
            delta = max(delta, 0.0)
            for i in active:
                alloc[i] += delta
                room.take(demands[i], delta)
            done: set[int] = {i for i in active if demands[i].request - alloc[i] <= _EPS}
            for value, reason, phase, members in binding:
                if value - delta <= _EPS:
                    for i in members:
                        if i not in done:
                            limits.setdefault(i, (reason, phase))
                        done.add(i)
            if not done:  # cannot happen (delta always exhausts something); stay safe
                break
            active = [i for i in active if i not in done]

    for i in granted:
        d = demands[i]
        current = max(quantize_down(alloc[i], d.resolution), d.floor)
        bound: tuple[Reason | None, int | None] = limits.get(i, (None, None))
        if current >= d.request - _EPS:
            bound = (None, None)
        result[i] = Allocation(current=current, limit=bound[0], limit_phase=bound[1])
    return [r if r is not None else Allocation(current=0.0) for r in result]
