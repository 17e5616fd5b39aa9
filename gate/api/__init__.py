"""The CodeCatalyst API: one checked call per operation, over a transport that owns the network."""
