"""When to call again: the poll policy, the retry step and the one pacing a gate shares."""
