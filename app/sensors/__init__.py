"""Case managers as the programme's sensors: anonymous interface-problem reports (issue 14, 5)."""
