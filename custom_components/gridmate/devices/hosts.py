"""Host fields as users type them: a host name or address, optionally followed by a port."""

from __future__ import annotations


def split_host(host: str) -> tuple[str, int | None]:
    """Split 'host' or 'host:port' into the name or address and the port (None: none given).

    An IPv6 address carries a port only inside brackets ('[fe80::1]:81'); a bare IPv6 address
    ('fe80::1') comes back whole, without a port.
    """
    host = host.strip()
    if host.startswith("["):
        addr, _, rest = host[1:].partition("]")
        return addr, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if host.count(":") == 1:
        name, port = host.split(":")
        if port.isdigit():
            return name, int(port)
    return host, None
