"""`python -m gate` is the same program as the `codecatalyst-gate` console script."""

from gate.cli import main

if __name__ == "__main__":
    main()
