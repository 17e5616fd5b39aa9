"""The wait itself: the one loop over the picked runs, its listing round, and the stop guard."""
