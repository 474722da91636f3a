"""Search over HTTP: `routes` serves `/api/v1/search`, `/api/v1/kommunen`, `/healthz` and
`/readyz` (contracts in DESIGN.md); the search itself is `index/`."""
