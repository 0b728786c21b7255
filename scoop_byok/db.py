"""Database connections for workers that spend most of their time waiting.

A key-test worker runs many threads that each wait seconds on a provider.
Holding a database connection per thread through that wait would need
hundreds of connections, so threads borrow one of a fixed number of slots
only for their short database work and close the connection afterwards.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _database_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.WORKER_DB_CONNECTIONS)
        return _slots


@contextmanager
def brief_database_use() -> Iterator[None]:
    """Use the database for a moment, then release the connection."""
    with _database_slots():
        try:
            yield
        finally:
            if not connection.in_atomic_block:
                connection.close()
