"""The Kommunen's reference data and settings for admins (`/staff/kommunen`): `routes`."""
