"""Stop an embedded-warehouse job in the middle of its transaction, to run another job then.

Two jobs overlap on BigQuery for seconds; on the embedded warehouse a job's statements run in
microseconds, so an overlap cannot be left to chance. :func:`pause_after` makes one client's
next statement that starts with a given keyword (the translated DuckDB SQL: ``DELETE``,
``UPDATE``...) wait, after it ran and before the job goes on, until the test lets it go. The
warehouse, DuckDB and every check are the real ones; only the moment is chosen.

Example::

    with pause_after(writer, "DELETE") as gate:
        thread = threading.Thread(target=lambda: writer.query(script).result())
        thread.start()
        gate.wait_paused()              # writer's transaction is open, its DELETE done
        other.query(other_script)       # another client commits meanwhile
        gate.release()
        thread.join()
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from shared_services.bigquery.duckdb_client import DuckDBClient, _TrackedConnection

__all__ = ["Gate", "HeldJobs", "pause_after"]

#: Long enough for any job of a test, short enough that a test that forgot to release fails.
_TIMEOUT = 30.0


class Gate:
    """Where a paused job waits: :meth:`wait_paused` until it stopped, :meth:`release` to go on.

    ``times`` statements pause (one by default; a test that makes every retry meet a conflict
    passes more), each waiting for its own release.
    """

    def __init__(self, head: str, times: int) -> None:
        self.head = head.upper()
        self.left = times
        self.paused = threading.Semaphore(0)
        self.released = threading.Semaphore(0)

    def wait_paused(self) -> None:
        """Block until the job stopped after its statement (fails the test after 30 s)."""
        if not self.paused.acquire(timeout=_TIMEOUT):
            raise AssertionError(f"no {self.head} statement ran within {_TIMEOUT:.0f} s")

    def release(self) -> None:
        """Let the stopped job go on."""
        self.released.release()

    def _after(self, sql: str) -> None:
        if self.left and sql.lstrip().upper().startswith(self.head):
            self.left -= 1
            self.paused.release()
            if not self.released.acquire(timeout=_TIMEOUT):
                raise AssertionError(f"the paused job was not released within {_TIMEOUT:.0f} s")


class _PausingConnection(_TrackedConnection):
    __slots__ = ("gate",)
    gate: Gate

    def execute_untracked(self, query: str, parameters: Any = None) -> Any:
        result = super().execute_untracked(query, parameters)
        self.gate._after(query)
        return result


@contextmanager
def pause_after(client: DuckDBClient, head: str, times: int = 1) -> Iterator[Gate]:
    """Make ``client``'s next ``times`` statements starting with ``head`` stop after they ran."""
    gate = Gate(head, times)
    original = client._con
    assert original is not None
    pausing = _PausingConnection(original.raw, original._generation)
    pausing.gate = gate
    client._con = pausing
    try:
        yield gate
    finally:
        client._con = original


class HeldJobs:
    """``n`` new clients of the warehouse file ``path``, each held inside one job: ``sql`` with
    ``{i}`` replaced by its number, stopped after its first ``head`` statement. For BigQuery's
    limits on jobs at once (the queue of mutating DML jobs of a table).

    Example::

        held = HeldJobs(client.path, 20, "UPDATE ds.t SET v = 'u' WHERE k = {i}")
        ...                     # 20 mutating jobs on ds.t are running
        held.release()          # they all commit; the clients are closed
    """

    def __init__(self, path: str, n: int, sql: str, head: str = "UPDATE", project: str = "p") -> None:
        self._stack = ExitStack()
        self.clients = [DuckDBClient(path, project=project) for _ in range(n)]
        self.errors: list[BaseException] = []
        self._held: list[tuple[Gate, threading.Thread]] = []
        for i, client in enumerate(self.clients):
            gate = self._stack.enter_context(pause_after(client, head))
            thread = threading.Thread(target=self._run, args=(client, sql.format(i=i)))
            thread.start()
            gate.wait_paused()
            self._held.append((gate, thread))

    def _run(self, client: DuckDBClient, sql: str) -> None:
        try:
            client.query(sql).result()
        except BaseException as exc:  # noqa: BLE001 - the test reads them
            self.errors.append(exc)

    def release(self, count: int | None = None) -> None:
        """Let the first ``count`` held jobs (all by default) finish; with all of them, close
        the clients too (idempotent)."""
        chosen, self._held = (self._held[:count], self._held[count:]) if count is not None else (self._held, [])
        for gate, thread in chosen:
            gate.release()
            thread.join(timeout=_TIMEOUT)
        if count is None:
            self._stack.close()
            for client in self.clients:
                client.close()
            self.clients = []
