"""Corrections from outside the Kommune: the public's "suggest a correction" and the
provider's personal link ("still valid" or proposed changes); editors decide in a queue."""
