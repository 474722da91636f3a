"""The HSDS 3.1 API (Open Referral) under `/api/v1/hsds/`: `routes`; the shapes are made
by `directory.hsds`."""
