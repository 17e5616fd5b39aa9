"""`codecatalyst-gate emulator`: serve the emulator until SIGTERM or SIGINT, then exit 0; `emulator start-run`
starts a run on one that is serving."""

from __future__ import annotations

import io
import math
import os
import signal
import ssl
import sys
import threading

import click

from gate.errors import exit_codes_help

HANDLED = (signal.SIGINT, signal.SIGTERM)


def in_background_of_a_terminal(stream: object) -> bool:
    """True when `stream` is a terminal whose foreground belongs to someone else: `emulator &` in the shell where
    the gate then draws its live status line, which a request log would draw over."""
    # Windows has no process group owning a console: never in the background there.
    tcgetpgrp, getpgrp = getattr(os, "tcgetpgrp", None), getattr(os, "getpgrp", None)
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        if tcgetpgrp is None or getpgrp is None or not os.isatty(fd):
            return False
        return bool(tcgetpgrp(fd) != getpgrp())
    except (AttributeError, ValueError, io.UnsupportedOperation):  # no file behind it (a test's buffer)
        return False
    except OSError:  # a terminal that is not our controlling one: not ours alone either
        return True


def rate_limit(value: str | None) -> float | None:
    """--rate-limit: requests per second, a finite number above 0."""
    if value is None:
        return None
    from gate.emulator.ratelimit import rate_problem

    try:
        rate = float(value)
    except ValueError:
        rate = math.nan
    if rate_problem(rate):
        raise click.BadParameter(f"{value!r} {rate_problem(rate)} (e.g. 3 or 0.5)", param_hint="--rate-limit")
    return rate


@click.group("emulator", invoke_without_command=True, epilog=exit_codes_help("emulator"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the first stdout line says which).")
@click.option("--token", envvar="CODECATALYST_EMULATOR_TOKEN",
              help="Accept only this bearer token [env CODECATALYST_EMULATOR_TOKEN]; default: any non-empty one.")
@click.option("--scenario", metavar="FILE|NAME",
              help="Scenario JSON file, or a built-in one: busy, flaky, hostile, stuck.")
@click.option("--page-size", type=click.IntRange(1), default=None,
              help="ListWorkflows/ListWorkflowRuns pages hold at most N items whatever maxResults says, "
                   "so clients must follow nextToken (default: the scenario's pageSize, else maxResults).")
@click.option("--listing-order", type=click.Choice(["newest-first", "oldest-first", "unordered"]), default=None,
              help="How ListWorkflowRuns orders its runs; the API documents no order, so a client must work with "
                   "each (default: the scenario's listingOrder, else newest-first). unordered is a fixed shuffle.")
@click.option("--quiet/--log-requests", default=None,
              help="Log each request on stderr, or not [default: not when started in the background of a terminal "
                   "(`emulator &`), where the log would draw over the gate's status line; else logged].")
@click.option("--rate-limit", metavar="R", callback=lambda _ctx, _param, value: rate_limit(value), default=None,
              help="Answer 429 ThrottlingException beyond R requests per second per bearer token (bursts of R, "
                   "rounded up); the scenario's rateLimit sets the burst, per space, Retry-After (default: none).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this PEM certificate "
              "(chain); needs --key.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="The PEM private key of --cert.")
@click.pass_context
def emulator_command(ctx: click.Context, *, host: str, port: int, token: str | None, scenario: str | None,
                     page_size: int | None, listing_order: str | None, quiet: bool | None, cert: str | None,
                     key: str | None, rate_limit: float | None) -> None:
    """Serve a local CodeCatalyst workflow-run API for trying the gate without an account.

    Prints the base URL (e.g. http://127.0.0.1:8080, https://... with --cert) as the first line on stdout. Seeded:
    space ExampleCorp, project MyDemoProject, workflows MyDemoWorkflow (its runs succeed) and
    BrokenWorkflow (its runs fail). Stop it with Ctrl-C or SIGTERM. `emulator start-run` starts a run on it.
    """
    if ctx.invoked_subcommand is not None:
        return
    if quiet is None:
        quiet = in_background_of_a_terminal(sys.stderr)
    from gate.emulator.checks import ScenarioError
    from gate.emulator.ratelimit import RateLimit
    from gate.emulator.server import Emulator

    log = None if quiet else (lambda line: click.echo(f"emulator: {line}", err=True))
    if (cert is None) != (key is None):
        raise click.UsageError("--cert and --key go together: HTTPS needs the certificate and its key")
    try:
        emulator = Emulator(host=host, port=port, token=token, scenario=scenario, log=log,
                            page_size=page_size, listing_order=listing_order, cert=cert, key=key,
                            rate_limit=None if rate_limit is None else RateLimit.of(rate_limit))
    except (ScenarioError, ValueError) as e:
        raise click.BadParameter(str(e), param_hint="--scenario" if isinstance(e, ScenarioError) else "--token") from e
    except ssl.SSLError as e:
        raise click.BadParameter(f"cannot load the certificate and key: {e.reason or e}",
                                 param_hint="--cert/--key") from None
    try:
        emulator.start()
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}. The port may be in use; "
                                   "pass --port 0 to pick a free one.") from None
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda _signum, _frame: stop.set()) for sig in HANDLED}
    try:
        click.echo(emulator.base_url)
        sys.stdout.flush()
        for workflow in emulator.scenario.workflows:
            click.echo(f"emulator: workflow {workflow.name} id {workflow.id} ({workflow.source_repository} "
                       f"{workflow.source_branch}, run mode {workflow.run_mode})", err=True)
        click.echo(f"emulator: space {emulator.state.space}, project {emulator.state.project}; "
                   f"{'one fixed token' if token else 'any bearer token'} accepted", err=True)
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@emulator_command.command("start-run", epilog=exit_codes_help("emulator start-run"))
@click.option("--endpoint", envvar="CODECATALYST_ENDPOINT", default="http://127.0.0.1:8080", show_default=True,
              help="The running emulator's URL (the first line it printed) [env CODECATALYST_ENDPOINT].")
@click.option("--workflow", default="MyDemoWorkflow", show_default=True,
              help="Workflow name (exact) or ID; the seeded MyDemoWorkflow succeeds, BrokenWorkflow fails.")
@click.option("--space", envvar="CODECATALYST_SPACE", default="ExampleCorp", show_default=True,
              help="[env CODECATALYST_SPACE]")
@click.option("--project", envvar="CODECATALYST_PROJECT", default="MyDemoProject", show_default=True,
              help="[env CODECATALYST_PROJECT]")
def start_run_command(*, endpoint: str, workflow: str, space: str, project: str) -> None:
    """Start a run on a running emulator and print its ID (for `wait --run-id`).

    The token is CODECATALYST_TOKEN (or CODECATALYST_EMULATOR_TOKEN); an emulator started without
    `emulator --token` takes any. Waits up to 10 s for an emulator started a moment before to listen.
    """
    from gate.emulator.startrun import StartFailed, start_run
    from gate.errors import InputError

    token = (os.environ.get("CODECATALYST_TOKEN") or os.environ.get("CODECATALYST_EMULATOR_TOKEN")
             or "emulator-token").strip()
    try:
        run_id = start_run(endpoint=endpoint, space=space, project=project, workflow=workflow, token=token)
    except InputError as e:
        raise click.UsageError(str(e)) from None
    except StartFailed as e:
        raise click.ClickException(str(e)) from None
    click.echo(run_id)  # the new run's ID, the only thing on stdout
