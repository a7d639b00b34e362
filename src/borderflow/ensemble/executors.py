"""Where members run: in this process, in local processes, or on a Dask cluster.

One interface: `imap_unordered(fn, items)` yields results as they finish. The same seeds
give the same results whichever executor runs them, since each member owns its seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    name: str

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Members one after another in this process (for debugging)."""

    name = "serial"

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """Members in local worker processes (the default: one per core)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(max_workers=self.workers)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        # Keep a bounded number of members in flight, so memory stays bounded for any N.
        pending: set[Future[R]] = set()
        it = iter(items)
        limit = 4 * self.workers
        for item in it:
            pending.add(self._pool.submit(fn, item))
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                yield f.result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class DaskExecutor:
    """Members on a Dask cluster: `local` starts a LocalCluster of worker processes,
    `tcp://HOST:PORT` joins a running scheduler (e.g. one started by dask-jobqueue)."""

    name = "dask"

    def __init__(self, address: str = "local", workers: int | None = None) -> None:
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        if address == "local":
            self._cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        from distributed import as_completed

        futures = self._client.map(fn, list(items), pure=False)
        for future in as_completed(futures):
            result: R = future.result()
            yield result
            future.release()

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str = "processes", dask: str | None = None, workers: int | None = None) -> Executor:
    if dask is not None:
        return DaskExecutor(dask, workers)
    if kind == "serial":
        return SerialExecutor()
    return ProcessExecutor(workers)
