"""Pieces the benchmark harnesses share: percentiles, free ports, a throw-away mosquitto."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from pathlib import Path
import shutil
import socket
import subprocess
import tempfile
import time

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`: the nearest sample, no interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_mosquitto(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """An anonymous mosquitto without persistence on 127.0.0.1:`port`, accepting connections.

    Its configuration file goes into `workdir`; the caller terminates the process.
    """
    config = workdir / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n", encoding="utf-8"
    )
    proc = subprocess.Popen(
        [MOSQUITTO, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError("mosquitto did not start") from None
            time.sleep(0.05)
        else:
            return proc


@contextlib.contextmanager
def mosquitto() -> Iterator[int]:
    """A mosquitto (see `start_mosquitto`) on a free port for the `with` block; its port."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_mosquitto(port, Path(tmp))
        try:
            yield port
        finally:
            proc.terminate()
            proc.wait()
