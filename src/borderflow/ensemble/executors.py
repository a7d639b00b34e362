"""Where members run: in this process, in local processes, or on a Dask cluster.

One interface: `imap_unordered(fn, items)` yields results as they finish. The same seeds
give the same results whichever executor runs them, since each member owns its seed.
"""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from borderflow.scenario.errors import ScenarioError

T = TypeVar("T")
R = TypeVar("R")
_END: Any = object()


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
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_leave_ctrl_c_to_the_parent)

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


def _leave_ctrl_c_to_the_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group: workers ignore it and the parent,
    which owns the results, stops the pool (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# For a LocalCluster: workers forked from this process (already holding borderflow's imports,
# as the process pool's are) rather than spawned, and the workers' statistical profiler and
# event-loop tick off the hot path. On 2 cores this took 40 caravan-2023 members from 14.0 s
# to 9.4 s (local processes: 8.9 s); see bench/ensemble.py for the ratio.
LOCAL_CONFIG: dict[str, Any] = {
    "distributed.worker.multiprocessing-method": "fork",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1000ms",
}


class DaskExecutor:
    """Members on a Dask cluster: `local` starts a LocalCluster of worker processes,
    `tcp://HOST:PORT` joins a running scheduler (e.g. one started by dask-jobqueue)."""

    name = "dask"

    def __init__(self, address: str = "local", workers: int | None = None, timeout: str = "20s") -> None:
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        if address == "local":
            import dask

            with dask.config.set(LOCAL_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            self._client = Client(self._cluster)
        elif "://" not in address:
            raise ScenarioError(None, "--dask", f"{address!r}; expected local or a scheduler address, tcp://HOST:PORT")
        else:
            try:
                self._client = Client(address, timeout=timeout)
            except (OSError, TimeoutError) as exc:
                raise ScenarioError(
                    None, "--dask", f"no Dask scheduler answered at {address} ({exc}); expected a running scheduler"
                ) from None

    def wait_for_workers(self, n: int = 1, timeout: float = 60.0) -> None:
        """Block until n workers have joined (TimeoutError after `timeout` seconds)."""
        self._client.wait_for_workers(n, timeout=timeout)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        from distributed import as_completed

        # A bounded number of members in flight (4 per worker thread), so neither the
        # scheduler nor this process holds N tasks or N results whatever N is.
        limit = max(4 * sum(self._client.nthreads().values()), 32)  # workers may still be joining
        it = iter(items)
        first = [self._client.submit(fn, item, pure=False) for item in itertools.islice(it, limit)]
        queue = as_completed(first)
        for future in queue:
            result: R = future.result()
            future.release()
            nxt = next(it, _END)
            if nxt is not _END:
                queue.add(self._client.submit(fn, nxt, pure=False))
            yield result

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
