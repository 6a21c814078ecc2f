"""Installation checks as repair issues: raised after their minimum duration, cleared when fixed."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import MqttMockHAClient

from custom_components.gridmate.const import DOMAIN

from .conftest import Clock, Feeder, setup_monitor


async def _run(clock: Clock, feeder: Feeder, seconds: int, step: int = 5) -> None:
    for _ in range(seconds // step):
        await clock.advance(step)
        feeder.realtime(step)


def _issue(hass: HomeAssistant, entry: MockConfigEntry, finding: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{entry.entry_id}_{finding}")


async def test_reversed_ct_issue(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """The heat pump's L2 CT clamped backwards: an issue after 3 minutes, gone when fixed."""
    entry = await setup_monitor(hass, feeder)
    feeder.model.reverse_ct(7)
    await _run(clock, feeder, 170)
    assert _issue(hass, entry, "reversed_ct_load_6") is None
    await _run(clock, feeder, 20)
    issue = _issue(hass, entry, "reversed_ct_load_6")
    assert issue is not None
    assert issue.translation_key == "monitor_reversed_ct"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert not issue.is_fixable
    assert issue.translation_placeholders == {
        "name": entry.title,
        "load": "Heat pump",
        "channels": "Heat pump - Phase 2 (L2): -800 W, PF -0.90",
    }
    feeder.model.reverse_ct(7, False)
    await _run(clock, feeder, 290)
    assert _issue(hass, entry, "reversed_ct_load_6") is not None
    await _run(clock, feeder, 20)
    assert _issue(hass, entry, "reversed_ct_load_6") is None


async def test_wrong_phase_issue(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """The EV charger's L1 CT is on the L2 conductor: a wrong-phase issue after 5 minutes."""
    entry = await setup_monitor(hass, feeder)
    feeder.model.misplace_ct(9, 1)
    await _run(clock, feeder, 320)
    issue = _issue(hass, entry, "wrong_phase_load_9")
    assert issue is not None
    assert issue.translation_key == "monitor_wrong_phase"
    assert issue.translation_placeholders["load"] == "EV charger"
    assert issue.translation_placeholders["channels"].startswith("EV charger - Phase 1 (L1):")
    assert _issue(hass, entry, "reversed_ct_load_9") is None


async def test_too_many_points_issue(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """29 measuring points on the Power Box: an issue after a minute; fixing withdraws it."""
    entry = await setup_monitor(hass, feeder)
    feeder.model.installation.extra_unused_points = 29 - len(feeder.model.installation.channels)
    feeder.configuration()
    await _run(clock, feeder, 50)
    assert _issue(hass, entry, "too_many_points") is None
    await _run(clock, feeder, 20)
    issue = _issue(hass, entry, "too_many_points")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders == {"name": entry.title, "points": "29", "limit": "28"}
    feeder.model.installation.extra_unused_points -= 1
    feeder.configuration()
    await _run(clock, feeder, 5)
    assert _issue(hass, entry, "too_many_points") is None


async def test_no_realtime_while_present_issue(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """The gateway keeps publishing but no realtime: a bus error issue; realtime clears it."""
    entry = await setup_monitor(hass, feeder)
    for _ in range(34):  # 170 s of silence with the gateway's other topics still coming
        await clock.advance(5)
        feeder.send("presence", {"value": True})
    assert _issue(hass, entry, "no_realtime") is None
    for _ in range(4):
        await clock.advance(5)
        feeder.send("aggregated", feeder.model.aggregated_payload())
    issue = _issue(hass, entry, "no_realtime")
    assert issue is not None
    assert issue.translation_key == "monitor_no_realtime"
    feeder.realtime()
    await clock.advance(1)
    assert _issue(hass, entry, "no_realtime") is None


async def test_unload_withdraws_issues(
    hass: HomeAssistant, mqtt_mock: MqttMockHAClient, feeder: Feeder, clock: Clock
) -> None:
    """Issues belong to a loaded entry; they are recomputed after the next setup."""
    entry = await setup_monitor(hass, feeder)
    feeder.model.reverse_ct(12)
    await _run(clock, feeder, 200)
    assert _issue(hass, entry, "reversed_ct_load_12") is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert _issue(hass, entry, "reversed_ct_load_12") is None
