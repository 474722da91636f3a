"""Internal monitoring: `/metrics` for Prometheus, reachable from internal networks only."""
