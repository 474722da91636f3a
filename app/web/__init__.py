"""The web kit every feature uses and that imports no feature.

`rendering` (page or fragment: the only reader of `HX-Request`; `hx_redirect`),
`deps` (typed dependencies: `ServicesDep`, `SettingsDep`), `middleware` (access log,
language and security headers, search limit, body limit), `csrf` (same-origin and token checks),
`ratelimit` (sliding-window limits per key and IP).
"""
