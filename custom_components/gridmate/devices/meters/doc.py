"""Generate docs/meters.md from the profile table.

Run from the repository root: ``python -m custom_components.gridmate.devices.meters.doc >
docs/meters.md``. A test fails when the file and the table disagree.
"""

from __future__ import annotations

from .profiles import (
    MAX_REGISTERS_PER_READ,
    PROFILES,
    Measurand,
    MeterProfile,
    RegisterSpec,
    Status,
)

_STATUS_TEXT = {
    Status.VERIFIED: "verified",
    Status.CROSS_CHECKED: "cross-checked",
    Status.UNVERIFIED: "**unverified**",
    Status.USER: "user",
}

_INTRO = """\
# Modbus kWh meters

Generated from `custom_components/gridmate/devices/meters/profiles.py` by
`python -m custom_components.gridmate.devices.meters.doc > docs/meters.md`; edit the table, not
this file.

Gridmate reads these meters over Modbus RTU (a local RS485 adapter) or Modbus TCP (the meter
itself or an RS485-to-TCP gateway). Serial defaults are 9600 baud, 8 data bits, no parity,
1 stop bit. On a bus shared with a SmartEVSE, addresses 1-10 are taken by the chargers and the
Sensorbox, so give meters unit id 11 or higher. All meters on one serial port or one gateway
share one connection; requests are sent one at a time, each with its own timeout, so a meter
that does not answer delays the others by at most one timeout per request.

Every value is reported in SI units: V, A, W (positive = import from the grid), Wh, Hz. Values
that decode to NaN, infinity, a meter's "not available" marker or something no residential
connection can produce are reported as unknown, never as numbers.

## Status

- **verified**: the registers were read in the vendor's own document.
- **cross-checked**: not read in the vendor document itself, but independent public
  implementations that cite the vendor document agree (and real-device reports where noted).
- **unverified**: a single secondary source or an inference. The map may be wrong; check the
  values against the meter's display, or enter a custom map.

## Options and quirks

- **Inverted** (any profile): for a meter fed from below, powers and currents are negated and
  import/export energies are swapped. This replaces SmartEVSE's "Inverted Eastron".
- **Unsigned currents**: some meters report current magnitudes; the sign is taken from the
  phase's active power.
- **No total-power register**: the total is the sum of the phase powers.
- **ABB**: a value of all 0xFF (signed types: 0x7FFF FFFF...) means "not available".
- **IVY**: answers with exceptions for about a minute after power-up; the driver reports this as
  warming up instead of an error during the profile's warm-up time.
- **Custom**: enter, per quantity, function code (3 or 4), address (0-based, as sent on the
  wire), data type (int16, uint16, int32, uint32, float32, int64), word order and the factor
  that turns the raw value into V, A, W, Wh, Hz.

Reads are coalesced per profile into the fewest blocks of at most {max_read} registers; a block
spans unused registers only up to the profile's allowed gap and never a range the meter refuses.
"""


_DEVELOPERS = """\
## For developers

Everything below lives in `custom_components/gridmate/devices/meters/` and imports nothing from
Home Assistant.

- `profiles.py`: `PROFILES` / `PROFILES_BY_ID` (the table above), `MeterProfile`,
  `RegisterSpec`, `Measurand` (entity keys: `voltage_l1`..`power`, `energy_import`,
  `energy_export`, `frequency`, `power_factor`), `custom_profile()` with `CustomRegister` for the
  Custom map, `CUSTOM_DATA_TYPES`.
- `decode.py`: `plan_reads(profile)` -> `ReadBlock`s, `decode_reading(profile, image,
  inverted=...)` -> `MeterReading`, `check_fit(reading)` -> `FitProblem`s (a config flow rejects
  a profile or unit id whose first reading is implausible, e.g. a line-to-line voltage).
- `client.py`: `BusRegistry.acquire(TcpBusConfig | SerialBusConfig)` -> shared `ModbusBus`
  (release it on unload); `ModbusMeter(bus, unit=..., profile=..., inverted=...)`,
  `await meter.poll()`; `meter.last_poll` (transactions, registers, seconds) and
  `bus.transactions` for figures; errors `MeterUnreachable`, `MeterTimeout`,
  `MeterExceptionResponse(code)`, `MeterWarmingUp`, `MeterProtocolError`.

The simulator (`simulator/meters`, `python -m simulator.meters --profile <id> [--rtu]`) serves
any profile over Modbus TCP, RTU-over-TCP or RTU on a pseudo-terminal, with its own encoder and
framing, and can make a meter answer with exceptions, stay silent, answer slowly or warm up.
"""


def _status(profile: MeterProfile) -> str:
    return _STATUS_TEXT[profile.status]


def _address(spec: RegisterSpec) -> str:
    return f"0x{spec.address:04X} ({spec.address})"


def _scale(profile: MeterProfile, measurand: Measurand, spec: RegisterSpec) -> str:
    factor = f"{spec.scale:g}"
    unit = measurand.unit or "-"
    return f"x {factor} -> {unit}"


def _profile_section(profile: MeterProfile) -> list[str]:
    lines = [
        f"### {profile.vendor} {profile.model} (`{profile.id}`)",
        "",
        f"- Status: {_status(profile)}",
        f"- Source: {profile.source}",
        f"- Phases: {profile.phases}; function code {int(profile.function_code)}; "
        f"word order {profile.word_order.value}",
    ]
    if profile.aliases:
        lines.append(f"- Same map as: {', '.join(profile.aliases)}")
    quirks = []
    if profile.unsigned_current:
        quirks.append("unsigned currents (sign from phase power)")
    if profile.sums_phase_power:
        quirks.append("total power = sum of phases")
    if profile.not_available_all_ones:
        quirks.append("all-0xFF = not available")
    if profile.warmup_s:
        quirks.append(f"warm-up {profile.warmup_s:g} s after power-up")
    if profile.default_parity != "N":
        quirks.append(f"documented default parity {profile.default_parity}")
    if quirks:
        lines.append(f"- Quirks: {'; '.join(quirks)}")
    if profile.notes:
        lines.append(f"- Notes: {profile.notes}")
    lines.append("")
    if not profile.registers:
        lines += ["No register map could be verified; use the Custom profile.", ""]
        return lines
    lines += [
        "| Quantity | Address | FC | Type | Word order | Scale |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for measurand in Measurand:
        spec = profile.spec(measurand)
        if spec is None:
            continue
        lines.append(
            f"| {measurand.value} | {_address(spec)} | {int(profile.function_code_of(spec))} "
            f"| {spec.data_type.value} | {profile.word_order_of(spec).value} "
            f"| {_scale(profile, measurand, spec)} |"
        )
    lines.append("")
    return lines


def render() -> str:
    """Return the whole docs/meters.md text."""
    lines = [_INTRO.format(max_read=MAX_REGISTERS_PER_READ), "## Meters", ""]
    lines += [
        "| Profile | Vendor | Model | Phases | Status |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{p.id}` | {p.vendor} | {p.model} | {p.phases} | {_status(p)} |" for p in PROFILES
    ]
    lines += ["", "## Settled disagreements", ""]
    lines += [f"- **{p.vendor} {p.model}**: {p.notes}" for p in PROFILES if "Settled" in p.notes]
    lines += ["", "## Register maps", ""]
    for profile in PROFILES:
        lines += _profile_section(profile)
    lines.append(_DEVELOPERS)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
