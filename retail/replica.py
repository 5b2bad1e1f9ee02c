"""Reads that may go to a streaming replica (docs/scaling.md "Read replica").

Only code that says so reads the replica: a block or view wrapped in ``reading_replica()`` (the KPI
API, the KPI dashboard pages, the periodic reports, the snapshot computation). Everything else, and
every write, uses the primary, as without a replica. Inside such a block the router still reads
the primary when

- ``DATABASE_REPLICA_URL`` is unset (there is no ``replica`` alias);
- the replica does not answer: the first read of the block connects, and a refusal or timeout is
  logged and sends this block, and every block of the next ``RETRY_SECONDS``, to the primary
  (a page never fails because the replica is gone);
- the block has written (a save, an update, a ``select_for_update``): what it reads next must see
  its own write, which the replica may not have replayed yet ("pinned" to the primary);
- the primary is inside a transaction (``atomic``): reads there belong to that transaction;
- the model is one of the login and scheduling tables (``PRIMARY_ONLY_APPS``): a session or a
  token created a moment ago must be found.

A block is per thread and per task (a ``contextvars`` variable); nested blocks share the outer
block's state, so a write anywhere in a request pins the rest of it."""

import contextlib
import contextvars
import logging
import time
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
RETRY_SECONDS = 30.0
PRIMARY_ONLY_APPS = frozenset(
    {"auth", "authtoken", "sessions", "contenttypes", "admin", "axes", "django_celery_beat"}
)


@dataclass
class _Block:
    pinned: bool = False  # the block has written: the rest of it reads the primary
    replica_up: bool | None = None  # checked at the block's first replica read


_block: contextvars.ContextVar[_Block | None] = contextvars.ContextVar("replica_block", default=None)
_down_until = 0.0  # monotonic time before which the replica is not tried again


@contextlib.contextmanager
def reading_replica():
    """Let the reads of this block (or decorated view or task) go to the replica."""
    token = _block.set(_block.get() or _Block())
    try:
        yield
    finally:
        _block.reset(token)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _replica_answers() -> bool:
    """Connect (or check the kept connection) once per block; a failure marks the replica down."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    replica = connections[REPLICA]
    try:
        if replica.connection is not None and not replica.is_usable():
            replica.close()
        replica.ensure_connection()
    except DatabaseError:
        _down_until = time.monotonic() + RETRY_SECONDS
        logger.warning(
            "read replica unreachable: reading the primary for %.0f s", RETRY_SECONDS, exc_info=True
        )
        return False
    return True


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: the rules of the module docstring."""

    def db_for_read(self, model, **hints):
        block = _block.get()
        if (
            block is None
            or block.pinned
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or not replica_configured()
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        if block.replica_up is None:
            block.replica_up = _replica_answers()
        return REPLICA if block.replica_up else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        block = _block.get()
        if block is not None:
            block.pinned = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: an object read from one may point at one
        # read from the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None
