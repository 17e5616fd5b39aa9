"""`python -m gate.emulator`: the emulator without the rest of the CLI."""

from __future__ import annotations

from gate.emulator.command import emulator_command

if __name__ == "__main__":
    emulator_command(prog_name="python -m gate.emulator")
