"""Untrusted text made safe to print: on one line, with no control characters."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")


def one_line(text: str) -> str:
    """Newlines become a visible `\\n`, other control characters `\\xNN`: nothing can start a new line."""
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
