"""The device's float32 wire format, written independently of the driver's helpers.

The Smart Connect sends each float32 as two registers, big-endian inside a register and
word-swapped: the LOW word first ("CD AB"). 230.0 is 0x43660000 and goes out as the registers
[0x0000, 0x4366]. This module deliberately does not import the driver's encoder so that a word
order bug in one of them shows up as a failing test instead of cancelling out.
"""

from __future__ import annotations

import math
import struct


def encode_float32(value: float) -> tuple[int, int]:
    """Encode a value as the device sends it: (low word, high word), each 0..0xFFFF.

    Values beyond float32's range become +/-inf, as a float32 meter would report them.
    """
    try:
        raw = struct.pack(">f", value)
    except OverflowError:
        raw = struct.pack(">f", math.copysign(math.inf, value))
    high = int.from_bytes(raw[0:2], "big")
    low = int.from_bytes(raw[2:4], "big")
    return low, high


def decode_float32(first: int, second: int) -> float:
    """Decode two registers in wire order (first = low word, second = high word)."""
    raw = second.to_bytes(2, "big") + first.to_bytes(2, "big")
    return float(struct.unpack(">f", raw)[0])


def float32(value: float) -> float:
    """Round a value to what survives a trip through the device's float32 registers."""
    return decode_float32(*encode_float32(value))
