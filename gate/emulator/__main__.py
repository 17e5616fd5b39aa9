"""`python -m gate.emulator`: the emulator without the rest of the CLI."""

from __future__ import annotations

from gate.emulator.command import emulator_command
from gate.textsafe import escape_what_streams_cannot_encode

if __name__ == "__main__":
    escape_what_streams_cannot_encode()  # as the CLI's door does: no stream encoding makes a log line raise
    emulator_command(prog_name="python -m gate.emulator")
