"""The controller entry as typed values, and the checks both the flows and setup apply.

Entry data holds the wiring (mains source, optional circuit and battery sensors, chargers);
entry options hold the installation (phases, voltage, fuse and limits, failsafe). The user's
day-to-day controls (mode, limits below the installation's, programs) are not here: they live
in the controller's store (see `store.py`) behind select and number entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from homeassistant.const import CONF_NAME

from .const import (
    CONF_BATTERY,
    CONF_BATTERY_FIRST_SOC,
    CONF_BATTERY_INVERT,
    CONF_BATTERY_POWER,
    CONF_BATTERY_SOC,
    CONF_CAPACITY_CAP,
    CONF_CHARGER_ID,
    CONF_CHARGER_SOURCE,
    CONF_CHARGERS,
    CONF_CHARGING,
    CONF_CIRCUIT,
    CONF_CIRCUIT_LIMIT,
    CONF_CONNECTED,
    CONF_CURRENTS,
    CONF_ENERGY,
    CONF_ENTRY_ID,
    CONF_FIRST_PHASE,
    CONF_MAIN_FUSE,
    CONF_MAINS,
    CONF_MAX_CURRENT,
    CONF_MIN_CURRENT,
    CONF_MIN_SWITCH_TIME,
    CONF_NUMBER,
    CONF_PHASES,
    CONF_POWERS,
    CONF_PRIORITY,
    CONF_RAISE_INTERVAL,
    CONF_SAFE_CURRENT,
    CONF_SOURCE,
    CONF_STALE_TIMEOUT,
    CONF_START_DELAY,
    CONF_SUM_LIMIT,
    CONF_SWITCH,
    CONF_VOLTAGE,
    CONF_VOLTAGES,
    DEFAULT_MAIN_FUSE,
    DEFAULT_MIN_SWITCH_TIME,
    DEFAULT_NAME,
    DEFAULT_RAISE_INTERVAL,
    DEFAULT_SAFE_CURRENT,
    DEFAULT_STALE_TIMEOUT,
    DEFAULT_START_DELAY,
    DEFAULT_VOLTAGE,
    IEC_MIN_CURRENT,
    ChargerSource,
    MainsSource,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MainsConfig:
    """The mains source: a Gridmate entry, or other integrations' sensors."""

    source: MainsSource
    entry_id: str | None = None
    currents: tuple[str, ...] = ()
    powers: tuple[str, ...] = ()
    voltages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargerEntryConfig:
    """One steered charger: a Gridmate charger entry or a charger made of HA entities."""

    charger_id: str
    source: ChargerSource
    name: str
    priority: int = 0
    first_phase: int = 0  # installation phase on the charger's L1 (0 = L1)
    entry_id: str | None = None
    # entity charger only
    number: str | None = None
    switch: str | None = None
    connected: str | None = None
    charging: str | None = None
    currents: tuple[str, ...] = ()
    energy: str | None = None
    phases: int = 3
    min_current: float = IEC_MIN_CURRENT
    max_current: float = 16.0

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """Every entity an entity charger reads or drives."""
        ids = (self.number, self.switch, self.connected, self.charging, self.energy)
        return tuple(e for e in ids if e) + self.currents


@dataclass(frozen=True, slots=True, kw_only=True)
class Installation:
    """The electrical installation (entry options)."""

    phases: int = 3
    voltage: float = DEFAULT_VOLTAGE
    main_fuse: float = DEFAULT_MAIN_FUSE  # A per phase
    circuit_limit: float | None = None  # A per phase
    sum_limit: float | None = None  # A, sum of the three phases
    capacity_cap_kw: float | None = None  # 15-minute average import
    stale_timeout: float = DEFAULT_STALE_TIMEOUT
    safe_current: float = DEFAULT_SAFE_CURRENT
    raise_interval: float = DEFAULT_RAISE_INTERVAL  # s between two current increases
    battery_first_soc: float | None = None
    start_delay: float = DEFAULT_START_DELAY  # s of surplus before a solar start
    min_switch_time: float = DEFAULT_MIN_SWITCH_TIME  # s a session runs / a pause lasts


@dataclass(frozen=True, slots=True, kw_only=True)
class ControllerConfig:
    """A whole controller entry."""

    name: str
    mains: MainsConfig
    circuit: tuple[str, ...] = ()
    battery_power: str | None = None
    battery_soc: str | None = None
    battery_invert: bool = False
    chargers: tuple[ChargerEntryConfig, ...] = ()
    installation: Installation = Installation()


def _opt_float(value: Any) -> float | None:
    return None if value in (None, "", 0, 0.0) else float(value)


def parse_mains(data: Mapping[str, Any]) -> MainsConfig:
    """The stored mains section."""
    return MainsConfig(
        source=MainsSource(data[CONF_SOURCE]),
        entry_id=data.get(CONF_ENTRY_ID),
        currents=tuple(data.get(CONF_CURRENTS, ())),
        powers=tuple(data.get(CONF_POWERS, ())),
        voltages=tuple(data.get(CONF_VOLTAGES, ())),
    )


def parse_charger(data: Mapping[str, Any]) -> ChargerEntryConfig:
    """One stored charger."""
    return ChargerEntryConfig(
        charger_id=data[CONF_CHARGER_ID],
        source=ChargerSource(data[CONF_CHARGER_SOURCE]),
        name=data[CONF_NAME],
        priority=int(data.get(CONF_PRIORITY, 0)),
        first_phase=int(data.get(CONF_FIRST_PHASE, 0)),
        entry_id=data.get(CONF_ENTRY_ID),
        number=data.get(CONF_NUMBER),
        switch=data.get(CONF_SWITCH),
        connected=data.get(CONF_CONNECTED),
        charging=data.get(CONF_CHARGING),
        currents=tuple(data.get(CONF_CURRENTS, ())),
        energy=data.get(CONF_ENERGY),
        phases=int(data.get(CONF_PHASES, 3)),
        min_current=float(data.get(CONF_MIN_CURRENT, IEC_MIN_CURRENT)),
        max_current=float(data.get(CONF_MAX_CURRENT, 16.0)),
    )


def parse_installation(options: Mapping[str, Any]) -> Installation:
    """The stored installation options."""
    first_soc = options.get(CONF_BATTERY_FIRST_SOC)
    return Installation(
        phases=int(options.get(CONF_PHASES, 3)),
        voltage=float(options.get(CONF_VOLTAGE, DEFAULT_VOLTAGE)),
        main_fuse=float(options.get(CONF_MAIN_FUSE, DEFAULT_MAIN_FUSE)),
        circuit_limit=_opt_float(options.get(CONF_CIRCUIT_LIMIT)),
        sum_limit=_opt_float(options.get(CONF_SUM_LIMIT)),
        capacity_cap_kw=_opt_float(options.get(CONF_CAPACITY_CAP)),
        stale_timeout=float(options.get(CONF_STALE_TIMEOUT, DEFAULT_STALE_TIMEOUT)),
        safe_current=float(options.get(CONF_SAFE_CURRENT, DEFAULT_SAFE_CURRENT)),
        raise_interval=float(options.get(CONF_RAISE_INTERVAL, DEFAULT_RAISE_INTERVAL)),
        battery_first_soc=None if first_soc in (None, "") else float(first_soc),
        start_delay=float(options.get(CONF_START_DELAY, DEFAULT_START_DELAY)),
        min_switch_time=float(options.get(CONF_MIN_SWITCH_TIME, DEFAULT_MIN_SWITCH_TIME)),
    )


def parse_entry(data: Mapping[str, Any], options: Mapping[str, Any]) -> ControllerConfig:
    """The typed form of a controller entry's data and options."""
    battery = data.get(CONF_BATTERY) or {}
    return ControllerConfig(
        name=data.get(CONF_NAME, DEFAULT_NAME),
        mains=parse_mains(data[CONF_MAINS]),
        circuit=tuple((data.get(CONF_CIRCUIT) or {}).get(CONF_CURRENTS, ())),
        battery_power=battery.get(CONF_BATTERY_POWER),
        battery_soc=battery.get(CONF_BATTERY_SOC),
        battery_invert=bool(battery.get(CONF_BATTERY_INVERT, False)),
        chargers=tuple(parse_charger(c) for c in data.get(CONF_CHARGERS, ())),
        installation=parse_installation(options),
    )


def installation_errors(inst: Installation) -> dict[str, str]:
    """Field -> translated error key for an installation that cannot be right."""
    errors: dict[str, str] = {}
    if inst.safe_current and inst.safe_current < IEC_MIN_CURRENT:
        errors[CONF_SAFE_CURRENT] = "safe_current_below_minimum"
    elif inst.safe_current > inst.main_fuse:
        errors[CONF_SAFE_CURRENT] = "safe_current_above_fuse"
    if inst.circuit_limit is not None and inst.circuit_limit > inst.main_fuse:
        errors[CONF_CIRCUIT_LIMIT] = "circuit_above_fuse"
    if inst.sum_limit is not None:
        if inst.sum_limit > inst.main_fuse * inst.phases:
            errors[CONF_SUM_LIMIT] = "sum_limit_above_fuses"
        elif inst.sum_limit < IEC_MIN_CURRENT:
            errors[CONF_SUM_LIMIT] = "sum_limit_below_minimum"
    if inst.capacity_cap_kw is not None and inst.capacity_cap_kw * 1000 < (
        IEC_MIN_CURRENT * inst.voltage
    ):
        errors[CONF_CAPACITY_CAP] = "capacity_cap_too_low"
    if inst.battery_first_soc is not None and not 0 <= inst.battery_first_soc <= 100:
        errors[CONF_BATTERY_FIRST_SOC] = "invalid_soc"
    return errors


def charger_wiring_errors(
    inst: Installation, *, phases: int, first_phase: int, min_current: float
) -> dict[str, str]:
    """Field -> error key for a charger that cannot sit on this installation."""
    errors: dict[str, str] = {}
    if phases == 3 and inst.phases == 1:
        errors[CONF_PHASES] = "three_phase_charger_on_single_phase"
    elif first_phase >= inst.phases:
        errors[CONF_FIRST_PHASE] = "phase_not_in_installation"
    if min_current > inst.main_fuse:
        errors[CONF_MIN_CURRENT] = "minimum_above_fuse"
    return errors


def installation_charger_errors(
    inst: Installation, chargers: Sequence[ChargerEntryConfig], phases_of: Mapping[str, int]
) -> dict[str, str]:
    """A changed installation that no longer fits one of the chargers (options flow)."""
    for charger in chargers:
        wiring = charger_wiring_errors(
            inst,
            phases=phases_of.get(charger.charger_id, charger.phases),
            first_phase=charger.first_phase,
            min_current=charger.min_current if charger.source is ChargerSource.ENTITIES else 0,
        )
        if wiring:
            key = "charger_does_not_fit"
            field = CONF_MAIN_FUSE if CONF_MIN_CURRENT in wiring else CONF_PHASES
            return {field: key}
    return {}
