"""Behind PgBouncer in transaction pooling mode (docs/scaling.md "PgBouncer"): a PgBouncer of the
test's own on a free port in front of the local server, two server connections shared by four
client threads of a separate process configured as in production (``DATABASE_URL`` to the bouncer,
``DATABASE_DISABLE_SERVER_SIDE_CURSORS=true``). Orders placed at once come out whole, stock exact;
``QuerySet.iterator()``, the case server-side cursors break, reads every row in and out of a
transaction; and the clients' transactions really were spread over the two shared connections."""

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from inventory.models import Stock
from orders.models import Order
from tests.conftest import REQUIRE_SERVICES
from tests.factories import SKUFactory, WarehouseFactory, stock_in
from tests.helpers.redis_server import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
THREADS, ORDERS_EACH, POOL_SIZE = 4, 3, 2

PLACE = """
import json, threading, django
django.setup()
from django.db import connection, transaction
from orders.models import Order
from orders.services import order_place

backends, errors, barrier = set(), [], threading.Barrier({threads})

def client(n):
    try:
        barrier.wait()
        for i in range({orders}):
            order_place(
                channel="online",
                customer={{"name": "张三", "phone": "1390000{{:02d}}{{:02d}}".format(n, i)}},
                shipping_address={{"province": "上海市", "city": "上海市", "line": "世纪大道1号"}},
                lines=[{{"sku": "SKU-PGB", "quantity": 1}}],
                payment_method="cod",
                idempotency_key="pgb-{{}}-{{}}".format(n, i),
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
        barrier.wait()  # every client connected at once, over the pool's few server connections
    except Exception as exc:
        errors.append(repr(exc))
        barrier.abort()
    finally:
        connection.close()

threads = [threading.Thread(target=client, args=(n,)) for n in range({threads})]
for t in threads: t.start()
for t in threads: t.join()
outside = [o.number for o in Order.objects.order_by("pk").iterator(chunk_size=2)]
with transaction.atomic():
    inside = [o.number for o in Order.objects.order_by("pk").iterator(chunk_size=5)]
print(json.dumps({{
    "errors": errors,
    "backends": len(backends),
    "outside": outside,
    "inside": inside,
    "disabled": connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"],
}}))
"""


class PgBouncer:
    """PgBouncer in transaction mode on a free port, its ini and userlist in a folder of its own;
    as root it runs as the ``postgres`` OS user (it refuses to run as root)."""

    def __init__(self, pool_size: int):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            reason = "pgbouncer is not installed (apt-get install pgbouncer)"
            if REQUIRE_SERVICES:
                pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
            pytest.skip(reason)
        db = connection.settings_dict
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="test-pgbouncer-"))
        (self.dir / "userlist.txt").write_text(f'"{db["USER"] or "postgres"}" ""\n')
        (self.dir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.dir / 'userlist.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 100\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        command = [binary, str(self.dir / "pgbouncer.ini")]
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (self.dir, *self.dir.iterdir()):
                os.chown(path, user.pw_uid, user.pw_gid)
            command = ["runuser", "-u", "postgres", "--", *command]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"pgbouncer did not start: {self.output}")
            time.sleep(0.05)
        self.output = ""

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def url(self, database: str) -> str:
        return f"postgres://{connection.settings_dict['USER'] or 'postgres'}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.output, _ = self.process.communicate(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def test_orders_placed_at_once_through_pgbouncer_in_transaction_mode_and_iterator_reads():
    warehouse = WarehouseFactory(code="WH-PGB")
    stock_in(SKUFactory(code="SKU-PGB", price="20.00"), warehouse, 100)
    bouncer = PgBouncer(pool_size=POOL_SIZE)
    env = {
        **os.environ,
        "DATABASE_URL": bouncer.url(connection.settings_dict["NAME"]),
        "DATABASE_DISABLE_SERVER_SIDE_CURSORS": "true",
        "DJANGO_SETTINGS_MODULE": "retail.settings",
        "LOG_LEVEL": "ERROR",
    }
    try:
        code = PLACE.format(threads=THREADS, orders=ORDERS_EACH)
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        bouncer.stop()
    assert result.returncode == 0, result.stderr[-3000:] + bouncer.output[-2000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    placed = THREADS * ORDERS_EACH
    assert seen["errors"] == []
    assert seen["disabled"] is True
    assert 1 <= seen["backends"] <= POOL_SIZE  # four clients at once, two server connections
    numbers = list(Order.objects.order_by("pk").values_list("number", flat=True))
    assert len(numbers) == placed
    assert seen["outside"] == seen["inside"] == numbers
    stock = Stock.objects.get(sku__code="SKU-PGB", warehouse=warehouse)
    assert (stock.on_hand, stock.reserved) == (100, placed)
