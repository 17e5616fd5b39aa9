"""`python -m gate` is the same program as the `codecatalyst-gate` console script."""

from gate.doors.cli import main

if __name__ == "__main__":
    main()
