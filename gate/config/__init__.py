"""Settings: the raw inputs every door gives, their rules, and the frozen settings they become."""
