"""codecatalyst-gate: wait on an Amazon CodeCatalyst workflow run and turn it into an exit code."""

__version__ = "1.0.0"
