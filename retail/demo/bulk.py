"""The bulk path of the demo (``load_demo --fast``): the same plan and timeline as the service path,
replayed in memory with the rules of the services (reservation in the first warehouse by priority
that has the units, the automatic audit, the promise date, the pick list per warehouse, the ledger
row of every stock move, SLA due times, CSI, coupon limits, refunds), then written in big batches:
``COPY`` on PostgreSQL (psycopg2's ``copy_expert``), multi-row INSERTs on SQLite.

It writes the rows the KPIs, the pages and ``check_stock_ledger`` read: orders with their lines
and stage stamps, payments, pick lists with lines and scans, shipments with carrier events, stock
rows and ledger rows, customers, contact logs, tickets with replies, surveys with answers, coupons
with redemptions, after-sales requests with lines. It leaves out what only the service path proves:
the audit trail (StateLog), change records and the notification outbox, QC records, outbound notes
and shipping plans (docs/operations.md says so). Staff, warehouses and the catalog go through the
services in both paths (a few hundred rows)."""

import io
import json
import queue
import secrets
import sys
import threading
from collections import defaultdict, deque
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from aftersales.models import AftersalesLine, AftersalesRequest
from crm import selectors as crm_selectors
from crm.models import (
    ContactLog,
    Coupon,
    CouponRedemption,
    CouponUsage,
    Customer,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    TicketReply,
)
from inventory.models import Stock, StockMovement
from logistics.models import PickList, PickListLine, PickRecord, Shipment, ShipmentEvent
from orders.models import Order, OrderLine, Payment
from orders.services import shipping_fee_for
from retail.models import Sequence
from retail.numbering import SEQUENCE_PREFIXES, sequence_name

from . import data
from .fulfilment import TRACKING_TEXTS, tracking_number, tracking_place
from .orders import payment_reference
from .shop import DemoShop, OrderPlan

CENT = Decimal("0.01")
S = Order.Status
MODELS = [
    Customer,
    Order,
    OrderLine,
    Payment,
    Stock,
    StockMovement,
    PickList,
    PickListLine,
    PickRecord,
    Shipment,
    ShipmentEvent,
    ContactLog,
    Ticket,
    TicketReply,
    Survey,
    SurveyResponse,
    SurveyAnswer,
    Coupon,
    CouponUsage,
    CouponRedemption,
    AftersalesRequest,
    AftersalesLine,
]
CHUNK_ORDERS = 10_000  # placed orders between two writes: memory stays flat at any size
CUSTOMER_BATCH = 50_000
FREE = {Customer, Stock}  # never held back with an order (written at once, or at the end)
LAST = {Stock}  # changed by every stock move: written once, at the end
NULL = r"\N"
COPY_THREAD = True  # on PostgreSQL outside a caller's transaction: COPY on a thread (CopyThread)


class Table:
    """Rows of one model as dicts keyed by attname; ids given here (the tables start empty). A row
    added during an order's step waits with that order (``Live.rows``) until the order can change
    no more; then it joins ``rows``, the rows ready for the next write."""

    def __init__(self, model, writer):
        self.model, self.writer = model, writer
        self.fields = [f for f in model._meta.concrete_fields]
        self.defaults = {}
        for f in self.fields:
            if f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
            elif isinstance(f, models.CharField | models.TextField):
                self.defaults[f.attname] = ""
        # (attname, value when the row has none, text for COPY)
        self.spec = [(f.attname, self.defaults.get(f.attname), _pg_converter(f)) for f in self.fields]
        self.lines = _lines_function(self.spec)
        self.held = model not in FREE
        self.rows: list[dict] = []
        self.next_id = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.written = 0

    def add(self, **values) -> dict:
        values["id"] = self.next_id
        self.next_id += 1
        owner = self.writer.owner
        if owner is not None and self.held:
            owner.rows.append((self, values))
        else:
            self.rows.append(values)
        return values


class Writer:
    """Collects rows per model and writes them in chunks: COPY on PostgreSQL, multi-row INSERTs
    elsewhere; one transaction each in the caller's connection (foreign keys are checked at each
    commit), all in one on the copy thread (checked at its end). A chunk never points at a row
    still held: an order that redeems an apology coupon waits for the order whose ticket issued it
    (``Live.waits``)."""

    def __init__(self):
        self.owner = None  # the order whose step is replaying (its rows wait with it)
        self.tables = {model: Table(model, self) for model in MODELS}
        self.postgres = connection.vendor == "postgresql"
        self.atomic = None
        self.copier = None  # a CopyThread, on PostgreSQL outside a caller's transaction
        self.copies: list = []  # (COPY statement, its data) for the copier

    def __getitem__(self, model) -> Table:
        return self.tables[model]

    def begin(self) -> None:
        """Start writing: on PostgreSQL with no transaction open around the load, on a thread of
        its own; else in a transaction of this connection."""
        if COPY_THREAD and self.postgres and not connection.in_atomic_block:
            self.copier = CopyThread([model._meta.db_table for model in MODELS])
        else:
            self._atomic_begin()

    def _atomic_begin(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def end(self, exc_info=(None, None, None)) -> None:
        """Commit what is written (roll it back after an error)."""
        if self.copier is not None:
            copier, self.copier = self.copier, None
            copier.close(commit=exc_info[0] is None)
        atomic, self.atomic = self.atomic, None
        if atomic is not None:
            atomic.__exit__(*exc_info)

    def release(self, live) -> None:
        """``live`` can change no more: its rows join the next write."""
        for table, row in live.rows:
            table.rows.append(row)
        live.rows = []
        live.released = True

    def chunk(self) -> None:
        self.flush([m for m in MODELS if m not in LAST])
        if self.copier is not None:
            self.copier.put(self.copies)
            self.copies = []
        else:
            self.end()
            self._atomic_begin()

    def write_now(self, model) -> None:
        """Write the rows of ``model`` gathered so far, in the transaction of the next chunk."""
        self.flush([model])
        if self.copier is not None:
            self.copier.put(self.copies)
            self.copies = []

    def flush(self, models_=None) -> None:
        for model in models_ or MODELS:
            table = self.tables[model]
            if table.rows:
                (self._copy if self.postgres else self._insert)(table)
                table.written += len(table.rows)
                table.rows = []

    def _values(self, table: Table, row: dict, convert) -> list:
        out = []
        for f in table.fields:
            value = row[f.attname] if f.attname in row else table.defaults.get(f.attname)
            out.append(convert(f, value))
        return out

    def _copy(self, table: Table) -> None:
        buffer = io.BytesIO(table.lines(table.rows).encode())  # bytes: a quarter of the text's memory
        columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
        sql = f"COPY {connection.ops.quote_name(table.model._meta.db_table)} ({columns}) FROM STDIN"
        if self.copier is not None:
            self.copies.append((sql, buffer))
        else:
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(sql, buffer)

    def _insert(self, table: Table) -> None:
        columns = ", ".join(connection.ops.quote_name(f.column) for f in table.fields)
        width = len(table.fields)
        per = max(1, 900 // width)  # SQLite's bound-parameter limit
        marks = "(" + ", ".join(["%s"] * width) + ")"
        sql = f"INSERT INTO {connection.ops.quote_name(table.model._meta.db_table)} ({columns}) VALUES "
        with connection.cursor() as cursor:
            for start in range(0, len(table.rows), per):
                chunk = table.rows[start : start + per]
                params = []
                for row in chunk:
                    params.extend(self._values(table, row, _sqlite_value))
                cursor.execute(sql + ", ".join([marks] * len(chunk)), params)

    def finish(self, coupons) -> None:
        """The last rows and the stock rows (committed), then the coupons' use counts as they
        ended and the id sequences."""
        self.flush()
        if self.copier is not None:
            self.copier.put(self.copies)
            self.copies = []
            self.end()
            self._atomic_begin()  # bulk_load's end() commits what follows
        changed = [(use.id, use.used) for use in coupons if use.used != use.written]
        table = connection.ops.quote_name(Coupon._meta.db_table)
        with connection.cursor() as cursor:
            # Coupons used again after their row was written (one UPDATE each took 4 s of a
            # 300,000-order load), so one statement per batch.
            for start in range(0, len(changed), 50_000):
                batch = changed[start : start + 50_000]
                if self.postgres:
                    cursor.execute(
                        f"UPDATE {table} c SET used_count = v.used"
                        " FROM unnest(%s::bigint[], %s::int[]) AS v(id, used) WHERE c.id = v.id",
                        [[coupon_id for coupon_id, _ in batch], [used for _, used in batch]],
                    )
                else:
                    cursor.executemany(
                        f"UPDATE {table} SET used_count = %s WHERE id = %s", [(u, i) for i, u in batch]
                    )
            for statement in connection.ops.sequence_reset_sql(no_style(), MODELS):
                cursor.execute(statement)


class CopyThread:
    """COPY on a connection of its own while the replay goes on: PostgreSQL parses and stores one
    chunk on one core while Python builds the next on the other (the driver lets go of the
    interpreter while it waits on the server). One chunk waits at most, so memory stays flat; an
    error stops the thread and is raised by the next ``put`` or ``close``.

    The whole load is one transaction on that connection, and the tables are written bare: their
    unique constraints and secondary indexes are dropped at its start and made again at its end
    (``_bare``), under the same names and definitions, and where the role may (a superuser, as the
    benchmarks and ``make run`` connect) the rows skip the per-row foreign key triggers
    (``session_replication_role = replica``, this connection only) and each foreign key is checked
    once at the end by one query (``_foreign_keys_check``). Checking each row's keys at each commit
    and keeping two dozen indexes per order row took most of PostgreSQL's time, more as the tables
    grew; an index built once from the rows and one anti-join per key take a fraction of it, and
    every row is still checked. Only the loaded tables are touched (dropping a foreign key would
    lock the tables it points at, which the replay's own connection uses). A failed or stopped
    load rolls back with the drops, so the tables are never left without them."""

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.jobs: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="load_demo-copy", daemon=True)
        self.thread.start()

    def put(self, copies: list) -> None:
        self._raise()
        self.jobs.put(copies)

    def close(self, *, commit: bool) -> None:
        self.jobs.put(("end", commit))
        self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        import psycopg2.errors
        from django.db import connection as own  # this thread's connection

        try:
            own.ensure_connection()
            raw = own.connection
            raw.autocommit = False
            with raw.cursor() as cursor:
                try:
                    cursor.execute("SET session_replication_role = replica")
                    unchecked = True
                except psycopg2.errors.InsufficientPrivilege:
                    raw.rollback()
                    unchecked = False
                restore = _bare(cursor, self.tables)
            while True:
                copies = self.jobs.get()
                if copies[:1] == ("end",):
                    if copies[1]:
                        with raw.cursor() as cursor:
                            # Room to sort in memory (a million orders' ledger index: 2.7 s with
                            # 256MB, 2.1 s with 1GB) and to hash the keys checked (31 s with 4MB,
                            # 22 s with 256MB): this session only, for the end of the load.
                            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                            cursor.execute("SET LOCAL work_mem = '256MB'")
                            for statement in restore:
                                cursor.execute(statement)
                            if unchecked:
                                cursor.execute("RESET session_replication_role")
                                _foreign_keys_check(cursor, self.tables)
                        raw.commit()
                    else:
                        raw.rollback()
                    return
                with raw.cursor() as cursor:
                    for sql, buffer in copies:  # in one block: each block takes the interpreter back
                        cursor.copy_expert(sql, buffer, size=max(8192, buffer.getbuffer().nbytes))
        except BaseException as exc:  # raised in the loading thread
            self.error = exc
            while self.jobs.get()[:1] != ("end",):  # let the loading thread reach close()
                pass
        finally:
            own.close()


def _bare(cursor, tables: list[str]) -> list[str]:
    """Drop the unique constraints and secondary indexes of ``tables`` (primary keys, CHECKs and
    foreign keys stay) and give the statements that make them again as they were."""
    cursor.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
             FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'u'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refobjid = c.conindid AND d.deptype = 'n')
            ORDER BY 1, 2""",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1""",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    restore = [definition for _name, definition in indexes]
    restore += [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in constraints
    ]
    return restore


def _foreign_keys_check(cursor, tables: list[str]) -> None:
    """What PostgreSQL's own check of each foreign key of ``tables`` would have found: one scan of
    each table for all its keys (an anti-join per key; all the project's keys are one column),
    then, if a row points at no row, which key: raised as an ``IntegrityError``."""
    cursor.execute(
        """SELECT c.conrelid::regclass::text, c.conname, a.attname, c.confrelid::regclass::text, f.attname
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'f' AND cardinality(c.conkey) = 1
            ORDER BY 1, 2""",
        [tables],
    )
    keys = defaultdict(list)
    for table, *key in cursor.fetchall():
        keys[table].append(key)

    def dangling(column, target, key):
        return f'(t."{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r."{key}" = t."{column}"))'

    for table, table_keys in keys.items():
        cursor.execute(
            f"SELECT 1 FROM {table} t WHERE {' OR '.join(dangling(*key[1:]) for key in table_keys)} LIMIT 1"
        )
        if cursor.fetchone() is None:
            continue
        for name, column, target, key in table_keys:
            cursor.execute(
                f'SELECT t."{column}" FROM {table} t WHERE {dangling(column, target, key)} LIMIT 1'
            )
            missing = cursor.fetchone()
            if missing is not None:
                raise IntegrityError(f"{table}.{column} = {missing[0]} points at no row of {target} ({name})")


# Stand-ins for the column and row separators and NULL while a chunk's text is built: lone
# surrogates, which no text that can be written holds (UTF-8 cannot encode them).
_COLUMN, _ROW, _NULL = "\udc01", "\udc02", "\udc03"


def _text(value) -> str:
    return value if isinstance(value, str) else str(value)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _bool(value) -> str:
    return "t" if value else "f"


def _datetime(value) -> str:
    return value.isoformat()


def _lines_function(spec):
    """A function giving the COPY text of rows, written out for the table's columns: for each
    column NULL for None, else the value's text (the usual converters inline; a timestamp's text
    made once per chunk, since a step stamps several rows with the same moment). The values are
    joined with stand-ins for the separators and NULL and the whole text escaped at once (a few
    ``str.replace`` over it rather than a ``translate`` per value), then the stand-ins put back.
    A loop over the columns with a call per value was the largest cost on the Python side."""
    inline = {
        str: "str(v)",
        _datetime: "(T[v] if v in T else T.setdefault(v, v.isoformat()))",
        _text: "(v if v.__class__ is str else str(v))",
        _json: "dumps(v, ensure_ascii=False)",
        _bool: "('t' if v else 'f')",
    }
    names = {"NULL": _NULL, "COLUMN": _COLUMN, "dumps": json.dumps}
    parts = []
    for i, (attname, default, convert) in enumerate(spec):
        names[f"d{i}"], names[f"c{i}"] = default, convert
        text = inline.get(convert, f"c{i}(v)")
        parts.append(f"NULL if (v := g({attname!r}, d{i})) is None else {text}")
    source = (
        "def values(rows):\n"
        "    out = []\n"
        "    T = {}\n"
        "    for row in rows:\n"
        "        g = row.get\n"
        f"        out.append(COLUMN.join(({', '.join(parts)},)))\n"
        "    out.append('')\n"
        "    return out\n"
    )
    exec(compile(source, "<copy lines>", "exec"), names)  # noqa: S102 - our own column names
    values = names["values"]

    def lines(rows) -> str:
        text = _ROW.join(values(rows))
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return text.replace(_COLUMN, "\t").replace(_ROW, "\n").replace(_NULL, NULL)

    return lines


def _pg_converter(field):
    """The function giving a value's text in COPY's format, chosen once per column."""
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.BooleanField):
        return _bool
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey | models.DecimalField):
        return str
    return _text


def _sqlite_value(field, value):
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


class Numbers:
    """Document numbers as ``retail.numbering.document_number`` gives them: a PostgreSQL SEQUENCE
    per prefix (running across days) or a counter row per prefix and day; stored at the end so
    the services number on from there."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.counters: dict[str, int] = defaultdict(int)
        self.zone = timezone.get_current_timezone()
        self.days: dict = {}  # local date → its digits

    def next(self, prefix: str, moment: datetime) -> str:
        local = moment.astimezone(self.zone).date()
        day = self.days.get(local) or self.days.setdefault(local, local.strftime("%Y%m%d"))
        key = prefix if self.postgres and prefix in SEQUENCE_PREFIXES else prefix + day
        self.counters[key] += 1
        return f"{prefix}{day}{self.counters[key]:06d}"

    def store(self) -> None:
        with connection.cursor() as cursor:
            for key, value in self.counters.items():
                if self.postgres and key in SEQUENCE_PREFIXES:
                    cursor.execute("SELECT setval(%s, %s)", [sequence_name(key), value])
                else:
                    Sequence.objects.update_or_create(key=key, defaults={"value": value})


class CouponUse:
    """What a later redemption or cancellation reads and changes of an issued coupon, once its
    row is written (a million orders have some 800,000 coupons): the count used now and as
    written, and the order it is held with (an apology coupon's ticket's order) until released."""

    __slots__ = ("id", "value", "owner", "used", "written")

    def __init__(self, id_, value, owner):
        self.id, self.value, self.owner = id_, value, owner
        self.used = self.written = 0


class Live:
    """One order while its steps replay: its row, lines, pick lists, shipment, survey, ticket, and
    every row written on its behalf (``rows``: (table, row), held until the order can change no
    more). It keeps its plan alive: the live orders are found by the plan's id."""

    __slots__ = ("row", "lines", "pick_lists", "shipment", "survey", "ticket", "request", "coupon", "paid",
                 "rows", "plan", "waits", "released")  # fmt: skip

    def __init__(self, row, plan):
        self.row, self.lines, self.pick_lists, self.rows, self.plan = row, [], [], [], plan
        self.waits: list[Live] = []  # orders whose rows this one's point at (an apology coupon's)
        self.released = False
        self.shipment = self.survey = self.ticket = self.request = self.coupon = None
        self.paid = Decimal("0.00")  # applied payments less refunds


class Replay:
    """The services' rules, in memory, step by step in timeline order."""

    def __init__(self, shop: DemoShop):
        self.shop, self.w, self.numbers = shop, Writer(), Numbers()
        self.staff = {role: user.pk for role, user in shop.staff.items()}
        self.warehouse_ids = {code: w.pk for code, w in shop.warehouses.items()}
        self.warehouse_order = sorted(shop.warehouses.values(), key=lambda w: (w.priority, w.code))
        self.stock: dict[tuple, list] = {}  # (sku_id, warehouse_id) → [on_hand, reserved, row]
        self.live: dict[int, Live] = {}
        self.unpaid: dict[int, Live] = {}  # awaiting payment, unpaid: expiry candidates
        # Surveys created, not sent yet: in creation order, which is the order they fall due (a
        # fixed delay after completion, and the replay goes forward in time).
        self.unsent: deque = deque()
        self.coupons: dict[str, CouponUse] = {}
        self.redemptions: dict[str, tuple] = {}  # order number → (redemption, usage)
        self.sla: dict = {}
        self.names = {sku.pk: f"{sku.product.name} {sku.name}".strip()[:300] for sku in shop.skus}
        self.names[shop.shortage_sku.pk] = (
            f"{shop.shortage_sku.product.name} {shop.shortage_sku.name}".strip()[:300]
        )
        self.window = settings.ORDERS_PAYMENT_WINDOW
        self.weights = {k: Decimal(str(v)) for k, v in settings.CSI_WEIGHTS.items()}

    # -- stock ----------------------------------------------------------------------------------
    def _move(
        self, sku_id, warehouse_id, kind, at, reference, *, on_hand=0, reserved=0, actor=None, reason=""
    ):
        cell = self.stock.get((sku_id, warehouse_id))
        if cell is None:
            row = self.w[Stock].add(sku_id=sku_id, warehouse_id=warehouse_id, on_hand=0, reserved=0)
            cell = self.stock[(sku_id, warehouse_id)] = [0, 0, row]
        cell[0] += on_hand
        cell[1] += reserved
        self.w[StockMovement].add(
            sku_id=sku_id,
            warehouse_id=warehouse_id,
            kind=kind,
            on_hand_delta=on_hand,
            reserved_delta=reserved,
            reference=reference,
            reason=reason[:200],
            actor_id=actor,
            created_at=at,
        )

    def _reserve(self, sku_id: int, quantity: int) -> int | None:
        for warehouse in self.warehouse_order:
            cell = self.stock.get((sku_id, warehouse.pk))
            if cell is not None and warehouse.is_active and cell[0] - cell[1] >= quantity:
                return warehouse.pk
        return None

    def receive(self, at, *, warehouse, lines, reference):
        for sku, quantity in sorted(lines, key=lambda line: line[0].code):
            self._move(sku.pk, self.warehouse_ids[warehouse], "receipt", at, reference,
                       on_hand=quantity, actor=self.staff["warehouse"])  # fmt: skip

    def stock_settings(self, at, *, settings):
        by_id = {sku.pk: sku.code for sku in self.shop.skus}
        for (sku_id, _w), cell in self.stock.items():
            cell[2]["bin_location"], cell[2]["reorder_point"] = settings[by_id[sku_id]]

    # -- orders ---------------------------------------------------------------------------------
    def place(self, at, plan: OrderPlan):
        person = plan.customer
        number = self.numbers.next("SO", at)
        by = self.staff["sales"] if plan.channel in ("store", "phone") else None
        row = self.w[Order].add(
            number=number, channel=plan.channel, customer_id=person.pk, customer_name=person.name,
            customer_phone=person.phone, customer_email=person.email,
            shipping_address={} if plan.store else person.address, payment_method=plan.method,
            coupon_code=plan.coupon, created_by_id=by, placed_at=at, idempotency_key=None,
        )  # fmt: skip
        live = self.live[id(plan)]
        live.row = row
        plan.order_number = number
        for sku, quantity in sorted(plan.lines, key=lambda line: line[0].code):
            warehouse_id = self._reserve(sku.pk, quantity)
            if warehouse_id is not None:
                self._move(sku.pk, warehouse_id, "reservation", at, number, reserved=quantity, actor=by)
            live.lines.append(self._line(row, sku, quantity, warehouse_id))
        order_of = {sku.code: i for i, (sku, _q) in enumerate(plan.lines)}
        live.lines.sort(key=lambda line: order_of[line["sku_code"]])  # as placed (bulk_create order)
        self._price(row, live.lines)
        discount = Decimal("0.00")
        if plan.coupon:
            discount = self._redeem(plan.coupon, row, at)
        row["discount_total"] = discount
        row["total"] = row["subtotal"] - discount + row["shipping_fee"]
        row["needs_review"] = row["total"] > settings.ORDERS_REVIEW_THRESHOLD
        short = any(not line["reserved"] for line in live.lines)
        if plan.method == "cod":
            row["payment_status"] = "cod"
        elif plan.store:
            row["payment_status"], row["paid_at"] = "paid", at
        else:
            row["payment_status"] = "unpaid"
            row["payment_due_at"] = at + settings.ORDERS_PAYMENT_WINDOW_BY_METHOD.get(
                plan.method, self.window
            )
        if short:
            row["status"], row["backordered_at"] = S.BACKORDERED, at
        elif row["payment_status"] in ("paid", "cod") and not row["needs_review"]:
            self._confirm(row, at, plan)
        else:
            row["status"] = S.AWAITING_PAYMENT
            if row["payment_status"] == "unpaid":
                self.unpaid[row["id"]] = live
        if plan.store:
            self.w[Payment].add(order_id=row["id"], method=plan.method, provider="pos", reference=number,
                                amount=row["total"], applied=True, recorded_by_id=by, created_at=at)  # fmt: skip
            live.paid = row["total"]

    def _line(self, row, sku, quantity, warehouse_id) -> dict:
        return self.w[OrderLine].add(
            order_id=row["id"], sku_id=sku.pk, sku_code=sku.code, name=self.names[sku.pk], quantity=quantity,
            unit_price=sku.price, unit_cost=sku.cost, line_total=(sku.price * quantity).quantize(CENT),
            warehouse_id=warehouse_id, reserved=warehouse_id is not None,
        )  # fmt: skip

    def _price(self, row, lines):
        row["subtotal"] = sum((line["line_total"] for line in lines), Decimal("0.00"))
        row["shipping_fee"] = shipping_fee_for(channel=row["channel"], subtotal=row["subtotal"])

    def _confirm(self, row, at, plan):
        row["status"], row["confirmed_at"] = S.PENDING, at
        row["ship_due_at"] = at if plan.store else at + settings.SHIP_PROMISE
        self.unpaid.pop(row["id"], None)

    def _redeem(self, code, row, at) -> Decimal:
        coupon = self.coupons[code]
        coupon.used += 1
        owner = coupon.owner
        if owner is not None and not owner.released:
            self.w.owner.waits.append(owner)
        usage = self.w[CouponUsage].add(coupon_id=coupon.id, customer_id=row["customer_id"], used=1)
        discount = min(coupon.value, row["subtotal"])
        redemption = self.w[CouponRedemption].add(coupon_id=coupon.id, customer_id=row["customer_id"],
                                                  order_number=row["number"], discount=discount, redeemed_at=at)  # fmt: skip
        self.redemptions[row["number"]] = (redemption, usage)
        return discount

    def pay(self, at, plan, live, *, ref):
        row = live.row
        manual = plan.method == "bank_transfer"
        self.w[Payment].add(
            order_id=row["id"], method=plan.method, provider="" if manual else plan.method,
            reference=payment_reference(plan, row["number"], ref), amount=row["total"], applied=True,
            recorded_by_id=self.staff["sales"] if manual else None, created_at=at,
        )  # fmt: skip
        live.paid += row["total"]
        row["payment_status"], row["paid_at"] = "paid", at
        self.unpaid.pop(row["id"], None)
        if not row["needs_review"] and all(line["reserved"] for line in live.lines):
            self._confirm(row, at, plan)

    def review(self, at, plan, live):
        self._confirm(live.row, at, plan)

    def resolve(self, at, plan, live):
        row, shop = live.row, self.shop
        keep, drop = [], []
        wanted = {sku.code: q for sku, q in shop.final_lines(plan)}
        for line in live.lines:
            (keep if line["reserved"] and wanted.get(line["sku_code"]) == line["quantity"] else drop).append(
                line
            )
        for line in drop:
            if line["reserved"]:
                self._move(line["sku_id"], line["warehouse_id"], "release", at, row["number"],
                           reserved=-line["quantity"], actor=self.staff["sales"], reason="shortage resolved")  # fmt: skip
            live.rows = [held for held in live.rows if held[1] is not line]
        kept = {line["sku_code"] for line in keep}
        new = []
        for sku, quantity in sorted(shop.final_lines(plan), key=lambda line: line[0].code):
            if sku.code in kept:
                continue
            warehouse_id = self._reserve(sku.pk, quantity)
            self._move(sku.pk, warehouse_id, "reservation", at, row["number"], reserved=quantity,
                       actor=self.staff["sales"])  # fmt: skip
            new.append(self._line(row, sku, quantity, warehouse_id))
        live.lines = keep + new
        self._price(row, live.lines)
        row["discount_total"] = min(row.get("discount_total", Decimal("0.00")), row["subtotal"])
        row["total"] = row["subtotal"] - row["discount_total"] + row["shipping_fee"]
        row["needs_review"] = row["total"] > settings.ORDERS_REVIEW_THRESHOLD
        if row["payment_status"] == "unpaid":
            row["payment_due_at"] = at + self.window
        if row["payment_status"] in ("paid", "cod") and not row["needs_review"]:
            self._confirm(row, at, plan)
        else:
            row["status"] = S.AWAITING_PAYMENT
            if row["payment_status"] == "unpaid":
                self.unpaid[row["id"]] = live

    def _release_all(self, at, live, reason, actor):
        for line in live.lines:
            if line["reserved"]:
                self._move(line["sku_id"], line["warehouse_id"], "release", at, live.row["number"],
                           reserved=-line["quantity"], actor=actor, reason=reason)  # fmt: skip
                line["reserved"] = False

    def _cancelled(self, at, live, reason):
        row = live.row
        row["status"], row["cancelled_at"], row["cancel_reason"] = S.CANCELLED, at, reason
        if row["payment_status"] == "paid":
            row["payment_status"] = "refund_due"
        elif row["payment_status"] == "cod":
            row["payment_status"] = "unpaid"
        self.unpaid.pop(row["id"], None)
        if row["number"] in self.redemptions:
            redemption, usage = self.redemptions.pop(row["number"])
            redemption["released_at"] = at
            self.coupons[row["coupon_code"]].used -= 1
            usage["used"] -= 1
        for pick_list in live.pick_lists:
            if pick_list["status"] != "cancelled":
                pick_list["status"], pick_list["cancelled_at"] = "cancelled", at

    def cancel(self, at, plan, live, *, reason):
        self._release_all(at, live, reason or "cancel", self.staff["sales"])
        self._cancelled(at, live, reason)

    def expire(self, at, plan, live):
        for other in list(self.unpaid.values()):
            row = other.row
            if row["status"] == S.AWAITING_PAYMENT and row["payment_due_at"] <= at:
                self._release_all(at, other, "payment window expired", None)
                self._cancelled(at, other, "超过付款时限，自动取消")

    def refund(self, at, plan, live):
        row = live.row
        value = live.paid
        self.w[Payment].add(order_id=row["id"], kind="refund", method=row["payment_method"], provider="",
                            reference=f"RF{row['number']}", amount=value, applied=True,
                            recorded_by_id=self.staff["sales"], raw={"reason": "订单取消，原路退款"}, created_at=at)  # fmt: skip
        live.paid -= value
        row["payment_status"] = "refunded"

    # -- warehouse and carrier ------------------------------------------------------------------
    def start_picking(self, at, plan, live):
        row = live.row
        picker = self.staff["warehouse"]
        by_warehouse = defaultdict(list)
        for line in sorted(live.lines, key=lambda line: line["sku_code"]):
            by_warehouse[line["warehouse_id"]].append(line)
        for warehouse_id in sorted(by_warehouse):
            pick_list = self.w[PickList].add(number=self.numbers.next("PK", at), order_id=row["id"],
                                             warehouse_id=warehouse_id, picker_id=picker, status="open",
                                             created_at=at)  # fmt: skip
            pick_list["_lines"] = []
            for line in by_warehouse[warehouse_id]:
                cell = self.stock[(line["sku_id"], warehouse_id)]
                pick_list["_lines"].append(
                    self.w[PickListLine].add(
                        pick_list_id=pick_list["id"],
                        order_line_id=line["id"],
                        sku_id=line["sku_id"],
                        sku_code=line["sku_code"],
                        name=line["name"],
                        quantity=line["quantity"],
                        picked_quantity=0,
                        bin_location=cell[2].get("bin_location") or "",
                    )  # fmt: skip
                )
            live.pick_lists.append(pick_list)
        row["status"], row["picking_started_at"] = S.PROCESSING, at

    def pick(self, at, plan, live, *, code, scan):
        for pick_list in live.pick_lists:
            for line in pick_list["_lines"]:
                if line["sku_code"] == code:
                    sku = self.shop.sku_by_code[code]
                    scanned = sku.barcode if sku.barcode and scan == "barcode" else code
                    self.w[PickRecord].add(pick_list_id=pick_list["id"], line_id=line["id"], sku_id=line["sku_id"],
                                           code=scanned, quantity=line["quantity"], picker_id=self.staff["warehouse"],
                                           created_at=at)  # fmt: skip
                    line["picked_quantity"] = line["quantity"]
                    if pick_list["status"] == "open":
                        pick_list["status"], pick_list["started_at"] = "picking", at
                    if all(ln["picked_quantity"] == ln["quantity"] for ln in pick_list["_lines"]):
                        pick_list["status"], pick_list["completed_at"] = "completed", at
                    return

    def pack(self, at, plan, live):
        live.row["status"], live.row["packed_at"] = S.READY_TO_SHIP, at

    def ship(self, at, plan, live, *, carrier, suffix):
        row = live.row
        live.shipment = self.w[Shipment].add(
            number=self.numbers.next("SH", at), order_id=row["id"], carrier=carrier,
            tracking_number=tracking_number(plan, row["number"], carrier, suffix), status="created",
            shipped_at=at, shipped_by_id=self.staff["logistics"],
        )  # fmt: skip
        for line in sorted(live.lines, key=lambda line: (line["sku_id"], line["warehouse_id"])):
            if line["reserved"]:
                self._move(line["sku_id"], line["warehouse_id"], "shipment", at, row["number"],
                           on_hand=-line["quantity"], reserved=-line["quantity"], actor=self.staff["logistics"])  # fmt: skip
                line["reserved"] = False
        row["status"], row["shipped_at"] = S.SHIPPED, at

    def track(self, at, plan, live, *, status):
        shipment = live.shipment
        shipment["status"] = status
        if status == "delivered":
            shipment["delivered_at"] = at
        self.w[ShipmentEvent].add(shipment_id=shipment["id"], status=status, occurred_at=at, created_at=at,
                                  location=tracking_place(self.shop, plan, status),
                                  description=TRACKING_TEXTS[status])  # fmt: skip
        if status == "delivered":
            self._complete(at, plan, live, by=None)

    def deliver(self, at, plan, live, *, how):
        shipment = live.shipment
        shipment["status"], shipment["delivered_at"] = "delivered", at
        self.w[ShipmentEvent].add(shipment_id=shipment["id"], status="delivered", occurred_at=at, created_at=at,
                                  description=how, recorded_by_id=self.staff["logistics"])  # fmt: skip
        self._complete(at, plan, live, by=self.staff["logistics"])

    def _complete(self, at, plan, live, *, by):
        row = live.row
        if row["payment_status"] == "cod":
            self.w[Payment].add(order_id=row["id"], method="cod", provider="cod", reference=row["number"],
                                amount=row["total"], applied=True, recorded_by_id=by, created_at=at)  # fmt: skip
            live.paid += row["total"]
            row["payment_status"], row["paid_at"] = "paid", at
        row["status"], row["completed_at"] = S.COMPLETED, at
        live.survey = self.w[Survey].add(order_id=row["id"], customer_id=row["customer_id"],
                                         token=secrets.token_urlsafe(32), send_after=at + settings.SURVEY_DELAY,
                                         sent_at=None, answered_at=None, created_at=at)  # fmt: skip
        self.unsent.append(live.survey)

    # -- customer care --------------------------------------------------------------------------
    def contact(self, at, plan, live, *, purpose, summary, customer=None):
        inquiry = purpose == "inquiry"
        self.w[ContactLog].add(
            customer_id=customer if plan is None else plan.customer.pk, channel="phone",
            direction="in" if inquiry else "out", purpose=purpose, summary=summary,
            staff_id=self.staff["sales" if inquiry else "customer_service"],
            order_id=None if inquiry or live is None else live.row["id"], occurred_at=at,
        )  # fmt: skip

    def ticket(self, at, plan, live, *, category, priority, subject, question, channel):
        if (category, priority) not in self.sla:
            self.sla[(category, priority)] = crm_selectors.ticket_sla_durations(
                category=category, priority=priority
            )
        first, resolution = self.sla[(category, priority)]
        row = live.row
        live.ticket = self.w[Ticket].add(
            number=self.numbers.next("TK", at), subject=subject, description=question, category=category,
            channel=channel, priority=priority, status="open", customer_id=row["customer_id"], order_id=row["id"],
            created_at=at, first_response_due=at + first, resolution_due=at + resolution,
        )  # fmt: skip
        self.w[ContactLog].add(customer_id=row["customer_id"], channel=channel, direction="in",
                               purpose="complaint" if category == "complaint" else "inquiry", summary=subject,
                               order_id=row["id"], ticket_id=live.ticket["id"], occurred_at=at)  # fmt: skip

    def ticket_reply(self, at, plan, live, *, body):
        ticket = live.ticket
        self.w[TicketReply].add(ticket_id=ticket["id"], author_id=self.staff["customer_service"], body=body,
                                from_customer=False, created_at=at)  # fmt: skip
        if ticket.get("first_response_at") is None:
            ticket["first_response_at"] = at
        if ticket["status"] == "open":
            ticket["status"] = "in_progress"

    def ticket_resolve(self, at, plan, live, *, resolution):
        live.ticket.update(status="resolved", resolved_at=at, resolution=resolution)

    def ticket_close(self, at, plan, live):
        live.ticket.update(status="closed", closed_at=at)

    def coupon_issue(self, at, coupon, ticket=None):
        row = self.w[Coupon].add(
            code=coupon.code, name=coupon.name, kind="fixed", value=coupon.value, cap=None,
            min_order_amount=coupon.min_amount, valid_from=at, valid_to=coupon.valid_to, total_limit=1,
            per_customer_limit=1, used_count=0, customer_id=coupon.customer.pk, segment="", is_active=True,
            source=coupon.source, source_reference=ticket["number"] if ticket else "",
            ticket_id=ticket["id"] if ticket else None, issued_by_id=self.staff["customer_service"], issued_at=at,
        )  # fmt: skip
        # An apology coupon is held with its ticket's order.
        self.coupons[coupon.code] = CouponUse(row["id"], coupon.value, self.w.owner)

    def apology_coupon(self, at, plan, live, *, coupon):
        self.coupon_issue(at, coupon, ticket=live.ticket)

    def survey(self, at, plan, live):
        unsent = self.unsent
        while unsent and unsent[0]["send_after"] <= at:  # the due ones (all of them: a prefix)
            unsent.popleft()["sent_at"] = at

    def survey_answer(self, at, plan, live, *, scores, comment):
        scored = [(self.weights[d], scores[d]) for d in settings.CSI_WEIGHTS if d in scores]
        total = sum((w for w, _q in scored), Decimal("0"))
        csi = (sum((w * q for w, q in scored), Decimal("0")) / total).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )
        response = self.w[SurveyResponse].add(
            survey_id=live.survey["id"], comment=comment, csi=csi, submitted_at=at
        )
        for d in settings.CSI_WEIGHTS:
            if d in scores:
                self.w[SurveyAnswer].add(
                    response_id=response["id"], dimension=d, score=scores[d], weight=self.weights[d]
                )
        live.survey["answered_at"] = at

    # -- after-sales ----------------------------------------------------------------------------
    def as_submit(self, at, plan, live, *, kind, reason, code):
        row = live.row
        live.request = self.w[AftersalesRequest].add(
            number=self.numbers.next("AS", at), order_id=row["id"], type=kind, reason=reason,
            description=data.AFTERSALES_TEXT[reason], status="submitted", submitted_at=at,
        )  # fmt: skip
        line = next(line for line in live.lines if line["sku_code"] == code)
        live.request["_line"] = self.w[AftersalesLine].add(
            request_id=live.request["id"], order_line_id=line["id"], sku_id=line["sku_id"], sku_code=code,
            name=line["name"], quantity=1, inspection="", refund_amount=Decimal("0.00"),
        )  # fmt: skip
        live.request["_order_line"] = line

    def as_approve(self, at, plan, live):
        request = live.request
        back = request["type"] in ("return", "exchange", "repair")
        request.update(status="awaiting_return" if back else "approved", reviewed_at=at,
                       reviewed_by_id=self.staff["aftersales"], review_note="符合售后政策")  # fmt: skip

    def as_reject(self, at, plan, live):
        live.request.update(status="rejected", reviewed_at=at, rejected_at=at, reviewed_by_id=self.staff["aftersales"],
                            reject_reason="商品已使用且影响二次销售，不符合无理由退货条件")  # fmt: skip

    def as_receive(self, at, plan, live, *, damaged):
        request, line = live.request, live.request["_line"]
        if request["type"] != "repair":
            line["inspection"] = "damaged" if damaged else "resellable"
            order_line = request["_order_line"]
            reason = f"售后 {request['number']} {dict(AftersalesRequest._meta.get_field('reason').choices)[request['reason']]}"
            self._move(line["sku_id"], order_line["warehouse_id"], "return", at, request["number"], on_hand=1,
                       actor=self.staff["warehouse"], reason=str(reason))  # fmt: skip
            if damaged:
                self._move(line["sku_id"], order_line["warehouse_id"], "write_off", at, request["number"],
                           on_hand=-1, actor=self.staff["warehouse"], reason=str(reason))  # fmt: skip
        request.update(status="received", received_at=at, inspection_note="退回商品已签收并检验")

    def as_refund(self, at, plan, live):
        request, row = live.request, live.row
        order_line = request["_order_line"]
        share = order_line["line_total"] * 1 / order_line["quantity"]
        if row["discount_total"] and row["subtotal"]:
            share -= row["discount_total"] * share / row["subtotal"]
        value = min(max(Decimal("0.00"), share.quantize(CENT, ROUND_DOWN)), live.paid)
        reference = f"RF-{request['number']}"
        self.w[Payment].add(order_id=row["id"], kind="refund", method=row["payment_method"], provider="demo",
                            reference=reference, amount=value, applied=True, recorded_by_id=self.staff["aftersales"],
                            raw={"reason": f"售后 {request['number']}"}, created_at=at)  # fmt: skip
        if value == live.paid:
            row["payment_status"] = "refunded"
        live.paid -= value
        request["_line"]["refund_amount"] = value
        request.update(status="refunded", resolved_at=at, refund_amount=value, refund_reference=reference)

    def as_repair(self, at, plan, live):
        live.request.update(status="repaired", resolved_at=at, repair_carrier="sf",
                            repair_tracking_number=f"SFR{live.request['number'][2:]}", resolution_note="更换主板后寄回")  # fmt: skip

    def as_close(self, at, plan, live):
        live.request.update(status="closed", closed_at=at)


def customers_write(replay: Replay, shop: DemoShop) -> None:
    """The customers, written a batch at a time (a million orders have some 670,000: as row dicts
    all at once they took a quarter of the load's memory)."""
    table = replay.w[Customer]
    for start in range(0, len(shop.customers), CUSTOMER_BATCH):
        for person in shop.customers[start : start + CUSTOMER_BATCH]:
            row = table.add(name=person.name, phone=person.phone or None, email=person.email or None,
                            created_at=person.since)  # fmt: skip
            person.pk = row["id"]
        replay.w.write_now(Customer)


def bulk_load(shop: DemoShop, *, progress) -> None:
    """Replay the timeline in memory and write the rows as the orders finish: every
    ``CHUNK_ORDERS`` placements, the rows of the orders that can change no more are written and
    committed, and each step of the timeline is let go once replayed, so memory stays flat.

    An order can change no more once its last planned step has run, unless it is still unpaid (a
    later expiry run may cancel it), its survey is still unsent (a later send run sends it) or it
    redeemed an apology coupon whose ticket's order is still held: those wait, checked again at
    each chunk, and the last of them are written at the end."""
    shop.sku_by_code = {sku.code: sku for sku in [*shop.skus, shop.shortage_sku]}
    replay = Replay(shop)
    w = replay.w
    events = {"receive": replay.receive, "stock_settings": replay.stock_settings}
    waiting: dict[int, Live] = {}  # done with their steps, not final yet

    def final(live: Live) -> bool:
        return (
            live.row["id"] not in replay.unpaid
            and (live.survey is None or live.survey["sent_at"] is not None)
            and all(other.released for other in live.waits)
        )

    def release(live: Live) -> None:
        w.release(live)
        del replay.live[id(live.plan)]
        replay.redemptions.pop(live.row["number"], None)

    def coupons_written() -> None:
        """The coupon rows about to be written get their use count as it is now (the count as
        written is kept, for the update at the end if it changes)."""
        for row in w[Coupon].rows:
            use = replay.coupons[row["code"]]
            row["used_count"] = use.written = use.used
            if use.owner is not None and use.owner.released:
                use.owner = None

    def chunk() -> None:
        for key, live in list(waiting.items()):
            if final(live):
                del waiting[key]
                release(live)
        coupons_written()
        w.chunk()

    w.begin()
    try:
        customers_write(replay, shop)
        placed = 0
        for step, last in shop.timeline_steps():
            moment, plan = step.at, step.plan
            if plan is not None:
                key = id(plan)
                if step.action == "place":
                    live = w.owner = replay.live[key] = Live(None, plan)
                    replay.place(moment, plan)
                else:
                    live = w.owner = replay.live.get(key)
                    getattr(replay, step.action)(moment, plan, live, **step.args)
                w.owner = None
                if last and live is not None:
                    if final(live):
                        release(live)
                    else:
                        waiting[id(live)] = live
                if step.action == "place":
                    progress.order()
                    placed += 1
                    if not placed % CHUNK_ORDERS:
                        chunk()
            elif step.action == "inquiry":
                replay.contact(moment, None, None, purpose="inquiry", summary=step.args["summary"],
                               customer=step.args["person"].pk)  # fmt: skip
            elif step.action == "coupon_issue":
                for coupon in step.args["coupons"]:
                    replay.coupon_issue(moment, coupon)
            elif step.action == "delist":
                with shop.at(moment):
                    from .catalog import EVENTS

                    EVENTS["delist"](shop, **step.args)
            else:
                events[step.action](moment, **step.args)
        progress.say("writing the last rows")
        for live in list(replay.live.values()):
            w.release(live)
        for on_hand, reserved, row in replay.stock.values():
            row["on_hand"], row["reserved"] = on_hand, reserved
        coupons_written()
        w.finish(replay.coupons.values())
        replay.numbers.store()
    except BaseException:
        w.end(sys.exc_info())
        raise
    w.end()
