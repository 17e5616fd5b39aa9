"""What the gate tells: the sink of outputs, the displays, and the formats each CI system reads."""
