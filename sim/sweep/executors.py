"""Where chunks run: one small seam (submit a chunk, get a future, wait, take its result)
with three implementations - in this process, local worker processes, a Dask cluster.

Results come back to this process, which writes the parts, so Dask workers need no shared
file system and every executor writes byte-identical folders.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import importlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from sim.scenario.errors import InputError
from sim.sweep.spec import ChunkResult, ChunkTask, ExperimentError, ResolvedSweep, run_chunk


class ExecutorKind(StrEnum):
    LOCAL = "local"
    DASK = "dask"


class ChunkFuture(Protocol):
    def result(self) -> Any: ...


class ChunkExecutor(Protocol):
    """What the sweep needs of an executor."""

    workers: int

    def describe(self) -> dict[str, Any]:
        """What runs the chunks, for provenance: workers and threads."""
        ...

    def submit(self, task: ChunkTask) -> ChunkFuture: ...

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        """(done, still pending) once at least one future is done."""
        ...

    def close(self) -> None: ...


class _Done:
    def __init__(self, value: ChunkResult) -> None:
        self.value = value

    def result(self) -> ChunkResult:
        return self.value


class InlineExecutor:
    """Runs each chunk as it is submitted, in this process: no pool to start."""

    workers = 1

    def describe(self) -> dict[str, Any]:
        return {"workers": 0}

    def submit(self, task: ChunkTask) -> ChunkFuture:
        return _Done(run_chunk(task))

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        return set(pending), set()

    def close(self) -> None:
        pass


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:  # re-parented: the sweep is gone
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when the sweep process ``parent`` dies, even by
    SIGKILL, which runs none of its clean-up. Left alone, a worker waits on its task queue
    for ever (it holds the queue's write end itself, so it never sees end of file); and
    multiprocessing's resource tracker, which reads until every holder of its pipe is gone,
    exits once the workers do."""
    armed = False
    if sys.platform.startswith("linux"):
        try:  # the kernel signals us when the parent exits: nothing to poll
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # it died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                         name="die-with-parent").start()


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Start processes here that never see Ctrl-C: this process stops them itself (one line,
    no traceback from any of them). SIGINT is blocked in this thread meanwhile; a process or
    thread started here inherits the blocked signal (across exec too), so a Ctrl-C sent to
    the whole process group never reaches it, while this process still gets it (another of
    its threads takes it, or it waits until the block is lifted: nothing is lost, as it
    would be with SIG_IGN)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # multiprocessing's resource tracker, started on first need, unblocks SIGINT in the
    # thread that starts it (it blocks and then unblocks it around its own start): start it
    # now, so that nothing lifts the block while processes start.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def init_worker(parent: int, threads: int = 1) -> None:
    """Pool initializer: end with the sweep (``die_with_parent``), leave Ctrl-C to it, and
    compute on ``threads`` threads. Each worker has a core of its own, so a BLAS or numba
    thread pool per worker only makes workers fight for cores (the engine's matrix products
    are small: a second BLAS thread made them several times slower). Libraries loaded later
    read the variables; those already loaded are limited now."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMBA_NUM_THREADS"):
        os.environ[name] = str(threads)
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=threads)  # called, not entered: the limit lasts the worker's life
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def run_chunk_on(task: ChunkTask, threads: int) -> ChunkResult:
    """``run_chunk`` with compiled code (numba) and BLAS on ``threads`` threads in the
    calling thread, as a Dask worker's task runs: without it, every worker's compiled loop
    would use every core of its machine."""
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    try:
        with threadpool_limits(limits=threads):
            return run_chunk(task)
    finally:
        numba.set_num_threads(previous)


class LocalExecutor:
    """``workers`` processes started with 'spawn' (explicitly: no global start method, and
    no fork of a process that may hold threads), each ending when this process ends and
    ignoring Ctrl-C, which this process handles."""

    def __init__(self, workers: int, threads: int = 1) -> None:
        self.workers = workers
        self.threads = threads
        self._pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(os.getpid(), threads))

    def describe(self) -> dict[str, Any]:
        return {"workers": self.workers, "threads_per_worker": self.threads}

    def submit(self, task: ChunkTask) -> ChunkFuture:
        with interrupts_held():  # the pool starts its processes in submit
            return self._pool.submit(run_chunk, task)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        done, rest = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        return set(done), set(rest)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def dask_scheduler(given: str | None) -> tuple[str | None, str]:
    """The scheduler to connect to and where its address came from: ``--scheduler``, else
    Dask's own configuration (``DASK_SCHEDULER_ADDRESS``, or ``scheduler-address`` in a
    Dask config file), else none (a LocalCluster is started)."""
    if given:
        return given, "--scheduler"
    try:
        import dask.config
    except ImportError:
        return None, ""
    address = dask.config.get("scheduler-address", None)
    if address:
        source = ("DASK_SCHEDULER_ADDRESS" if os.environ.get("DASK_SCHEDULER_ADDRESS")
                  else "Dask configuration (scheduler-address)")
        return str(address), source
    return None, ""


class DaskExecutor:
    """A ``dask.distributed`` client: of the cluster at ``scheduler``, or of a LocalCluster of
    ``workers`` single-threaded processes started here. Each chunk's compiled code runs on
    ``threads`` threads of its worker."""

    CONNECT_TIMEOUT = "10s"  # to a scheduler at an address: then "cannot connect", exit 2

    def __init__(self, workers: int, scheduler: str | None, threads: int = 1,
                 source: str = "--scheduler") -> None:
        try:
            # As Any: distributed's Client and LocalCluster are not annotated. Imported with
            # Ctrl-C held: the import starts the threads that will start the worker
            # processes, and those must start them with Ctrl-C blocked.
            with interrupts_held():
                self._dd: Any = importlib.import_module("dask.distributed")
        except ImportError:
            raise InputError("--executor", "dask", "needs dask.distributed: "
                             "pip install 'masksim[dask]'") from None
        self._cluster: Any = None
        self.threads = threads
        self.scheduler = scheduler
        if scheduler:
            try:
                self._client: Any = self._dd.Client(scheduler, timeout=self.CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                reason = " ".join(str(exc).split()) or type(exc).__name__
                raise InputError(source, scheduler, f"cannot connect: {reason}") from None
        else:
            with interrupts_held():  # the cluster's processes leave Ctrl-C to this one
                # Its HTTP server (health checks; a dashboard when bokeh is installed) on a
                # free port of 127.0.0.1: None would still serve on 8787 of every
                # interface. Logs up to ERROR are silenced: a worker that outlives a Ctrl-C
                # by a heartbeat logs an ERROR that is no news to the user.
                self._cluster = self._dd.LocalCluster(
                    host="127.0.0.1", n_workers=workers, threads_per_worker=1,
                    processes=True, dashboard_address="127.0.0.1:0",
                    silence_logs=logging.CRITICAL)
                self._client = self._dd.Client(self._cluster)
        info = self._client.scheduler_info()
        found = info.get("workers", {})
        self.workers = max(1, len(found))
        self.cluster = {"address": str(info.get("address", scheduler or "")),
                        "workers": len(found),
                        "threads": int(sum(w.get("nthreads", 0) for w in found.values()))}

    def describe(self) -> dict[str, Any]:
        return {"workers": self.cluster["workers"], "threads": self.cluster["threads"],
                "scheduler": self.cluster["address"], "threads_per_chunk": self.threads}

    def submit(self, task: ChunkTask) -> ChunkFuture:
        future: ChunkFuture = self._client.submit(run_chunk_on, task, self.threads,
                                                  pure=False)
        return future

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        done, rest = self._dd.wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(rest)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def check_scheduler(kind: ExecutorKind, scheduler: str | None) -> None:
    """A scheduler address goes with the Dask executor only (InputError otherwise)."""
    if scheduler and kind is not ExecutorKind.DASK:
        raise InputError("--scheduler", "", "only with --executor dask")


def make_executor(kind: ExecutorKind, workers: int, scheduler: str | None,
                  threads: int = 1, source: str = "--scheduler") -> ChunkExecutor:
    """``workers`` = 0 runs in this process (local only), on the machine's threads."""
    check_scheduler(kind, scheduler)
    if kind is ExecutorKind.DASK:
        return DaskExecutor(max(1, workers), scheduler, threads, source)
    return InlineExecutor() if workers == 0 else LocalExecutor(workers, threads)


def execute(resolved: ResolvedSweep, out: Path, executor: ChunkExecutor,
            chunks: Iterable[int], on_chunk: Callable[[ChunkResult], None]) -> None:
    """Run ``chunks``, writing each as it finishes; at most two per worker in flight, so
    results (and their memory) never pile up ahead of the writer."""
    from sim.sweep.store import write_chunk

    todo = iter(chunks)
    pending: set[Any] = set()
    window = 2 * max(1, executor.workers)

    def refill() -> None:
        while len(pending) < window:
            chunk = next(todo, None)
            if chunk is None:
                return
            pending.add(executor.submit(resolved.task(chunk)))

    refill()
    while pending:
        done, pending = executor.wait_any(pending)
        for future in sorted(done, key=id):
            try:
                result: ChunkResult = future.result()
            except ExperimentError as exc:
                raise exc.as_input_error() from None
            write_chunk(out, resolved, result)
            on_chunk(result)
        refill()
