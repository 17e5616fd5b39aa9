"""An answer's body with its Content-Encoding undone and its size capped, step by step as it is read (pure).

Why our own inflating: a gzip bomb inflates a thousandfold; zlib's `max_length` keeps each step small, so memory
stays bounded by the cap (gate.api.transport.MAX_ANSWER_BYTES) whatever the server sends.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from gate.errors import InvalidResponse

ACCEPT_ENCODING = "gzip, deflate"  # the ones inflated here; never br or zstd, whatever is installed
_CHUNK = 64 * 1024
_OTHER_CODINGS = ("br", "zstd", "compress", "x-compress", "dcb", "dcz", "exi", "pack200-gzip", "aes128gcm")


def cap_text(max_bytes: int) -> str:
    return f"{max_bytes // (1024 * 1024)} MiB" if max_bytes % (1024 * 1024) == 0 else f"{max_bytes} bytes"


def _inflate(chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """One Content-Encoding undone, never more than _CHUNK bytes out per step; multi-member gzip included."""
    wbits = 31 if coding in ("gzip", "x-gzip") else 15  # deflate: zlib-wrapped, or raw as some servers send
    inflater = zlib.decompressobj(wbits)
    started = False
    try:
        for chunk in chunks:
            data = chunk
            while data:
                if not started and coding == "deflate":
                    started = True
                    try:
                        inflater.copy().decompress(data[:2])
                    except zlib.error:
                        inflater = zlib.decompressobj(-15)
                out = inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
                if inflater.eof and inflater.unused_data:
                    data, inflater = inflater.unused_data + data, zlib.decompressobj(wbits)
                if out:
                    yield out
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as e:
        raise InvalidResponse(f"the answer's {coding} encoding is corrupt: {e}") from None


def decoded(chunks: Iterator[bytes], content_encoding: str) -> Iterator[bytes]:
    """The body with its Content-Encoding undone, step by step (codings apply in order, so undo in reverse)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            # Named only when it is a registered coding: a server's own text never reaches a message.
            shown = f"Content-Encoding {coding}" if coding in _OTHER_CODINGS else "an unknown Content-Encoding"
            raise InvalidResponse(f"the answer uses {shown}, which the gate did not ask for "
                                  f"(it accepts {ACCEPT_ENCODING})")
        chunks = _inflate(chunks, coding)
    return chunks


def read_capped(chunks: Iterator[bytes], *, max_bytes: int) -> bytes:
    """All of `chunks`, or InvalidResponse naming the cap as soon as they pass it (nothing more is read)."""
    parts, total = [], 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise InvalidResponse(f"the answer is larger than {cap_text(max_bytes)}, the gate's cap on an "
                                  "answer (MAX_ANSWER_BYTES, after decompression); it was not read further")
        parts.append(chunk)
    return b"".join(parts)
