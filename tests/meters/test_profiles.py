"""The profile table: every meter the issue names, consistent maps, honest statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.gridmate.devices.meters import doc
from custom_components.gridmate.devices.meters.profiles import (
    CUSTOM_DATA_TYPES,
    PROFILES,
    PROFILES_BY_ID,
    CustomRegister,
    DataType,
    FunctionCode,
    Measurand,
    Status,
    WordOrder,
    custom_profile,
)

ISSUE_METERS = {
    "phoenix_eem350",
    "finder_7e",
    "finder_7m",
    "eastron_sdm630",
    "eastron_sdm230",
    "eastron_sdm72d_v1",
    "eastron_sdm72d_v2",
    "abb_b23",
    "sinotimer_dts6619",
    "wago_879_30x0",
    "inepro_pro380",
    "schneider_iem3x5x",
    "chint_dtsu666",
    "cg_em340",
    "cg_em111",
    "lumel_nmid30_2",
    "ivy_em118090",
    "ivy_em519033",
    "ivy_dts353f_2",
    "phoenix_empro",
}


def test_every_issue_meter_has_a_profile() -> None:
    assert set(PROFILES_BY_ID) == ISSUE_METERS
    assert len(PROFILES) == len(PROFILES_BY_ID)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.id)
def test_profile_is_consistent(profile) -> None:
    assert profile.source
    assert profile.status is not Status.USER
    if profile.status is Status.UNVERIFIED:
        assert profile.notes, "unverified profiles must say why"
    taken: dict[tuple[int, int], Measurand] = {}
    for measurand, spec in profile.registers.items():
        assert measurand.phase is None or measurand.phase <= profile.phases
        function_code = profile.function_code_of(spec)
        for address in range(spec.address, spec.address + spec.width):
            assert (function_code, address) not in taken, f"{measurand} overlaps"
            taken[(function_code, address)] = measurand


def test_quirk_flags() -> None:
    assert PROFILES_BY_ID["abb_b23"].not_available_all_ones
    assert PROFILES_BY_ID["sinotimer_dts6619"].sums_phase_power
    assert PROFILES_BY_ID["eastron_sdm630"].unsigned_current
    for ivy in ("ivy_em118090", "ivy_em519033", "ivy_dts353f_2"):
        assert PROFILES_BY_ID[ivy].warmup_s >= 60
    assert not PROFILES_BY_ID["ivy_em118090"].usable


def test_settled_disagreements() -> None:
    chint = PROFILES_BY_ID["chint_dtsu666"]
    assert chint.registers[Measurand.VOLTAGE_L1].address == 0x2006
    schneider = PROFILES_BY_ID["schneider_iem3x5x"]
    assert schneider.registers[Measurand.ENERGY_IMPORT].data_type is DataType.INT64
    assert schneider.registers[Measurand.ENERGY_IMPORT].scale == 1.0  # Wh
    finder = PROFILES_BY_ID["finder_7m"]
    assert finder.registers[Measurand.ENERGY_IMPORT].address == 2752
    assert PROFILES_BY_ID["cg_em111"].word_order is WordOrder.LOW_FIRST
    empro = PROFILES_BY_ID["phoenix_empro"]
    assert empro.registers[Measurand.ENERGY_IMPORT].address == 0x8100
    assert empro.registers[Measurand.ENERGY_EXPORT].address == 0x8106
    assert empro.registers[Measurand.ENERGY_IMPORT].scale == 1.0  # Wh


def test_custom_profile_validation() -> None:
    with pytest.raises(ValueError, match="at least one"):
        custom_profile({})
    with pytest.raises(ValueError, match="not allowed"):
        custom_profile(
            {
                Measurand.POWER: CustomRegister(
                    function_code=FunctionCode.INPUT, address=0, data_type=DataType.UINT64
                )
            }
        )
    profile = custom_profile(
        {
            m: CustomRegister(function_code=FunctionCode.INPUT, address=i * 2, data_type=t)
            for i, (m, t) in enumerate(
                zip((Measurand.POWER, Measurand.ENERGY_IMPORT), CUSTOM_DATA_TYPES, strict=False)
            )
        }
    )
    assert profile.status is Status.USER
    assert profile.id == "custom"


def test_docs_are_generated_from_the_table() -> None:
    docs = Path(__file__).parents[2] / "docs" / "meters.md"
    text = docs.read_text(encoding="utf-8")
    assert text == doc.render(text), "run: python -m custom_components.gridmate.devices.meters.doc"
    assert doc.main(["--check", str(docs)]) == 0


def test_docs_generation_replaces_only_the_marked_part(tmp_path: Path) -> None:
    page = tmp_path / "meters.md"
    page.write_text(f"# Guide\n\nhand-written\n\n{doc.BEGIN}\nstale\n{doc.END}\n\nmore\n")
    assert doc.main(["--check", str(page)]) == 1
    assert doc.main([str(page)]) == 0
    text = page.read_text()
    assert text.startswith("# Guide\n\nhand-written\n\n")
    assert text.endswith(f"{doc.END}\n\nmore\n")
    assert "stale" not in text
    assert "| `eastron_sdm630` | Eastron | SDM630 | 3 | cross-checked |" in text
    assert doc.main(["--check", str(page)]) == 0
    with pytest.raises(ValueError, match="markers"):
        doc.render("no markers")


def test_profile_validation_rejects_impossible_maps() -> None:
    from custom_components.gridmate.devices.meters.profiles import MeterProfile, RegisterSpec

    def make(**kwargs: object) -> MeterProfile:
        return MeterProfile(
            id="t",
            vendor="t",
            model="t",
            phases=kwargs.pop("phases", 3),  # type: ignore[arg-type]
            function_code=FunctionCode.INPUT,
            word_order=WordOrder.HIGH_FIRST,
            registers={Measurand.POWER: RegisterSpec(address=10, data_type=DataType.INT64)},
            status=Status.USER,
            source="t",
            **kwargs,  # type: ignore[arg-type]
        )

    with pytest.raises(ValueError, match="phases"):
        make(phases=2)
    with pytest.raises(ValueError, match="one read"):
        make(max_registers_per_read=2)
    with pytest.raises(ValueError, match="refused"):
        make(refused=((12, 20),))
    with pytest.raises(ValueError, match=r"1\.\.125"):
        make(max_registers_per_read=126)
    with pytest.raises(ValueError, match="out of range"):
        RegisterSpec(address=0xFFFF, data_type=DataType.INT32)
    with pytest.raises(ValueError, match="scale"):
        RegisterSpec(address=0, data_type=DataType.INT16, scale=0)
