"""The user's controls of one controller, kept across restarts.

Charge mode, phase modes, the limits set through number entities, the weekly programs and the
"starts today" counters live in a Home Assistant `Store` owned by the controller runtime, not
in the entities: the runtime loads them before its first step, so a restart never runs a
single step with defaults (a car would be paused and restarted). Entities show and change
these values through the runtime.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..const import DOMAIN
from ..control import ChargeMode, PhaseMode, ProgramAction, WeeklyProgram
from .const import STORE_SAVE_DELAY_S, STORE_VERSION


@dataclass(slots=True)
class ChargerControls:
    """Per-charger controls; None = the charger's own capability."""

    min_current: float | None = None
    max_current: float | None = None
    phase_mode: PhaseMode = PhaseMode.AUTO
    starts_day: str | None = None  # ISO date the counter belongs to
    starts_today: int = 0


@dataclass(slots=True)
class StoredProgram:
    """One weekly program slot, as the service stores it."""

    days: list[int]
    start_s: int
    duration_s: int
    mode: ChargeMode
    max_current: float | None = None

    def to_program(self) -> WeeklyProgram:
        """The control core's program."""
        return WeeklyProgram(
            days=frozenset(self.days),
            start_s=self.start_s,
            duration_s=self.duration_s,
            action=ProgramAction(mode=self.mode, max_current=self.max_current),
        )


@dataclass(slots=True)
class Controls:
    """Everything the user set through entities and services; None = the installation's."""

    mode: ChargeMode = ChargeMode.SMART
    mode_before_boost: ChargeMode = ChargeMode.SOLAR
    main_fuse: float | None = None
    circuit_limit: float | None = None
    capacity_cap_kw: float | None = None
    start_current: float = 4.0
    stop_time_min: float = 10.0
    allowed_import: float = 0.0
    green_min_level: float = 100.0
    min_export_w: float = 0.0
    boost_energy_kwh: float = 0.0
    programs: dict[int, StoredProgram] = field(default_factory=dict)
    chargers: dict[str, ChargerControls] = field(default_factory=dict)

    def charger(self, charger_id: str) -> ChargerControls:
        """The controls of one charger (created on first use)."""
        return self.chargers.setdefault(charger_id, ChargerControls())

    def to_json(self) -> dict[str, Any]:
        """Plain data for the store."""
        data = asdict(self)
        data["programs"] = {str(slot): asdict(p) for slot, p in self.programs.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Controls:
        """Read stored data; unknown or broken values fall back to the defaults."""
        controls = cls()
        for name in (
            "main_fuse",
            "circuit_limit",
            "capacity_cap_kw",
            "start_current",
            "stop_time_min",
            "allowed_import",
            "green_min_level",
            "min_export_w",
            "boost_energy_kwh",
        ):
            value = data.get(name, getattr(controls, name))
            if value is None or isinstance(value, (int, float)):
                setattr(controls, name, None if value is None else float(value))
        try:
            controls.mode = ChargeMode(data.get("mode", controls.mode))
            controls.mode_before_boost = ChargeMode(
                data.get("mode_before_boost", controls.mode_before_boost)
            )
        except ValueError:
            pass
        if controls.mode_before_boost is ChargeMode.BOOST:
            controls.mode_before_boost = ChargeMode.SOLAR
        for slot, raw in (data.get("programs") or {}).items():
            try:
                controls.programs[int(slot)] = StoredProgram(
                    days=[int(d) for d in raw["days"]],
                    start_s=int(raw["start_s"]),
                    duration_s=int(raw["duration_s"]),
                    mode=ChargeMode(raw["mode"]),
                    max_current=raw.get("max_current"),
                )
                controls.programs[int(slot)].to_program()
            except (KeyError, TypeError, ValueError):
                controls.programs.pop(int(slot), None)
        for charger_id, raw in (data.get("chargers") or {}).items():
            try:
                controls.chargers[charger_id] = ChargerControls(
                    min_current=raw.get("min_current"),
                    max_current=raw.get("max_current"),
                    phase_mode=PhaseMode(raw.get("phase_mode", PhaseMode.AUTO)),
                    starts_day=raw.get("starts_day"),
                    starts_today=int(raw.get("starts_today", 0)),
                )
            except (TypeError, ValueError):
                continue
        return controls


class ControlsStore:
    """Load once, save (debounced) after every change."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """One store file per controller entry."""
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.controller.{entry_id}"
        )
        self.controls = Controls()

    async def async_load(self) -> Controls:
        """The stored controls, or defaults for a new controller."""
        data = await self._store.async_load()
        self.controls = Controls.from_json(data) if isinstance(data, dict) else Controls()
        return self.controls

    def schedule_save(self) -> None:
        """Save soon (a slider drag writes once)."""
        self._store.async_delay_save(self.controls.to_json, STORE_SAVE_DELAY_S)

    async def async_save(self) -> None:
        """Save now."""
        await self._store.async_save(self.controls.to_json())

    async def async_remove(self) -> None:
        """Delete the file (the entry was removed)."""
        await self._store.async_remove()
