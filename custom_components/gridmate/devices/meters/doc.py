"""Generate the meter list and register maps in docs/meters.md from the profile table.

The user guide around them is written by hand; only the part between the markers
``<!-- BEGIN generated: meter profiles -->`` and ``<!-- END generated: meter profiles -->`` is
generated. Run from the repository root: ``python -m custom_components.gridmate.devices.meters.doc``
(rewrites docs/meters.md; ``--check`` exits 1 when it is stale). A test fails when the file and
the table disagree.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import sys

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

BEGIN = "<!-- BEGIN generated: meter profiles -->"
END = "<!-- END generated: meter profiles -->"

_INTRO = """\
<!-- Generated from custom_components/gridmate/devices/meters/profiles.py by
     `python -m custom_components.gridmate.devices.meters.doc`: edit the table, not this part. -->

## Supported meters

Every value is reported in SI units: V, A, W (positive = import from the grid), Wh (shown in
Home Assistant as kWh), Hz. Values that decode to NaN, infinity, a meter's "not available"
marker or something no residential connection can produce are reported as unknown, never as
numbers.

Status of each register map:

- **verified**: the registers were read in the vendor's own document.
- **cross-checked**: not read in the vendor document itself, but independent public
  implementations that cite the vendor document agree (and real-device reports where noted).
- **unverified**: a single secondary source or an inference. The map may be wrong; check the
  values against the meter's display, or enter a custom map. Marked ⚠ in the meter list.

Quirks the profiles handle:

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
        f"#### {profile.vendor} {profile.model} (`{profile.id}`)",
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


def generated() -> str:
    """The generated part of docs/meters.md (without the markers)."""
    lines = [_INTRO.format(max_read=MAX_REGISTERS_PER_READ), "### Meters", ""]
    lines += [
        "| Profile | Vendor | Model | Phases | Status |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{p.id}` | {p.vendor} | {p.model} | {p.phases} | {_status(p)} |" for p in PROFILES
    ]
    lines += ["", "### Settled disagreements", ""]
    lines += [f"- **{p.vendor} {p.model}**: {p.notes}" for p in PROFILES if "Settled" in p.notes]
    lines += ["", "### Register maps", ""]
    for profile in PROFILES:
        lines += _profile_section(profile)
    return "\n".join(lines).rstrip("\n") + "\n"


def render(text: str) -> str:
    """`text` (docs/meters.md) with its generated part replaced from the table."""
    head, begin, rest = text.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"docs/meters.md lacks the {BEGIN} / {END} markers")
    return f"{head}{BEGIN}\n{generated()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite docs/meters.md in place, or with --check report whether it is current."""
    parser = argparse.ArgumentParser(description="Regenerate the meter part of docs/meters.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("path", nargs="?", default="docs/meters.md")
    args = parser.parse_args(argv)
    path = Path(args.path)
    text = path.read_text(encoding="utf-8")
    fresh = render(text)
    if args.check:
        return 0 if fresh == text else 1
    if fresh != text:
        path.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
