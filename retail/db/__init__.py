"""The project's PostgreSQL backend: Django's, with a health check that costs no round trip,
transaction control sent with the next statement, and no pattern-matching indexes nobody uses."""
