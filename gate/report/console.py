"""Whether a terminal interprets the live line's escape sequences (ECMA-48: erase the line, colours).

Terminals on Linux and macOS do. A Windows console does once its handle has ENABLE_VIRTUAL_TERMINAL_PROCESSING,
which Windows Terminal and VS Code set and the classic console host (conhost) leaves to the program: the gate
asks for it, and where the console refuses (before Windows 10 1511) the display falls back to plain lines rather
than print `←[2K` on every frame.
"""

from __future__ import annotations

import sys
from typing import TextIO

ENABLE_VIRTUAL_TERMINAL_PROCESSING = 0x0004

if sys.platform == "win32":
    import ctypes
    import msvcrt
    from ctypes import wintypes

    def vt_ready(stream: TextIO) -> bool:
        """Turns on VT processing for the console behind `stream`; False when it has none or refuses."""
        try:
            handle = msvcrt.get_osfhandle(stream.fileno())
            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            mode = wintypes.DWORD()
            if not kernel32.GetConsoleMode(handle, ctypes.byref(mode)):
                return False
            if mode.value & ENABLE_VIRTUAL_TERMINAL_PROCESSING:
                return True
            return bool(kernel32.SetConsoleMode(handle, mode.value | ENABLE_VIRTUAL_TERMINAL_PROCESSING))
        except (AttributeError, OSError, ValueError):
            return False
else:
    def vt_ready(stream: TextIO) -> bool:
        """Terminals here interpret ECMA-48 sequences as they are."""
        return True
