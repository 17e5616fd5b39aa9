"""Untrusted text made safe to print: on one line, with no control characters."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")


def one_line(text: str) -> str:
    """Newlines become a visible `\\n`, other control characters `\\xNN`: nothing can start a new line."""
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


# Characters a culture-aware string search may skip as if absent (Unicode Default_Ignorable_Code_Point,
# DerivedCoreProperties.txt), so that "#\u200b#vso[" could still match "##vso[".
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Azure's agent runs a logging command found anywhere in a line of stdout or stderr (`IndexOf("##vso[")`),
# and its log viewer formats `##[error]`, `##[group]`... lines (the agent's logger checks `Contains("##[group]")`).
_AZURE_COMMAND = re.compile(r"##(?=vso|\[)", re.IGNORECASE)


def invisible(char: str) -> bool:
    """A control, format, line/paragraph separator or default-ignorable character."""
    import unicodedata

    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or _IGNORABLE.match(char) is not None


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def inert_line(text: str) -> str:
    """`one_line`, invisible characters made visible, and `##vso` (and `##[`) broken as the Azure agent's own
    `StringUtil.DeactivateVsoCommands` does (`**vso`): no CI system finds a command anywhere in it."""
    text = _NON_ASCII.sub(lambda m: _visible(m.group()) if invisible(m.group()) else m.group(), one_line(text))
    return _AZURE_COMMAND.sub("**", text)
