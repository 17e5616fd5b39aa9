"""Which runs to gate: the rules that pick a workflow and its run, and the picker that applies them."""
