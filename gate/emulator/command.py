"""`codecatalyst-gate emulator`: serve the emulator until SIGTERM or SIGINT, then exit 0."""

from __future__ import annotations

import signal
import ssl
import sys
import threading

import click

HANDLED = (signal.SIGINT, signal.SIGTERM)


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it loopback).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (the first stdout line says which).")
@click.option("--token", envvar="CODECATALYST_EMULATOR_TOKEN",
              help="Accept only this bearer token [env CODECATALYST_EMULATOR_TOKEN]; default: any non-empty one.")
@click.option("--scenario", metavar="FILE|NAME",
              help="Scenario JSON file, or a built-in one: flaky, hostile, stuck.")
@click.option("--quiet", is_flag=True, help="Do not log each request on stderr.")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this PEM certificate "
              "(chain); needs --key.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="The PEM private key of --cert.")
def emulator_command(*, host: str, port: int, token: str | None, scenario: str | None, quiet: bool,
                     cert: str | None, key: str | None) -> None:
    """Serve a local CodeCatalyst workflow-run API for trying the gate without an account.

    Prints the base URL (e.g. http://127.0.0.1:8080, https://... with --cert) as the first line on stdout. Seeded:
    space ExampleCorp, project MyDemoProject, workflows MyDemoWorkflow (its runs succeed) and
    BrokenWorkflow (its runs fail). Stop it with Ctrl-C or SIGTERM.
    """
    from gate.emulator.checks import ScenarioError
    from gate.emulator.server import Emulator

    log = None if quiet else (lambda line: click.echo(f"emulator: {line}", err=True))
    if (cert is None) != (key is None):
        raise click.UsageError("--cert and --key go together: HTTPS needs the certificate and its key")
    try:
        emulator = Emulator(host=host, port=port, token=token, scenario=scenario, log=log, cert=cert, key=key)
    except (ScenarioError, ValueError) as e:
        raise click.BadParameter(str(e), param_hint="--scenario" if isinstance(e, ScenarioError) else "--token")
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
            click.echo(f"emulator: workflow {workflow.name} id {workflow.id}", err=True)
        click.echo(f"emulator: space {emulator.state.space}, project {emulator.state.project}; "
                   f"{'one fixed token' if token else 'any bearer token'} accepted", err=True)
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
