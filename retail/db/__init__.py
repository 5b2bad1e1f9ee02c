"""The project's PostgreSQL backend: Django's, with a health check that costs no round trip and
transaction control sent with the next statement."""
