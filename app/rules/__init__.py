"""Staff and the responsibility rules: `routes` serves the staff lookup
(`/staff/responsibility`) and the rules editor (`/staff/rules`: list, edit, history,
import and export); the rules themselves are `app.responsibility`."""
