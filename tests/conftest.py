"""Shared fixtures for the Gridmate tests."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
import shutil
import socket
import subprocess
import time
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

# Home Assistant's loader finds our integration only if the package is imported before the first
# test: pytest-homeassistant-custom-component ships its own `custom_components` package.
import custom_components.gridmate  # noqa: F401


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let every test load custom integrations."""
    return


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create every entity enabled, including the ones disabled by default."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots through Home Assistant's extension: registry ids and timestamps normalised."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


# --- A real MQTT broker (mosquitto, installed by scripts/setup) and HA's MQTT integration ---

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@dataclass(frozen=True, slots=True)
class Broker:
    """A running mosquitto on 127.0.0.1."""

    host: str
    port: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def mosquitto(socket_enabled: None, tmp_path: Path) -> Generator[Broker]:
    """A throw-away mosquitto broker: anonymous, no persistence, its own port."""
    if not Path(MOSQUITTO).exists():  # pragma: no cover - scripts/setup installs it
        pytest.fail("mosquitto is not installed: run scripts/setup")
    port = _free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "log_dest stderr\nlog_type error\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, err = process.communicate()
                pytest.fail(f"mosquitto did not start: {err.decode(errors='replace')}")
            time.sleep(0.02)
    try:
        yield Broker("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
        if process.stderr:
            process.stderr.close()


@pytest.fixture
async def mqtt_broker_entry(
    hass: HomeAssistant, mock_hass_config: None, mosquitto: Broker
) -> MockConfigEntry:
    """Home Assistant's own MQTT integration, set up and connected to the real broker."""
    from homeassistant.components import mqtt
    from homeassistant.components.mqtt.const import (
        CONFIG_ENTRY_MINOR_VERSION,
        CONFIG_ENTRY_VERSION,
    )

    entry = MockConfigEntry(
        domain=mqtt.DOMAIN,
        data={mqtt.CONF_BROKER: mosquitto.host, CONF_PORT: mosquitto.port},
        version=CONFIG_ENTRY_VERSION,
        minor_version=CONFIG_ENTRY_MINOR_VERSION,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    client = hass.data[mqtt.DATA_MQTT].client
    deadline = time.monotonic() + 10
    while not client.connected:
        assert time.monotonic() < deadline, "HA's MQTT client did not connect to mosquitto"
        await asyncio.sleep(0.02)
    return entry


async def mqtt_settled(hass: HomeAssistant, within_s: float = 10.0) -> None:
    """Wait until HA's MQTT client has sent every queued (un)subscribe and got its ack.

    HA batches subscriptions after a cool-down and acknowledges them asynchronously; a test
    that publishes right after subscribing would race it.
    """
    from homeassistant.components import mqtt

    client = hass.data[mqtt.DATA_MQTT].client
    deadline = time.monotonic() + within_s
    while (
        client._pending_subscriptions or client._pending_unsubscribes or client._pending_operations
    ):
        assert time.monotonic() < deadline, "MQTT subscriptions did not settle"
        await asyncio.sleep(0.02)
