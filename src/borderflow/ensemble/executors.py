"""Where members run: in this process, in local processes, or on a Dask cluster.

One interface: `imap_unordered(fn, items)` yields results as they finish. The same seeds
give the same results whichever executor runs them, since each member owns its seed.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from borderflow import faults, interrupts
from borderflow.scenario.errors import ScenarioError

T = TypeVar("T")
R = TypeVar("R")
_END: Any = object()
_POLL = 0.1  # seconds between checks for Ctrl-C while waiting for a member
_TEARDOWN_SECONDS = 10.0  # a pool's teardown waits at most this long, then kills


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
        self._in_flight: set[Future[Any]] = set()
        # From here to close(), Ctrl-C is a request the result loop acts on (see interrupts).
        self._deferral = interrupts.Deferral()
        try:
            with interrupts.SigintBlocked():
                faults.sigint_at("fork")
                self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_leave_ctrl_c_to_the_parent)
                # The first task forks every worker (fork context) and starts the pool's
                # threads now, while SIGINT is blocked: they all inherit the blocked mask.
                self._pool.submit(int).result()
        except BaseException:
            self._deferral.end()
            raise

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        # Keep a bounded number of members in flight, so memory stays bounded for any N.
        def submit(item: T) -> Future[R]:
            return self._pool.submit(fn, item)

        for future in _as_finished(submit, items, 4 * self.workers, self._in_flight):
            yield future.result()

    def close(self) -> None:
        """Tear the pool down deliberately and within a bounded time: members still running
        (an interrupt or a failed member) are terminated, not waited for."""
        try:
            faults.sigint_at("shutdown")
            pool: Any = self._pool
            processes: list[Any] = list((pool._processes or {}).values())
            manager: threading.Thread | None = pool._executor_manager_thread
            abandoned = any(not f.done() for f in self._in_flight)
            with _unless_interrupted():
                pool.shutdown(wait=False, cancel_futures=True)
                if abandoned:
                    for p in processes:
                        p.terminate()
                deadline = time.monotonic() + _TEARDOWN_SECONDS
                if manager is not None:
                    manager.join(timeout=_TEARDOWN_SECONDS)
                for p in processes:
                    p.join(timeout=max(0.0, deadline - time.monotonic()))
                    if p.is_alive():
                        p.kill()
                        p.join(timeout=1.0)
        finally:
            self._deferral.end()
        interrupts.check()  # a Ctrl-C during the run or the teardown ends here, at a known point


def _leave_ctrl_c_to_the_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group: workers ignore it and the parent,
    which owns the results, stops the pool (no traceback from each worker). Workers start with
    SIGINT blocked (see ProcessExecutor), so none arrives before this; a pending one is dropped."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _as_finished(submit: Callable[[T], Any], items: Iterable[T], limit: int, in_flight: set[Any]) -> Iterator[Any]:
    """Futures as they finish, at most `limit` in flight (tracked in `in_flight` for close()).
    The wait polls, so a Ctrl-C (recorded by the handler) is acted on within _POLL seconds."""
    finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
    it = iter(items)

    def launch() -> None:
        interrupts.check()  # no new member after a Ctrl-C
        item = next(it, _END)
        if item is not _END:
            faults.sigint_at("submit")
            future = submit(item)
            in_flight.add(future)
            future.add_done_callback(finished.put)

    for _ in range(limit):
        launch()
    while in_flight:
        try:
            future = finished.get(timeout=_POLL)
        except queue.Empty:
            interrupts.check()
            continue
        in_flight.discard(future)
        launch()  # keep the workers busy while the caller writes this one
        yield future


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
        self._in_flight: set[Any] = set()
        if address != "local" and "://" not in address:
            raise ScenarioError(None, "--dask", f"{address!r}; expected local or a scheduler address, tcp://HOST:PORT")
        self._deferral = interrupts.Deferral()  # as for ProcessExecutor
        try:
            if address == "local":
                import dask

                # Blocked while the cluster starts: its event-loop thread, the nannies'
                # threads and the worker processes forked from them inherit the mask, so
                # workers never see the terminal's Ctrl-C (the parent stops them).
                # Workers forked meanwhile keep the loggers' levels, so they stay quiet even
                # as the cluster is torn down (a failed member reaches this process through
                # its future; a worker that dies is reported by its nanny, here).
                with interrupts.SigintBlocked(), dask.config.set(LOCAL_CONFIG), _quiet_distributed():
                    faults.sigint_at("fork")
                    self._cluster = LocalCluster(
                        n_workers=workers or os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        # No dashboard, but the scheduler's HTTP server would still take port
                        # 8787 and warn on stderr when another cluster holds it: any free port.
                        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    )
                    self._client = Client(self._cluster)
            else:
                try:
                    self._client = Client(address, timeout=timeout)
                except (OSError, TimeoutError) as exc:
                    raise ScenarioError(
                        None, "--dask", f"no Dask scheduler answered at {address} ({exc}); expected a running scheduler"
                    ) from None
        except BaseException:
            if self._cluster is not None:
                with _quiet_distributed():
                    self._cluster.close(timeout=_TEARDOWN_SECONDS)
            self._deferral.end()
            raise

    def wait_for_workers(self, n: int = 1, timeout: float = 60.0) -> None:
        """Block until n workers have joined (TimeoutError after `timeout` seconds)."""
        self._client.wait_for_workers(n, timeout=timeout)

    def imap_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        # A bounded number of members in flight (4 per worker thread), so neither the
        # scheduler nor this process holds N tasks or N results whatever N is.
        limit = max(4 * sum(self._client.nthreads().values()), 32)  # workers may still be joining
        submit = functools.partial(self._client.submit, fn, pure=False)
        for future in _as_finished(submit, items, limit, self._in_flight):
            result: R = future.result()
            future.release()
            yield result

    def close(self) -> None:
        """Close the client and the LocalCluster within a bounded time, without the log lines
        distributed writes while workers and comms go away."""
        try:
            faults.sigint_at("shutdown")
            with _quiet_distributed(), _unless_interrupted():
                if self._in_flight:
                    self._client.cancel(list(self._in_flight))
                self._client.close(timeout=_TEARDOWN_SECONDS)
                if self._cluster is not None:
                    self._cluster.close(timeout=_TEARDOWN_SECONDS)
        finally:
            self._deferral.end()
        interrupts.check()


@contextlib.contextmanager
def _unless_interrupted() -> Iterator[None]:
    """A teardown error after Ctrl-C (a timeout, a vanished comm) must not turn the interrupt
    into another failure: the run ends as interrupted either way."""
    try:
        yield
    except Exception:
        if not interrupts.requested():
            raise


@contextlib.contextmanager
def _quiet_distributed() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def make_executor(kind: str = "processes", dask: str | None = None, workers: int | None = None) -> Executor:
    if dask is not None:
        return DaskExecutor(dask, workers)
    if kind == "serial":
        return SerialExecutor()
    return ProcessExecutor(workers)
