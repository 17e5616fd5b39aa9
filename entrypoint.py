#!/usr/bin/env python3
"""Container entrypoint: arguments mean the CLI (`docker run IMAGE wait …`); none mean the GitHub Action."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if argv:
        from gate.cli import main as cli

        cli.main(args=argv, prog_name="codecatalyst-gate")
        return 0  # click exits itself; not reached
    from gate.action import run

    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
