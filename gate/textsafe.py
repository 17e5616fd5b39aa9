"""Untrusted text made safe to print: on one line, with no control characters, in any stream encoding."""

from __future__ import annotations

import codecs
import json
import re
import sys
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")


def one_line(text: str) -> str:
    """Newlines become a visible `\\n`, other control characters `\\xNN`: nothing can start a new line."""
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")
    def visible(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(visible, text)


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
# In JSON text from json.dumps, outside printable ASCII (a raw newline there is indentation, never inside a
# string), or the first `#` of `##vso` / `##[`: the candidates inert_json checks one by one.
_JSON_UNSAFE = re.compile(r"[^\x20-\x7e\n]|#(?=#(?:vso|\[))", re.IGNORECASE)


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


def json_escape(char: str) -> str:
    """One character as JSON `\\uXXXX` escapes (a surrogate pair beyond the BMP)."""
    data = char.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(data[i:i + 2], 'big'):04x}" for i in range(0, len(data), 2))


def inert_json(text: str) -> str:
    """The same JSON value, with every invisible character and the `#` of any `##vso` or `##[` as a `\\uXXXX`
    escape: printed anywhere (stdout, a file a later step cats), no CI system finds a command in it.

    Both can only be inside JSON strings (JSON's own syntax is ASCII and has no `#`), where an escape means the
    character itself.
    """
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return json_escape(char) if char == "#" or invisible(char) else char

    return _JSON_UNSAFE.sub(escape, text)


def json_text(value: Any, *, indent: int | None = None) -> str:
    """`value` as inert JSON text (see inert_json); compact unless `indent` is given."""
    separators = None if indent is not None else (",", ":")
    return inert_json(json.dumps(value, indent=indent, separators=separators, ensure_ascii=False))


ESCAPE_UNENCODABLE = "codecatalyst-gate-escape"


def escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character the stream's encoding lacks becomes its JSON `\\uXXXX` escape (a
    surrogate pair beyond the BMP). In JSON text (whose syntax is ASCII, so such a character is inside a string) the
    escape means the character itself; in a line of text it is a visible stand-in. Never raises."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(json_escape(char) if not 0xD800 <= ord(char) <= 0xDFFF else f"\\u{ord(char):04x}"
                   for char in text), error.end


codecs.register_error(ESCAPE_UNENCODABLE, escape_unencodable)


def utf8(text: str) -> bytes:
    """`text` as UTF-8 for a file, whatever it holds: a lone surrogate (JSON's `\\ud800` decodes to one, and no
    UTF-8 encodes it) becomes its `\\uXXXX` escape, which in JSON text means that same character again."""
    return text.encode("utf-8", ESCAPE_UNENCODABLE)


def escape_what_streams_cannot_encode(*streams: Any) -> None:
    """Each text stream (stdout and stderr when none are given) keeps its encoding but writes what that encoding
    lacks as escapes instead of raising: a Windows pipe in cp1252, PYTHONIOENCODING=ascii or a C locale can never
    turn a verdict into a traceback. Files are written as UTF-8 by their writers, whatever the locale."""
    codecs.register_error(ESCAPE_UNENCODABLE, escape_unencodable)  # idempotent: the same name, the same handler
    for stream in streams or (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) != ESCAPE_UNENCODABLE:
            stream.flush()
            reconfigure(errors=ESCAPE_UNENCODABLE)
