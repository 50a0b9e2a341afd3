"""``FARM_FINGERPRINT`` as BigQuery computes it, for the embedded warehouse.

Hash functions, "FARM_FINGERPRINT": "Computes the fingerprint of the STRING or BYTES input using
the Fingerprint64 function from the open-source FarmHash library. The output of this function
for a particular input will never change." Return type INT64: the 64-bit fingerprint read as a
signed integer. Processors use it for deterministic sampling and splits
(``MOD(ABS(FARM_FINGERPRINT(game_id)), 10) < 8``), so the embedded warehouse must give the same
numbers, not merely some hash.

This is FarmHash's ``Fingerprint64`` (the "na" variant of its 64-bit hash, a descendant of
CityHash64) written in Python from the published algorithm: short inputs are mixed whole (0-16,
17-32 and 33-64 bytes each have their own mix), longer ones in 64-byte blocks with a final pass
over the last 64 bytes. All arithmetic is modulo 2**64, words are read little-endian. DuckDB has
no FarmHash; the embedded warehouse registers :func:`farm_fingerprint` as the DuckDB function
``bq_farm_fingerprint`` (one call per row, about a microsecond per short string). The reference
page's examples and fingerprints of every length from 0 to 300 bytes are in
``tests/unit/bigquery/test_farm_fingerprint.py``.

Example::

    farm_fingerprint('1footrue')   # -1541654101129638711, as the reference page shows
"""

from __future__ import annotations

import struct

#: The DuckDB function name the embedded warehouse registers.
FARM_FINGERPRINT_FUNCTION = "bq_farm_fingerprint"

_MASK = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F
_WORD = struct.Struct("<Q")
_HALF = struct.Struct("<I")


def _word(data: bytes, at: int) -> int:
    return int(_WORD.unpack_from(data, at)[0])


def _rotate(value: int, shift: int) -> int:
    """Rotate a 64-bit value right by ``shift`` bits (1 to 63: every caller's is a constant)."""
    return ((value >> shift) | (value << (64 - shift))) & _MASK


def _shift_mix(value: int) -> int:
    return value ^ (value >> 47)


def _mix16(u: int, v: int, mul: int) -> int:
    """Two words into one (a Murmur-style mix, as FarmHash's HashLen16 with a multiplier)."""
    a = ((u ^ v) * mul) & _MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK
    b ^= b >> 47
    return (b * mul) & _MASK


def _up_to_16(data: bytes) -> int:
    size = len(data)
    if size >= 8:
        mul = _K2 + size * 2
        a = (_word(data, 0) + _K2) & _MASK
        b = _word(data, size - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK
        d = ((_rotate(a, 25) + b) * mul) & _MASK
        return _mix16(c, d, mul)
    if size >= 4:
        mul = _K2 + size * 2
        a = int(_HALF.unpack_from(data, 0)[0])
        return _mix16((size + (a << 3)) & _MASK, int(_HALF.unpack_from(data, size - 4)[0]), mul)
    if size > 0:
        y = data[0] + (data[size >> 1] << 8)
        z = size + (data[size - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _up_to_32(data: bytes) -> int:
    size = len(data)
    mul = _K2 + size * 2
    a = (_word(data, 0) * _K1) & _MASK
    b = _word(data, 8)
    c = (_word(data, size - 8) * mul) & _MASK
    d = (_word(data, size - 16) * _K2) & _MASK
    return _mix16((_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK,
                  (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)


def _up_to_64(data: bytes) -> int:
    size = len(data)
    mul = _K2 + size * 2
    a = (_word(data, 0) * _K2) & _MASK
    b = _word(data, 8)
    c = (_word(data, size - 8) * mul) & _MASK
    d = (_word(data, size - 16) * _K2) & _MASK
    y = (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK
    z = _mix16(y, (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_word(data, 16) * mul) & _MASK
    f = _word(data, 24)
    g = ((y + _word(data, size - 32)) * mul) & _MASK
    h = ((z + _word(data, size - 24)) * mul) & _MASK
    return _mix16((_rotate((e + f) & _MASK, 43) + _rotate(g, 30) + h) & _MASK,
                  (e + _rotate((f + a) & _MASK, 18) + g) & _MASK, mul)


def _weak32(data: bytes, at: int, a: int, b: int) -> tuple[int, int]:
    """A 16-byte state from 32 bytes at ``at`` and two seeds (FarmHash's WeakHashLen32WithSeeds)."""
    w, x, y, z = (_word(data, at + offset) for offset in (0, 8, 16, 24))
    a = (a + w) & _MASK
    b = _rotate((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def fingerprint64(data: bytes) -> int:
    """FarmHash's ``Fingerprint64`` of ``data``: an unsigned 64-bit integer.

    Example::

        fingerprint64(b'1footrue') == (-1541654101129638711) % 2**64   # True
    """
    size = len(data)
    if size <= 16:
        return _up_to_16(data)
    if size <= 32:
        return _up_to_32(data)
    if size <= 64:
        return _up_to_64(data)
    seed = 81
    x = (seed * _K2 + _word(data, 0)) & _MASK
    y = (seed * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v0 = v1 = w0 = w1 = 0
    end = ((size - 1) // 64) * 64
    last = size - 64
    at = 0
    while True:
        x = (_rotate((x + y + v0 + _word(data, at + 8)) & _MASK, 37) * _K1) & _MASK
        y = (_rotate((y + v1 + _word(data, at + 48)) & _MASK, 42) * _K1) & _MASK
        x ^= w1
        y = (y + v0 + _word(data, at + 40)) & _MASK
        z = (_rotate((z + w0) & _MASK, 33) * _K1) & _MASK
        v0, v1 = _weak32(data, at, (v1 * _K1) & _MASK, (x + w0) & _MASK)
        w0, w1 = _weak32(data, at + 32, (z + w1) & _MASK, (y + _word(data, at + 16)) & _MASK)
        z, x = x, z
        at += 64
        if at == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    at = last
    w0 = (w0 + ((size - 1) & 63)) & _MASK
    v0 = (v0 + w0) & _MASK
    w0 = (w0 + v0) & _MASK
    x = (_rotate((x + y + v0 + _word(data, at + 8)) & _MASK, 37) * mul) & _MASK
    y = (_rotate((y + v1 + _word(data, at + 48)) & _MASK, 42) * mul) & _MASK
    x ^= (w1 * 9) & _MASK
    y = (y + v0 * 9 + _word(data, at + 40)) & _MASK
    z = (_rotate((z + w0) & _MASK, 33) * mul) & _MASK
    v0, v1 = _weak32(data, at, (v1 * mul) & _MASK, (x + w0) & _MASK)
    w0, w1 = _weak32(data, at + 32, (z + w1) & _MASK, (y + _word(data, at + 16)) & _MASK)
    z, x = x, z
    return _mix16((_mix16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _MASK,
                  (_mix16(v1, w1, mul) + x) & _MASK, mul)


def farm_fingerprint(value: str | bytes | None) -> int | None:
    """BigQuery's ``FARM_FINGERPRINT(value)``: the signed INT64 of ``fingerprint64`` of the
    STRING's UTF-8 bytes (or of the BYTES); NULL for NULL.

    Example::

        farm_fingerprint('2applefalse')   # 2794438866806483259
    """
    if value is None:
        return None
    unsigned = fingerprint64(value.encode("utf-8") if isinstance(value, str) else bytes(value))
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned
