"""The editors' work in the staff area: offers, their history and freshness, reference data."""
