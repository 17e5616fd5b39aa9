"""`make bench`: the pieces of scripts/bench.py (simulation, one-shot timings, container)."""
