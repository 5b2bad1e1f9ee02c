"""Document numbers: prefix + local date + sequence, unique under concurrency."""

import re
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from retail.numbering import document_number

pytestmark = pytest.mark.django_db


def test_numbers_are_prefix_date_and_a_rising_sequence():
    day = timezone.localdate().strftime("%Y%m%d")
    first, second = document_number("SO"), document_number("SO")
    assert re.fullmatch(rf"SO{day}\d{{6,}}", first)
    assert int(second[len("SO") + 8 :]) > int(first[len("SO") + 8 :])
    assert re.fullmatch(
        rf"ZZ{day}000001", document_number("ZZ")
    )  # a prefix without a sequence: a counter row


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_number_taken_inside_an_open_transaction_does_not_block_another():
    """The first transaction keeps its number and stays open; a second one still gets a number at
    once (a counter row would make it wait for the first commit)."""
    taken, got = threading.Event(), []
    release = threading.Event()

    def holder():
        with transaction.atomic():
            got.append(document_number("SO"))
            taken.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert taken.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            got.append(document_number("SO"))
    finally:
        release.set()
        thread.join(10)
    assert len(set(got)) == 2
