"""The SmartEVSE's behaviour, modelled on the firmware's 1-second timer and command handlers.

Built from the firmware sources (SmartEVSE/SmartEVSE-3 `main.cpp`/`esp32.cpp` and the
dingo35/SmartEVSE-3.5 fork), not from Gridmate's driver: the simulator must be able to prove
the driver wrong. Simplified where the details do not change what an API client sees:

- Vehicle states A (no car), B (connected), C (charging), and the transitions the firmware
  shows when it stops power: C -> C1 ("Stop Charging", 1 s) -> B1 ("Charging Stopped"), then
  B and C again when power is allowed.
- Modes: access Off/Pause, regimes Normal/Smart/Solar (`setMode` ignores Smart/Solar without
  a mains meter). The override current applies in Normal and Smart only.
- Mains data fed over the API times out after 11 s (`COMM_TIMEOUT`) in Smart/Solar mode:
  `CT_NOCOMM` ("Communication Error"), power off until data arrives again. In Normal mode
  the firmware does not time out.
- Smart: per-phase room under MAINS (and CIRCUIT, CAPACITY); below MIN -> `LESS_6A`.
  Solar: start at `solar_start_current` A of summed export, stop after `solar_stop_time`
  minutes of import above `solar_max_import`.
- C2: "Always Off" charges on one phase, "Solar Off" on one phase in Solar mode, the others
  on three; applied when charging starts (the firmware switches contactors on a state change).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math

# States (main_c.h)
STATE_A, STATE_B, STATE_C = 0, 1, 2
STATE_B1, STATE_C1 = 9, 10
STATE_WEB = (
    "Ready to Charge",
    "Connected to EV",
    "Charging",
    "D",
    "Request State B",
    "State B OK",
    "Request State C",
    "State C OK",
    "Activate",
    "Charging Stopped",
    "Stop Charging",
    "Modem Setup",
    "Modem Request",
    "Modem Done",
    "Modem Denied",
)
STATE_SHORT = (
    "A",
    "B",
    "C",
    "D",
    "COMM_B",
    "COMM_B_OK",
    "COMM_C",
    "COMM_C_OK",
    "Activate",
    "B1",
    "C1",
    "MODEM_REQ",
    "MODEM_WAIT",
    "MODEM_DONE",
    "MODEM_DENIED",
)
# ErrorFlags bits (main_c.h) and StrErrorNameWeb
LESS_6A, CT_NOCOMM, TEMP_HIGH, EV_NOCOMM, RCM_TRIPPED = 1, 2, 4, 8, 16
ERROR_WEB = (
    "None",
    "No Power Available",
    "Communication Error",
    "Temperature High",
    "EV Meter Comm Error",
    "RCM Tripped",
    "RCM Test",
    "Test IO",
    "Flash Error",
)
STOP_FLAGS = CT_NOCOMM | TEMP_HIGH | EV_NOCOMM | RCM_TRIPPED
# Firmware `Mode` and `AccessStatus`
MODE_NORMAL, MODE_SMART, MODE_SOLAR = 0, 1, 2
ACCESS_OFF, ACCESS_ON, ACCESS_PAUSE = 0, 1, 2
REGIME_NAMES = ("Normal", "Smart", "Solar")
C2_NAMES = ("Not present", "Always Off", "Solar Off", "Always On", "Auto")
C2_ALWAYS_OFF, C2_SOLAR_OFF = 1, 2
COMM_TIMEOUT = 11
VOLTAGE = 230.0


def arduino_to_int(text: str) -> int:
    """Arduino `String.toInt()` on a command value: its leading digits (after a sign), else 0."""
    digits = ""
    for char in text.strip():
        if char.isdigit() or (char in "+-" and not digits):
            digits += char
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


def error_id(flags: int) -> int:
    """`getErrorId`: 1 + index of the highest set bit, 0 for none."""
    return flags.bit_length()


@dataclass(slots=True)
class Vehicle:
    """The car on the cable."""

    plugged: bool = False
    wants_charge: bool = True
    max_current: float = 32.0  # A per phase the car's on-board charger takes at most
    phases: int = 3  # phases the car's on-board charger uses


class SmartEvseModel:
    """The firmware state the REST and MQTT interfaces read and change."""

    def __init__(
        self,
        *,
        serial: int = 51446,
        mains_meter: str = "API",
        ev_meter: str = "Eastron3P",
        on_change: Callable[[], None] | None = None,
    ) -> None:
        """A charger in Normal mode, 6-16 A, on a 25 A connection, no car."""
        self.serial = serial
        self.version = "v3.9.3"
        self.on_change = on_change
        self.t = 0  # seconds since start (the firmware's 1 s timer)
        # Settings
        self.access = ACCESS_ON
        self.mode = MODE_NORMAL
        self.override_current = 0  # dA
        self.current_min = 6
        self.current_max = 16
        self.current_main = 25
        self.current_max_circuit = 16
        self.max_sum_mains = 0
        self.max_sum_mains_time = 0
        self.solar_max_import = 0
        self.solar_start_current = 4
        self.stop_time = 10  # minutes
        self.enable_c2 = 3  # Always On
        self.mains_meter = mains_meter
        self.ev_meter = ev_meter
        self.load_bl = 0  # power share: 0 disabled
        # Live state
        self.state = STATE_A
        self.error_flags = 0
        self.balanced = 0  # dA: the current offered to the car (`Balanced[0]`)
        self.nr_of_phases = 3
        self.temp = 32
        self.temp_max = 65
        self.solar_stop_timer = 0  # s
        self.mains_timeout = COMM_TIMEOUT
        self.mains_irms = [0, 0, 0]  # dA, + import
        self.mains_fed_at: int | None = None  # t of the last API mains data
        self.house_load = [20, 15, 10]  # dA: simulated household load (Sensorbox meter)
        self.solar = [0, 0, 0]  # dA: simulated production per phase (Sensorbox meter)
        self.ev_irms = [0, 0, 0]  # dA
        self.ev_power = 0  # W
        self.ev_energy = 1_234_000.0  # Wh (meter total)
        self.ev_energy_start = self.ev_energy
        self.home_battery_current = 0  # dA
        self.home_battery_last_update = 0
        self.vehicle = Vehicle()
        self._c1_ticks = 0

    # -- helpers --------------------------------------------------------------------------------

    def changed(self) -> None:
        """Tell the MQTT publisher something changed (the firmware publishes sooner)."""
        if self.on_change is not None:
            self.on_change()

    @property
    def has_mains_meter(self) -> bool:
        """`MainsMeter.Type != 0`."""
        return self.mains_meter != "Disabled"

    @property
    def has_ev_meter(self) -> bool:
        """`EVMeter.Type != 0`."""
        return self.ev_meter != "Disabled"

    @property
    def mode_id(self) -> int:
        """The REST `mode_id`: 0 Off, 1 Normal, 2 Solar, 3 Smart, 4 Pause."""
        if self.access == ACCESS_OFF:
            return 0
        if self.access == ACCESS_PAUSE:
            return 4
        return {MODE_NORMAL: 1, MODE_SOLAR: 2, MODE_SMART: 3}[self.mode]

    @property
    def charged_wh(self) -> int:
        """`EnergyCharged`: energy since the car was connected."""
        return round(self.ev_energy - self.ev_energy_start)

    # -- commands (shared by REST and MQTT, like the firmware's setMode/setAccess) -------------

    def set_access(self, access: int) -> None:
        """`setAccess`: Off or Pause tell the car to stop at once (C -> C1, B -> B1)."""
        self.access = access
        if access != ACCESS_ON:
            if self.state == STATE_C:
                self.state = STATE_C1
                self._c1_ticks = 1
            elif self.state == STATE_B:
                self.state = STATE_B1
        self.changed()

    def set_mode(self, mode: int) -> bool:
        """`setMode`: Smart and Solar need a mains meter (else ignored). Returns applied."""
        if not self.has_mains_meter and mode != MODE_NORMAL and self.load_bl < 2:
            return False
        self.access = ACCESS_ON
        if mode == MODE_SOLAR:
            self.override_current = 0
        if mode == MODE_SMART:
            self.error_flags &= ~LESS_6A
            self.solar_stop_timer = 0
        self.mode = mode
        self.changed()
        return True

    def override_allowed(self, deci_amps: int) -> bool:
        """Whether the firmware takes this override current now."""
        if self.load_bl >= 2 or self.mode not in (MODE_NORMAL, MODE_SMART):
            return False
        return deci_amps == 0 or self.current_min * 10 <= deci_amps <= self.current_max * 10

    def set_override(self, deci_amps: int) -> None:
        """`setOverrideCurrent`."""
        self.override_current = deci_amps
        self.changed()

    def feed_mains(self, l1: int, l2: int, l3: int) -> bool:
        """Mains data over the API (dA): accepted only when the mains meter is API."""
        if self.mains_meter != "API" or self.load_bl >= 2:
            return False
        self.mains_irms = [l1, l2, l3]
        self.mains_timeout = COMM_TIMEOUT
        self.mains_fed_at = self.t
        if self.error_flags & CT_NOCOMM:
            self.error_flags &= ~CT_NOCOMM
            self.changed()
        return True

    # -- the 1 s timer --------------------------------------------------------------------------

    def tick(self) -> None:
        """One second of firmware time."""
        self.t += 1
        before = self._observable()
        self._meters()
        self._errors()
        self._regulate()
        self._states()
        self._charge()
        if self._observable() != before:
            self.changed()

    def _observable(self) -> tuple[object, ...]:
        return (
            self.state,
            self.error_flags,
            self.balanced,
            self.access,
            self.mode,
            self.nr_of_phases,
            self.vehicle.plugged,
        )

    def _meters(self) -> None:
        if self.mains_meter == "API":
            if self.mains_timeout:
                self.mains_timeout -= 1
        elif self.has_mains_meter:
            # A Modbus meter or Sensorbox on the grid connection: house + EV - solar.
            self.mains_irms = [
                self.house_load[i] + self.ev_irms[i] - self.solar[i] for i in range(3)
            ]
            self.mains_timeout = COMM_TIMEOUT

    def _errors(self) -> None:
        if self.has_mains_meter and self.load_bl < 2:
            if self.mains_timeout == 0 and self.mode != MODE_NORMAL:
                self.error_flags |= CT_NOCOMM
            elif self.mains_timeout:
                self.error_flags &= ~CT_NOCOMM
        if self.temp > self.temp_max:
            self.error_flags |= TEMP_HIGH
        elif self.temp < self.temp_max - 10:
            self.error_flags &= ~TEMP_HIGH

    def _phases_for_charging(self) -> int:
        if self.enable_c2 == C2_ALWAYS_OFF:
            return 1
        if self.enable_c2 == C2_SOLAR_OFF and self.mode == MODE_SOLAR:
            return 1
        return 3

    def _regulate(self) -> None:
        """Compute `Balanced[0]` (dA) for the current regime."""
        if self.access != ACCESS_ON or self.error_flags & STOP_FLAGS:
            self.balanced = 0
            return
        phases = self.nr_of_phases if self.state == STATE_C else self._phases_for_charging()
        limit = self.current_max * 10
        if self.mode == MODE_NORMAL:
            target = self.override_current or limit
        elif self.mode == MODE_SMART:
            target = min(limit, self.current_max_circuit * 10, self._room(phases))
            if self.override_current:
                target = min(target, self.override_current)
        else:
            target = self._solar(phases)
        if target < self.current_min * 10:
            if self.mode == MODE_NORMAL:
                target = self.current_min * 10
            else:
                self.error_flags |= LESS_6A
                self.balanced = 0
                return
        self.error_flags &= ~LESS_6A
        self.balanced = int(target)

    def _room(self, phases: int) -> int:
        """Smart: dA per phase the car may take without exceeding MAINS (and CAPACITY)."""
        house = [self.mains_irms[i] - self.ev_irms[i] for i in range(3)]
        used = range(phases)
        room = min(self.current_main * 10 - house[i] for i in used)
        if self.max_sum_mains:
            room = min(room, (self.max_sum_mains * 10 - sum(house)) // phases)
        return int(room)

    def _solar(self, phases: int) -> int:
        """Solar: the export, shared over the charging phases, with the start and stop rules."""
        house_sum = sum(self.mains_irms) - sum(self.ev_irms)
        surplus = -house_sum // phases  # dA per phase available from the sun
        if self.state != STATE_C:
            started = -sum(self.mains_irms) >= self.solar_start_current * 10
            return int(surplus) if started else 0
        if surplus >= self.current_min * 10:
            self.solar_stop_timer = 0
            return int(surplus)
        if sum(self.mains_irms) > self.solar_max_import * 10 and self.stop_time:
            if self.solar_stop_timer == 0:
                self.solar_stop_timer = self.stop_time * 60
            else:
                self.solar_stop_timer -= 1
                if self.solar_stop_timer <= 0:
                    self.solar_stop_timer = 0
                    return 0
        return self.current_min * 10

    def _states(self) -> None:
        car = self.vehicle
        if not car.plugged:
            self.state = STATE_A
            return
        allowed = self.balanced >= self.current_min * 10 and car.wants_charge
        if self.state == STATE_A:
            self.state = STATE_B
            self.ev_energy_start = self.ev_energy
        elif self.state in (STATE_B, STATE_B1):
            if self.state == STATE_B1 and self.access == ACCESS_ON and not self.error_flags:
                self.state = STATE_B
            elif self.state == STATE_B and allowed:
                self.nr_of_phases = self._phases_for_charging()
                self.state = STATE_C
        elif self.state == STATE_C:
            if not allowed:
                self.state = STATE_C1
                self._c1_ticks = 1
        elif self.state == STATE_C1:
            self._c1_ticks -= 1
            if self._c1_ticks <= 0:
                self.state = STATE_B1

    def _charge(self) -> None:
        if self.state != STATE_C:
            self.ev_irms = [0, 0, 0]
            self.ev_power = 0
            return
        phases = min(self.nr_of_phases, self.vehicle.phases)
        draw = min(self.balanced, round(self.vehicle.max_current * 10))
        self.ev_irms = [draw if i < phases else 0 for i in range(3)]
        self.ev_power = round(sum(self.ev_irms) / 10 * VOLTAGE)
        self.ev_energy += self.ev_power / 3600.0

    # -- test hooks -----------------------------------------------------------------------------

    def plug_in(self, *, max_current: float = 32.0, phases: int = 3) -> None:
        """A car is connected (it asks for power at once)."""
        self.vehicle = Vehicle(plugged=True, max_current=max_current, phases=phases)
        self.changed()

    def unplug(self) -> None:
        """The car leaves."""
        self.vehicle = Vehicle()
        self.changed()

    def set_temperature(self, celsius: int) -> None:
        """Heat the charger (above `temp_max` raises TEMP_HIGH)."""
        self.temp = celsius

    @property
    def ev_currents_a(self) -> tuple[float, float, float]:
        """EV currents in A (for assertions)."""
        return (self.ev_irms[0] / 10, self.ev_irms[1] / 10, self.ev_irms[2] / 10)

    @property
    def is_finite(self) -> bool:
        """Sanity: every number the model serves is finite."""
        return all(math.isfinite(v) for v in (self.ev_energy, self.ev_power))
