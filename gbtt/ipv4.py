"""IPv4 addresses and networks as numbers, read quickly: an inventory holds
tens of thousands of them, and `ipaddress` takes microseconds for each.
The usual forms ("10.52.19.11", "10.52.19.0/26") are read by a pattern;
anything else is left to `ipaddress` to judge, so both agree on every input
(tests/test_schemas.py compares them)."""
from __future__ import annotations

import functools
import ipaddress
import re
import socket

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_ADDRESS = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_PREFIXED = re.compile(rf"({_OCTET}(?:\.{_OCTET}){{3}})/(3[0-2]|[12]?[0-9])")


def _number(dotted: str) -> int:
    return int.from_bytes(socket.inet_aton(dotted), "big")


def address(value) -> int | None:
    """The address as a number; None if `value` is not an IPv4 address."""
    return _address(value) if isinstance(value, str) else None


def network(value) -> tuple[int, int, int] | None:
    """(first address, prefix length, last address); None if `value` is not
    an IPv4 network in CIDR form without host bits."""
    return _network(value) if isinstance(value, str) and "/" in value else None


@functools.lru_cache(maxsize=65536)
def _address(value: str) -> int | None:
    if _ADDRESS.fullmatch(value):
        return _number(value)
    try:
        return int(ipaddress.IPv4Address(value))
    except ValueError:
        return None


@functools.lru_cache(maxsize=65536)
def _network(value: str) -> tuple[int, int, int] | None:
    m = _PREFIXED.fullmatch(value)
    if m:
        start, prefix = _number(m.group(1)), int(m.group(2))
        hosts = 0xFFFFFFFF >> prefix
        return (start, prefix, start | hosts) if start & hosts == 0 else None
    try:
        net = ipaddress.IPv4Network(value)
    except ValueError:
        return None
    return int(net.network_address), net.prefixlen, int(net.broadcast_address)


def interface(value: str) -> bool:
    """An address with its prefix length ("10.52.19.1/26")."""
    if _PREFIXED.fullmatch(value):
        return True
    try:
        ipaddress.IPv4Interface(value)
        return True
    except ValueError:
        return False


def text(number: int) -> str:
    return socket.inet_ntoa(number.to_bytes(4, "big"))


def network_text(net: tuple[int, int, int]) -> str:
    return f"{text(net[0])}/{net[1]}"
