#!/usr/bin/env python3
"""Container entrypoint: arguments mean the CLI (`docker run IMAGE wait …`); none, in a GitHub Actions runner, mean
the Action; none anywhere else print the usage and the `docker run` forms (gate.doors.container)."""

from __future__ import annotations

import os
import sys


def at_a_terminal() -> bool:
    return any(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def main(argv: list[str]) -> int:
    from gate.doors.container import DOCKER_RUN, runs_the_action
    from gate.textsafe import escape_what_streams_cannot_encode

    escape_what_streams_cannot_encode()  # the usage below too: no stream encoding makes a write raise

    if argv:
        from gate.doors.cli import main as cli

        cli.main(args=argv, prog_name="codecatalyst-gate", obj=DOCKER_RUN)
        return 0  # click exits itself; not reached
    if not runs_the_action(os.environ, at_a_terminal=at_a_terminal()):
        import click

        from gate.doors.cli import main as cli
        from gate.doors.container import usage

        with click.Context(cli, info_name="codecatalyst-gate", **cli.context_settings) as ctx:
            sys.stderr.write(usage(cli.get_help(ctx)))
        return 2
    from gate.doors.action import run

    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
