"""Config-flow steps of the controller kind, its reconfigure steps and its options flow.

Adding a controller: the installation (`controller`), where the mains currents come from
(`controller_mains` menu: a Gridmate entry, current sensors or power sensors), optional
circuit and battery sensors (`controller_extras`), then chargers one by one
(`controller_chargers` menu: a Gridmate charger entry or a charger made of entities) until
`controller_finish`. Reconfigure walks the same steps from the mains menu on, starting from
the stored wiring. The options flow changes the installation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
import uuid

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, split_entity_id
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import probatio as vol

from .. import kinds  # at call time: `kinds` imports this package while it loads
from ..const import CONF_KIND, DOMAIN, EntryKind
from ..feeds import EntityMainsFeed
from ..flow_fields import choice_selector, whole_number_field
from .config import (
    Installation,
    charger_wiring_errors,
    installation_charger_errors,
    installation_errors,
    parse_entry,
    parse_installation,
)
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
    MAX_CHARGER_CURRENT,
    MAX_FUSE,
    MAX_RAISE_INTERVAL,
    MAX_STALE_TIMEOUT,
    MAX_TIMER,
    MIN_STALE_TIMEOUT,
    ChargerSource,
    MainsSource,
)
from .entity_charger import LIMIT_DOMAINS, number_range

PHASE_KEYS = ("l1", "l2", "l3")
_CURRENT_UNITS = {"A", "mA"}
_POWER_UNITS = {"W", "kW", "MW"}
_VOLTAGE_UNITS = {"V", "mV", "kV"}
_ENERGY_UNITS = {"Wh", "kWh", "MWh"}


def _number(low: float, high: float, step: float, unit: str | None = None) -> NumberSelector:
    if unit is None:
        return NumberSelector(
            NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.BOX)
        )
    return NumberSelector(
        NumberSelectorConfig(
            min=low, max=high, step=step, unit_of_measurement=unit, mode=NumberSelectorMode.BOX
        )
    )


def _entity(domains: list[str], device_class: str | None = None) -> EntitySelector:
    if device_class is None:
        return EntitySelector(EntitySelectorConfig(domain=domains))
    return EntitySelector(EntitySelectorConfig(domain=domains, device_class=device_class))


def installation_schema(*, with_name: bool) -> vol.Schema:
    """The installation form (add, and the options flow)."""
    fields: dict[vol.Marker, Any] = {}
    if with_name:
        fields[vol.Required(CONF_NAME, default=DEFAULT_NAME)] = TextSelector()
    fields.update(
        {
            vol.Required(CONF_PHASES, default="3"): choice_selector(
                ["1", "3"], translation_key="controller_phases"
            ),
            vol.Required(CONF_VOLTAGE, default=DEFAULT_VOLTAGE): whole_number_field(
                100, 400, unit="V"
            ),
            vol.Required(CONF_MAIN_FUSE, default=DEFAULT_MAIN_FUSE): whole_number_field(
                int(IEC_MIN_CURRENT), int(MAX_FUSE), unit="A"
            ),
            vol.Optional(CONF_CIRCUIT_LIMIT): whole_number_field(1, int(MAX_FUSE), unit="A"),
            vol.Optional(CONF_SUM_LIMIT): whole_number_field(1, int(3 * MAX_FUSE), unit="A"),
            vol.Optional(CONF_CAPACITY_CAP): _number(0.5, 100, 0.1, "kW"),
            vol.Required(CONF_STALE_TIMEOUT, default=DEFAULT_STALE_TIMEOUT): whole_number_field(
                int(MIN_STALE_TIMEOUT), int(MAX_STALE_TIMEOUT), unit="s"
            ),
            vol.Required(CONF_SAFE_CURRENT, default=DEFAULT_SAFE_CURRENT): whole_number_field(
                0, int(MAX_CHARGER_CURRENT), unit="A"
            ),
            vol.Required(CONF_RAISE_INTERVAL, default=DEFAULT_RAISE_INTERVAL): whole_number_field(
                1, int(MAX_RAISE_INTERVAL), unit="s"
            ),
        }
    )
    return vol.Schema(fields)


def installation_options(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Form values as stored options (numbers as numbers, empty optionals dropped)."""
    options: dict[str, Any] = {
        CONF_PHASES: int(user_input[CONF_PHASES]),
        CONF_VOLTAGE: float(user_input[CONF_VOLTAGE]),
        CONF_MAIN_FUSE: float(user_input[CONF_MAIN_FUSE]),
        CONF_STALE_TIMEOUT: float(user_input[CONF_STALE_TIMEOUT]),
        CONF_SAFE_CURRENT: float(user_input[CONF_SAFE_CURRENT]),
        CONF_RAISE_INTERVAL: float(user_input[CONF_RAISE_INTERVAL]),
    }
    for key in (CONF_START_DELAY, CONF_MIN_SWITCH_TIME):
        if key in user_input:
            options[key] = float(user_input[key])
    for key in (CONF_CIRCUIT_LIMIT, CONF_SUM_LIMIT, CONF_CAPACITY_CAP, CONF_BATTERY_FIRST_SOC):
        if user_input.get(key) not in (None, ""):
            options[key] = float(user_input[key])
    return options


def _suggested_installation(options: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(options)
    if CONF_PHASES in values:
        values[CONF_PHASES] = str(values[CONF_PHASES])
    return values


def _controllers(hass: HomeAssistant, exclude: str | None) -> list[ConfigEntry[Any]]:
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get(CONF_KIND) == EntryKind.CONTROLLER and entry.entry_id != exclude
    ]


def _used_elsewhere(hass: HomeAssistant, exclude: str | None) -> tuple[set[str], set[str]]:
    """Mains sources and chargers (entry ids, entity ids) other controllers already use."""
    mains: set[str] = set()
    chargers: set[str] = set()
    for entry in _controllers(hass, exclude):
        config = parse_entry(entry.data, entry.options)
        mains.update([config.mains.entry_id] if config.mains.entry_id else config.mains.currents)
        mains.update(config.mains.powers)
        for charger in config.chargers:
            chargers.add(charger.entry_id or charger.number or "")
    return mains, chargers


def _mains_candidates(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    """Gridmate entries that measure the grid (or may: one not loaded cannot tell yet)."""
    found = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        try:
            kind = kinds.KINDS.get(kinds.entry_kind(entry))
        except (KeyError, ValueError):
            continue
        if kind is None or kind.mains_feed is None:
            continue
        if entry.state is ConfigEntryState.LOADED and kinds.mains_feed_of(entry) is None:
            continue  # e.g. a meter measuring an EV, not the grid
        found.append(entry)
    return found


def _charger_candidates(hass: HomeAssistant) -> list[ConfigEntry[Any]]:
    found = []
    for entry in hass.config_entries.async_entries(DOMAIN):
        try:
            kind = kinds.KINDS.get(kinds.entry_kind(entry))
        except (KeyError, ValueError):
            continue
        if kind is not None and kind.charger is not None:
            found.append(entry)
    return found


def _unit_error(hass: HomeAssistant, entity_id: str, units: set[str]) -> str | None:
    state = hass.states.get(entity_id)
    if state is None:
        return "entity_not_found"
    unit = state.attributes.get("unit_of_measurement")
    if unit and unit not in units:
        return "wrong_unit"
    return None


def _phase_fields(prefix: str, phases: int, *, required: bool, selector: Any) -> dict[Any, Any]:
    marker = vol.Required if required else vol.Optional
    fields: dict[Any, Any] = {}
    for key in PHASE_KEYS[:phases]:
        fields[marker(f"{prefix}_{key}")] = selector
    return fields


def _collect(user_input: Mapping[str, Any], prefix: str) -> list[str]:
    return [
        user_input[f"{prefix}_{key}"] for key in PHASE_KEYS if user_input.get(f"{prefix}_{key}")
    ]


def _check_sensors(
    hass: HomeAssistant,
    user_input: Mapping[str, Any],
    prefix: str,
    units: set[str],
    errors: dict[str, str],
) -> None:
    for key in PHASE_KEYS:
        field = f"{prefix}_{key}"
        if user_input.get(field):
            error = _unit_error(hass, user_input[field], units)
            if error:
                errors[field] = error


class ControllerFlow(ConfigFlow):
    """Add and reconfigure a controller."""

    _pending: dict[str, Any]

    @property
    def _ctl(self) -> dict[str, Any]:
        ctl: dict[str, Any] = self._pending.setdefault("controller", {CONF_CHARGERS: []})
        return ctl

    @property
    def _installation(self) -> Installation:
        return parse_installation(self._ctl.get("options", {}))

    @property
    def _exclude(self) -> str | None:
        return self._ctl.get("reconfigure_entry_id")

    # ---------------------------------------------------------------- installation

    async def async_step_controller(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Name and installation of a new controller."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options = installation_options(user_input)
            errors = installation_errors(parse_installation(options))
            if not errors:
                self._ctl[CONF_NAME] = user_input[CONF_NAME].strip() or DEFAULT_NAME
                self._ctl["options"] = options
                return await self.async_step_controller_mains()
        return self.async_show_form(
            step_id="controller",
            data_schema=self.add_suggested_values_to_schema(
                installation_schema(with_name=True), user_input
            ),
            errors=errors,
        )

    # ---------------------------------------------------------------- mains

    async def async_step_controller_mains(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Where do the grid currents come from?"""
        options = ["controller_mains_currents", "controller_mains_powers"]
        if _mains_candidates(self.hass):
            options.insert(0, "controller_mains_entry")
        return self.async_show_menu(step_id="controller_mains", menu_options=options)

    async def async_step_controller_mains_entry(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Gridmate entry on the grid connection (Smart Connect, mains meter, monitor)."""
        errors: dict[str, str] = {}
        candidates = _mains_candidates(self.hass)
        if user_input is not None:
            entry_id = user_input[CONF_ENTRY_ID]
            used, _ = _used_elsewhere(self.hass, self._exclude)
            if entry_id not in {entry.entry_id for entry in candidates}:
                errors[CONF_ENTRY_ID] = "entry_not_found"
            elif entry_id in used:
                errors[CONF_ENTRY_ID] = "mains_in_use"
            else:
                self._ctl[CONF_MAINS] = {
                    CONF_SOURCE: MainsSource.ENTRY.value,
                    CONF_ENTRY_ID: entry_id,
                }
                return await self.async_step_controller_extras()
        suggested = user_input or {CONF_ENTRY_ID: self._ctl.get(CONF_MAINS, {}).get(CONF_ENTRY_ID)}
        schema = vol.Schema(
            {
                vol.Required(CONF_ENTRY_ID): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=entry.entry_id, label=entry.title)
                            for entry in candidates
                        ],
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="controller_mains_entry",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    def _mains_in_use(self, entity_ids: list[str]) -> bool:
        used, _ = _used_elsewhere(self.hass, self._exclude)
        return any(entity_id in used for entity_id in entity_ids)

    async def async_step_controller_mains_currents(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Current sensors of any integration (signed, or signed by per-phase power)."""
        phases = self._installation.phases
        errors: dict[str, str] = {}
        if user_input is not None:
            currents = _collect(user_input, "current")
            powers = _collect(user_input, "power")
            _check_sensors(self.hass, user_input, "current", _CURRENT_UNITS, errors)
            _check_sensors(self.hass, user_input, "power", _POWER_UNITS, errors)
            if not errors:
                errors = self._feed_errors(current_entities=currents, power_entities=powers)
            if not errors and self._mains_in_use(currents):
                errors["base"] = "mains_in_use"
            if not errors:
                self._ctl[CONF_MAINS] = {
                    CONF_SOURCE: MainsSource.CURRENTS.value,
                    CONF_CURRENTS: currents,
                    CONF_POWERS: powers,
                }
                return await self.async_step_controller_extras()
        sensor = _entity(["sensor"], "current")
        power = _entity(["sensor"], "power")
        schema = vol.Schema(
            {
                **_phase_fields("current", phases, required=True, selector=sensor),
                **_phase_fields("power", phases, required=False, selector=power),
            }
        )
        return self.async_show_form(
            step_id="controller_mains_currents",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._suggested_mains()
            ),
            errors=errors,
        )

    async def async_step_controller_mains_powers(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Power sensors of any integration plus the voltage (fixed or measured)."""
        phases = self._installation.phases
        errors: dict[str, str] = {}
        if user_input is not None:
            powers = _collect(user_input, "power")
            voltages = _collect(user_input, "voltage")
            _check_sensors(self.hass, user_input, "power", _POWER_UNITS, errors)
            _check_sensors(self.hass, user_input, "voltage", _VOLTAGE_UNITS, errors)
            if not errors:
                errors = self._feed_errors(power_entities=powers, voltage_entities=voltages)
            if not errors and self._mains_in_use(powers):
                errors["base"] = "mains_in_use"
            if not errors:
                self._ctl[CONF_MAINS] = {
                    CONF_SOURCE: MainsSource.POWERS.value,
                    CONF_POWERS: powers,
                    CONF_VOLTAGES: voltages,
                }
                return await self.async_step_controller_extras()
        schema = vol.Schema(
            {
                **_phase_fields(
                    "power", phases, required=True, selector=_entity(["sensor"], "power")
                ),
                **_phase_fields(
                    "voltage", phases, required=False, selector=_entity(["sensor"], "voltage")
                ),
            }
        )
        return self.async_show_form(
            step_id="controller_mains_powers",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._suggested_mains()
            ),
            errors=errors,
        )

    def _suggested_mains(self) -> dict[str, Any]:
        mains = self._ctl.get(CONF_MAINS, {})
        suggested: dict[str, Any] = {}
        for prefix, key in (
            ("current", CONF_CURRENTS),
            ("power", CONF_POWERS),
            ("voltage", CONF_VOLTAGES),
        ):
            for phase, entity_id in zip(PHASE_KEYS, mains.get(key, ()), strict=False):
                suggested[f"{prefix}_{phase}"] = entity_id
        return suggested

    def _feed_errors(self, **sensors: list[str]) -> dict[str, str]:
        try:
            EntityMainsFeed(self.hass, voltage=self._installation.voltage, **sensors)
        except ValueError:
            return {"base": "invalid_sensor_combination"}
        return {}

    # ---------------------------------------------------------------- extras

    async def async_step_controller_extras(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Optional circuit (sub-panel) currents and home battery."""
        inst = self._installation
        errors: dict[str, str] = {}
        if user_input is not None:
            circuit = _collect(user_input, "circuit")
            _check_sensors(self.hass, user_input, "circuit", _CURRENT_UNITS, errors)
            if circuit and len(circuit) != inst.phases:
                errors["base"] = "circuit_needs_every_phase"
            for key, units in ((CONF_BATTERY_POWER, _POWER_UNITS), (CONF_BATTERY_SOC, {"%"})):
                if user_input.get(key):
                    error = _unit_error(self.hass, user_input[key], units)
                    if error:
                        errors[key] = error
            if user_input.get(CONF_BATTERY_SOC) and not user_input.get(CONF_BATTERY_POWER):
                errors[CONF_BATTERY_SOC] = "soc_needs_battery_power"
            if not errors:
                self._ctl[CONF_CIRCUIT] = {CONF_CURRENTS: circuit} if circuit else {}
                self._ctl[CONF_BATTERY] = (
                    {
                        CONF_BATTERY_POWER: user_input[CONF_BATTERY_POWER],
                        CONF_BATTERY_SOC: user_input.get(CONF_BATTERY_SOC),
                        CONF_BATTERY_INVERT: bool(user_input.get(CONF_BATTERY_INVERT)),
                    }
                    if user_input.get(CONF_BATTERY_POWER)
                    else {}
                )
                return await self.async_step_controller_chargers()
        schema = vol.Schema(
            {
                **_phase_fields(
                    "circuit", inst.phases, required=False, selector=_entity(["sensor"], "current")
                ),
                vol.Optional(CONF_BATTERY_POWER): _entity(["sensor"], "power"),
                vol.Optional(CONF_BATTERY_SOC): _entity(["sensor"], "battery"),
                vol.Optional(CONF_BATTERY_INVERT, default=False): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id="controller_extras",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._suggested_extras()
            ),
            errors=errors,
        )

    def _suggested_extras(self) -> dict[str, Any]:
        suggested: dict[str, Any] = {}
        circuit = (self._ctl.get(CONF_CIRCUIT) or {}).get(CONF_CURRENTS, ())
        for phase, entity_id in zip(PHASE_KEYS, circuit, strict=False):
            suggested[f"circuit_{phase}"] = entity_id
        suggested.update({k: v for k, v in (self._ctl.get(CONF_BATTERY) or {}).items() if v})
        return suggested

    # ---------------------------------------------------------------- chargers

    async def async_step_controller_chargers(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add chargers one by one (up to eight), remove one, or finish."""
        chargers: list[dict[str, Any]] = self._ctl[CONF_CHARGERS]
        options: list[str] = []
        if len(chargers) < 8:
            if self._free_charger_entries():
                options.append("controller_charger_entry")
            options.append("controller_charger_entities")
        if chargers:
            options.extend(["controller_charger_remove", "controller_finish"])
        listing = "\n".join(f"- {charger[CONF_NAME]}" for charger in chargers) or "-"
        return self.async_show_menu(
            step_id="controller_chargers",
            menu_options=options,
            description_placeholders={"chargers": listing},
        )

    def _free_charger_entries(self) -> list[ConfigEntry[Any]]:
        _, used = _used_elsewhere(self.hass, self._exclude)
        mine = {c.get(CONF_ENTRY_ID) for c in self._ctl[CONF_CHARGERS]}
        return [
            entry
            for entry in _charger_candidates(self.hass)
            if entry.entry_id not in used and entry.entry_id not in mine
        ]

    async def async_step_controller_charger_entry(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A Gridmate charger entry: its driver tells its range and phases."""
        inst = self._installation
        errors: dict[str, str] = {}
        candidates = {entry.entry_id: entry for entry in self._free_charger_entries()}
        if user_input is not None:
            source = candidates.get(user_input[CONF_ENTRY_ID])
            if source is None:
                errors[CONF_ENTRY_ID] = "charger_in_use"
            else:
                first_phase = int(user_input[CONF_FIRST_PHASE])
                driver = (
                    kinds.charger_of(source) if source.state is ConfigEntryState.LOADED else None
                )
                if driver is not None:
                    caps = driver.capabilities
                    errors = charger_wiring_errors(
                        inst,
                        phases=caps.phases,
                        first_phase=first_phase,
                        min_current=caps.min_current,
                    )
                elif first_phase >= inst.phases:
                    errors = {CONF_FIRST_PHASE: "phase_not_in_installation"}
                if not errors:
                    self._ctl[CONF_CHARGERS].append(
                        {
                            CONF_CHARGER_ID: uuid.uuid4().hex[:8],
                            CONF_CHARGER_SOURCE: ChargerSource.ENTRY.value,
                            CONF_NAME: source.title,
                            CONF_ENTRY_ID: source.entry_id,
                            CONF_PRIORITY: int(user_input[CONF_PRIORITY]),
                            CONF_FIRST_PHASE: first_phase,
                            CONF_PHASES: driver.capabilities.phases if driver else 3,
                        }
                    )
                    return await self.async_step_controller_chargers()
        schema = vol.Schema(
            {
                vol.Required(CONF_ENTRY_ID): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=entry_id, label=entry.title)
                            for entry_id, entry in candidates.items()
                        ],
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                vol.Required(CONF_FIRST_PHASE, default="0"): choice_selector(
                    ["0", "1", "2"], translation_key="controller_first_phase"
                ),
                vol.Required(CONF_PRIORITY, default=0): whole_number_field(0, 10),
            }
        )
        return self.async_show_form(
            step_id="controller_charger_entry",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_controller_charger_entities(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A charger of another integration: its current-limit number and optional helpers."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._entity_charger_errors(user_input)
            if not errors:
                self._ctl[CONF_CHARGERS].append(self._entity_charger(user_input))
                return await self.async_step_controller_chargers()
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_NUMBER): _entity(list(LIMIT_DOMAINS)),
                vol.Optional(CONF_SWITCH): _entity(["switch", "input_boolean"]),
                vol.Optional(CONF_CONNECTED): _entity(["binary_sensor", "input_boolean"]),
                vol.Optional(CONF_CHARGING): _entity(["binary_sensor", "input_boolean"]),
                **_phase_fields(
                    "current", 3, required=False, selector=_entity(["sensor"], "current")
                ),
                vol.Optional(CONF_ENERGY): _entity(["sensor"], "energy"),
                vol.Required(CONF_PHASES, default="3"): choice_selector(
                    ["1", "3"], translation_key="controller_phases"
                ),
                vol.Required(CONF_FIRST_PHASE, default="0"): choice_selector(
                    ["0", "1", "2"], translation_key="controller_first_phase"
                ),
                vol.Required(CONF_MIN_CURRENT, default=IEC_MIN_CURRENT): whole_number_field(
                    int(IEC_MIN_CURRENT), int(MAX_CHARGER_CURRENT), unit="A"
                ),
                vol.Required(CONF_MAX_CURRENT, default=16): whole_number_field(
                    int(IEC_MIN_CURRENT), int(MAX_CHARGER_CURRENT), unit="A"
                ),
                vol.Required(CONF_PRIORITY, default=0): whole_number_field(0, 10),
            }
        )
        return self.async_show_form(
            step_id="controller_charger_entities",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    def _entity_charger_errors(self, user_input: Mapping[str, Any]) -> dict[str, str]:
        inst = self._installation
        errors: dict[str, str] = {}
        number_id: str = user_input[CONF_NUMBER]
        low = float(user_input[CONF_MIN_CURRENT])
        high = float(user_input[CONF_MAX_CURRENT])
        phases = int(user_input[CONF_PHASES])
        state = self.hass.states.get(number_id)
        _, used = _used_elsewhere(self.hass, self._exclude)
        mine = {c.get(CONF_NUMBER) for c in self._ctl[CONF_CHARGERS]}
        if state is None or state.state == STATE_UNAVAILABLE:
            errors[CONF_NUMBER] = "entity_not_found"
        elif split_entity_id(number_id)[0] not in LIMIT_DOMAINS:
            errors[CONF_NUMBER] = "not_a_number"
        elif number_id in used or number_id in mine:
            errors[CONF_NUMBER] = "charger_in_use"
        elif state.attributes.get("unit_of_measurement") not in (None, "", "A"):
            errors[CONF_NUMBER] = "number_not_current"
        else:
            rng = number_range(state)
            if rng is None:
                errors[CONF_NUMBER] = "number_without_range"
            elif rng[0] > low or rng[1] < high:
                errors["base"] = "outside_number_range"
            elif rng[0] > 0 and not user_input.get(CONF_SWITCH):
                errors["base"] = "cannot_pause"
        if low > high:
            errors[CONF_MAX_CURRENT] = "min_above_max"
        for field in (CONF_SWITCH, CONF_CONNECTED, CONF_CHARGING):
            if user_input.get(field) and self.hass.states.get(user_input[field]) is None:
                errors[field] = "entity_not_found"
        currents = _collect(user_input, "current")
        _check_sensors(self.hass, user_input, "current", _CURRENT_UNITS, errors)
        if currents and (not user_input.get("current_l1") or len(currents) not in (1, phases)):
            errors["base"] = "charger_currents"
        if user_input.get(CONF_ENERGY):
            error = _unit_error(self.hass, user_input[CONF_ENERGY], _ENERGY_UNITS)
            if error:
                errors[CONF_ENERGY] = error
        errors.update(
            charger_wiring_errors(
                inst,
                phases=phases,
                first_phase=int(user_input[CONF_FIRST_PHASE]),
                min_current=low,
            )
        )
        return errors

    @staticmethod
    def _entity_charger(user_input: Mapping[str, Any]) -> dict[str, Any]:
        charger: dict[str, Any] = {
            CONF_CHARGER_ID: uuid.uuid4().hex[:8],
            CONF_CHARGER_SOURCE: ChargerSource.ENTITIES.value,
            CONF_NAME: user_input[CONF_NAME].strip() or user_input[CONF_NUMBER],
            CONF_NUMBER: user_input[CONF_NUMBER],
            CONF_CURRENTS: _collect(user_input, "current"),
            CONF_PHASES: int(user_input[CONF_PHASES]),
            CONF_FIRST_PHASE: int(user_input[CONF_FIRST_PHASE]),
            CONF_MIN_CURRENT: float(user_input[CONF_MIN_CURRENT]),
            CONF_MAX_CURRENT: float(user_input[CONF_MAX_CURRENT]),
            CONF_PRIORITY: int(user_input[CONF_PRIORITY]),
        }
        for field in (CONF_SWITCH, CONF_CONNECTED, CONF_CHARGING, CONF_ENERGY):
            if user_input.get(field):
                charger[field] = user_input[field]
        return charger

    async def async_step_controller_charger_remove(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Take a charger off the list."""
        chargers: list[dict[str, Any]] = self._ctl[CONF_CHARGERS]
        if user_input is not None:
            self._ctl[CONF_CHARGERS] = [
                c for c in chargers if c[CONF_CHARGER_ID] != user_input[CONF_CHARGER_ID]
            ]
            return await self.async_step_controller_chargers()
        schema = vol.Schema(
            {
                vol.Required(CONF_CHARGER_ID): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=c[CONF_CHARGER_ID], label=c[CONF_NAME])
                            for c in chargers
                        ],
                        mode=SelectSelectorMode.LIST,
                    )
                )
            }
        )
        return self.async_show_form(step_id="controller_charger_remove", data_schema=schema)

    # ---------------------------------------------------------------- finish

    def _entry_data(self) -> dict[str, Any]:
        ctl = self._ctl
        return {
            CONF_KIND: EntryKind.CONTROLLER.value,
            CONF_NAME: ctl[CONF_NAME],
            CONF_MAINS: ctl[CONF_MAINS],
            CONF_CIRCUIT: ctl.get(CONF_CIRCUIT) or {},
            CONF_BATTERY: ctl.get(CONF_BATTERY) or {},
            CONF_CHARGERS: ctl[CONF_CHARGERS],
        }

    async def async_step_controller_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create the controller (or store the new wiring of the one being reconfigured)."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), data=self._entry_data()
            )
        await self.async_set_unique_id(uuid.uuid4().hex)
        return self.async_create_entry(
            title=self._ctl[CONF_NAME], data=self._entry_data(), options=self._ctl["options"]
        )

    # ---------------------------------------------------------------- reconfigure

    async def async_step_controller_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the wiring: mains source, extras and chargers, starting from the stored."""
        entry = self._get_reconfigure_entry()
        self._pending["controller"] = {
            "reconfigure_entry_id": entry.entry_id,
            "options": dict(entry.options),
            CONF_NAME: entry.data.get(CONF_NAME, entry.title),
            CONF_MAINS: dict(entry.data[CONF_MAINS]),
            CONF_CIRCUIT: dict(entry.data.get(CONF_CIRCUIT) or {}),
            CONF_BATTERY: dict(entry.data.get(CONF_BATTERY) or {}),
            CONF_CHARGERS: [dict(c) for c in entry.data.get(CONF_CHARGERS, ())],
        }
        return await self.async_step_controller_mains()


class ControllerOptionsFlow(OptionsFlowWithReload):
    """Change the installation (fuse, limits, failsafe); the controller reloads."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the installation form."""
        return await self.async_step_controller()

    async def async_step_controller(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Validate like the add flow, plus: every charger must still fit."""
        errors: dict[str, str] = {}
        entry = self.config_entry
        if user_input is not None:
            options = installation_options(user_input)
            if user_input.get(CONF_BATTERY_FIRST_SOC) in (None, ""):
                options.pop(CONF_BATTERY_FIRST_SOC, None)
            installation = parse_installation(options)
            errors = installation_errors(installation)
            if not errors:
                config = parse_entry(entry.data, options)
                phases_of = {}
                runtime = getattr(entry, "runtime_data", None)
                if runtime is not None:
                    phases_of = {
                        cid: link.driver.capabilities.phases
                        for cid, link in runtime.links.items()
                        if link.driver is not None
                    }
                errors = installation_charger_errors(installation, config.chargers, phases_of)
            if not errors:
                return self.async_create_entry(data=options)
        schema = installation_schema(with_name=False).extend(
            {
                vol.Required(CONF_START_DELAY, default=DEFAULT_START_DELAY): whole_number_field(
                    0, int(MAX_TIMER), unit="s"
                ),
                vol.Required(
                    CONF_MIN_SWITCH_TIME, default=DEFAULT_MIN_SWITCH_TIME
                ): whole_number_field(0, int(MAX_TIMER), unit="s"),
                vol.Optional(CONF_BATTERY_FIRST_SOC): NumberSelector(
                    NumberSelectorConfig(
                        min=0,
                        max=100,
                        step=1,
                        unit_of_measurement="%",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="controller",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or _suggested_installation(entry.options)
            ),
            errors=errors,
        )
