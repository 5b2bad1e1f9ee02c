"""Outgoing webhooks (floor: Django only, no domain app): the endpoints other systems register, and
the delivery outbox.

The chain runs one way, as in ``retail.notifications``: ``outbox`` (rows written in the business
transaction by ``retail.events.emit``) → ``tasks`` (Celery, after commit and periodically) →
``delivery`` (the signed HTTP POST, recorded on the row). ``services`` manages the endpoints."""
