"""The Modbus TCP side: a real pymodbus ``ModbusTcpServer`` that serves one client at a time.

pymodbus 3.13.1 converts its classic datastores (``ModbusSparseDataBlock`` & co.) into the new
``SimDevice``/``SimData`` model at construction and copies the values, so later changes to a
sparse block never reach the wire. We therefore build a ``SimDevice`` (id 0 = answers every unit
id) whose ``action`` hook fills the requested registers from the simulator's current register
image on every read. The image is replaced as a whole per telegram, so one read is always one
consistent snapshot, like the device promises.

The device accepts one TCP client at a time (manual 5.3). ``ConnectionGate`` records the active
connection; a second one is accepted by the kernel (TCP has no other way to say no once we
listen) and closed immediately, before any request is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import time
from typing import Any

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.server.requesthandler import ServerRequestHandler
from pymodbus.simulator import DataType, SimData, SimDevice

READ_FUNCTION_CODES = frozenset({3, 4})


@dataclass(slots=True)
class ConnectionGate:
    """The one-client rule and the counters the tests and benchmarks read."""

    connections_accepted: int = 0
    connections_refused: int = 0
    transactions: int = 0
    hold_times: list[float] = field(default_factory=list)  # seconds, per closed connection
    active: object | None = None
    _opened_at: float = 0.0

    def try_accept(self, handler: object) -> bool:
        """Admit ``handler`` unless another connection is active."""
        if self.active is not None and self.active is not handler:
            self.connections_refused += 1
            return False
        self.active = handler
        self.connections_accepted += 1
        self._opened_at = time.perf_counter()
        return True

    def release(self, handler: object) -> None:
        """Record that ``handler``'s connection closed (idempotent)."""
        if self.active is handler:
            self.hold_times.append(time.perf_counter() - self._opened_at)
            self.active = None

    def reset(self) -> None:
        """Zero the counters (the active connection stays)."""
        self.connections_accepted = self.connections_refused = self.transactions = 0
        self.hold_times.clear()


class _OneClientHandler(ServerRequestHandler):
    """pymodbus' per-connection handler, plus the one-client rule and counting."""

    def __init__(self, owner: SmartConnectModbusServer) -> None:
        super().__init__(owner, None, None, None)  # type: ignore[no-untyped-call]
        self._gate = owner.gate

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if not self._gate.try_accept(self):
            self.close()  # closes the socket and unregisters from the listener

    def callback_disconnected(self, exc: Exception | None) -> None:
        super().callback_disconnected(exc)
        self._gate.release(self)

    async def handle_request(self) -> None:
        if self.last_pdu is not None:
            self._gate.transactions += 1
        await super().handle_request()  # type: ignore[no-untyped-call]


class SmartConnectModbusServer(ModbusTcpServer):
    """``ModbusTcpServer`` whose connections go through a ``ConnectionGate``."""

    def __init__(
        self,
        *,
        served_addresses: frozenset[int],
        image: Callable[[], Mapping[int, int]],
        gate: ConnectionGate,
        address: tuple[str, int],
    ) -> None:
        self.gate = gate
        self._served = served_addresses
        self._image = image
        super().__init__(_build_device(served_addresses, self._action), address=address)

    def callback_new_connection(self) -> _OneClientHandler:
        return _OneClientHandler(self)

    @property
    def bound_port(self) -> int:
        """The TCP port the listener is bound to (after ``serve_forever(background=True)``)."""
        server: Any = self.transport
        return int(server.sockets[0].getsockname()[1])

    async def _action(  # noqa: PLR0917 (pymodbus calls it positionally)
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        """Fill the requested registers from the current image (called by pymodbus per request)."""
        if function_code not in READ_FUNCTION_CODES or set_values is not None:
            return ExcCodes.ILLEGAL_FUNCTION
        image = self._image()
        for addr in range(address, address + count):
            if addr not in self._served:
                return ExcCodes.ILLEGAL_ADDRESS
            registers[addr - start_address] = image.get(addr, 0)
        return None


def _build_device(
    served: frozenset[int],
    action: Callable[[int, int, int, int, list[int], list[int] | list[bool] | None], Any],
) -> SimDevice:
    """A SimDevice with one register run per contiguous range of served addresses."""
    runs: list[SimData] = []
    ordered = sorted(served)
    start = previous = ordered[0]
    for addr in [*ordered[1:], None]:
        if addr is not None and addr == previous + 1:
            previous = addr
            continue
        runs.append(SimData(start, count=previous - start + 1, datatype=DataType.REGISTERS))
        if addr is not None:
            start = previous = addr
    return SimDevice(0, simdata=runs, action=action)
