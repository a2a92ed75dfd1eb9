"""Running tasks: in this process, on a local process pool, or on a Ray cluster.

Every executor runs a task the same way (:func:`execute`): one torch intra-op thread (or
``KINEMYO_THREADS``) and one BLAS thread, the task's own seeds, nothing carried over from another
task, so its result is the same bit for bit wherever and in whatever order it runs. The data the
tasks share (recordings, windows, splits) travels once per worker: through the pool's initializer,
or once into Ray's object store and fetched once per Ray worker.

A task that raises is reported with its error; the others go on. Results are written to the
task store by this process as they arrive, so a run killed at any moment keeps every finished
task.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from pydantic import Field

from kinemyo.errors import KinemyoError
from kinemyo.experiments.progress import TaskCounts, TaskProgress
from kinemyo.experiments.store import TaskResult, TaskStore
from kinemyo.experiments.task import Task
from kinemyo.settings import settings

Work = Callable[[Any, Any], TaskResult]
"""A study's work function, ``work(spec, shared) -> TaskResult``: module-level (picklable)."""


@settings
class Execution:
    """Where and how many tasks run at once.

    Attributes:
        jobs: worker processes (1: one after another in this process); with ``ray``, the CPUs
            of the local Ray cluster.
        ray: run on Ray: a local cluster started for the run, or the one at ``ray_address``.
        ray_address: address of a running Ray cluster to join (e.g. "ray://head:10001" or
            "auto"); implies ``ray``.
    """

    jobs: Annotated[int, Field(ge=1, le=4096)] = 1
    ray: bool = False
    ray_address: Annotated[str, Field(min_length=1)] | None = None

    @property
    def uses_ray(self) -> bool:
        """True when the tasks run on Ray."""
        return self.ray or self.ray_address is not None

    def describe(self) -> str:
        """E.g. "2 worker processes", "Ray (local, 2 CPUs)", "in this process"."""
        if self.ray_address is not None:
            return f"Ray cluster at {self.ray_address}"
        if self.ray:
            return f"Ray (local, {self.jobs if self.jobs > 1 else 'all'} CPUs)"
        return "in this process" if self.jobs == 1 else f"{self.jobs} worker processes"


@dataclass
class RunOutcome:
    """What a run of tasks left.

    Attributes:
        results: task key -> stored result, for every finished task, in the tasks' order.
        skipped: tasks finished by an earlier run and not redone.
        failures: label -> error, for every task that failed.
    """

    results: dict[str, TaskResult] = field(default_factory=dict)
    skipped: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def execute(work: Work, spec: Any, shared: Any) -> TaskResult:
    """Run one task on one torch thread (``KINEMYO_THREADS`` aside) and one BLAS thread."""
    from threadpoolctl import threadpool_limits

    from kinemyo.training.threads import torch_threads

    with threadpool_limits(limits=1), torch_threads():
        return work(spec, shared)


def _attempt(work: Work, spec: Any, shared: Any) -> TaskResult | str:
    """The task's result, or its error as text (errors cross process boundaries as text)."""
    try:
        return execute(work, spec, shared)
    except Exception as error:  # a failed task is reported; the others go on
        return f"{type(error).__name__}: {error}"


def run_tasks(
    tasks: Sequence[Task],
    work: Work,
    shared: Any,
    store: TaskStore,
    execution: Execution | None = None,
    progress: TaskProgress | None = None,
) -> RunOutcome:
    """Run the tasks ``store`` has no result for; return every task's stored result.

    Args:
        tasks: the run's tasks (unique keys).
        work: ``work(task.spec, shared)`` fits and scores one task.
        shared: the data every task reads, sent once per worker.
        store: where results are kept; tasks it holds are skipped.
        execution: how to run (default: one after another in this process).
        progress: told the counts after every change.
    """
    execution = execution or Execution()
    pending = [task for task in tasks if not store.has(task.key)]
    outcome = RunOutcome(skipped=len(tasks) - len(pending))
    counts = TaskCounts(total=len(tasks), skipped=outcome.skipped)
    tell = progress or (lambda counts, message: None)
    tell(counts, f"{outcome.skipped} of {len(tasks)} tasks already done")

    def finished(task: Task, result: TaskResult | str, running: int) -> None:
        nonlocal counts
        if isinstance(result, str):
            outcome.failures[task.label] = result
            counts = replace(counts, running=running, failed=counts.failed + 1)
            tell(counts, f"FAILED {task.label}: {result}")
            return
        store.write(task.key, task.label, result)
        counts = replace(counts, running=running, done=counts.done + 1)
        tell(counts, f"finished {task.label}")

    def started(running: int, label: str) -> None:
        nonlocal counts
        counts = replace(counts, running=running)
        tell(counts, f"running {label}")

    if pending:
        if execution.uses_ray:
            _on_ray(pending, work, shared, execution, started, finished)
        elif execution.jobs > 1 and len(pending) > 1:
            _on_pool(pending, work, shared, execution.jobs, started, finished)
        else:
            for task in pending:
                started(1, task.label)
                finished(task, _attempt(work, task.spec, shared), 0)
    outcome.results = {task.key: store.read(task.key) for task in tasks if store.has(task.key)}
    return outcome


_WORKER: dict[str, Any] = {}
"""A pool worker's work function and shared data, set once by :func:`_start_worker`."""


def _start_worker(work: Work, shared: Any) -> None:
    _WORKER.update(work=work, shared=shared)


def _in_worker(spec: Any) -> TaskResult | str:
    return _attempt(_WORKER["work"], spec, _WORKER["shared"])


def _on_pool(
    pending: Sequence[Task],
    work: Work,
    shared: Any,
    jobs: int,
    started: Callable[[int, str], None],
    finished: Callable[[Task, TaskResult | str, int], None],
) -> None:
    """Run ``pending`` on ``jobs`` spawned worker processes (never forked: torch is not
    fork-safe), ``shared`` sent to each worker once."""
    workers = min(jobs, len(pending))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(work, shared),
    )
    try:
        running: dict[Future, Task] = {pool.submit(_in_worker, t.spec): t for t in pending}
        started(min(workers, len(running)), f"{len(pending)} tasks on {workers} workers")
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                error = future.exception()
                result = f"the worker process died ({error})" if error else future.result()
                finished(task, result, min(workers, len(running)))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_RAY_SHARED: dict[str, Any] = {}
"""A Ray worker's copy of the shared data, by object id: fetched once per worker process."""


def _on_ray_worker(work: Work, shared: list, spec: Any) -> TaskResult | str:
    import ray

    ref = shared[0]
    if ref.hex() not in _RAY_SHARED:
        _RAY_SHARED.clear()
        _RAY_SHARED[ref.hex()] = ray.get(ref)
    return _attempt(work, spec, _RAY_SHARED[ref.hex()])


def _refuse_unreachable(address: str) -> None:
    """Refuse at once a ``host:port`` (or ``ray://host:port``) nothing listens on, which Ray
    itself would retry for minutes; "auto" and other forms are left to Ray.

    Raises:
        KinemyoError: naming the address and what went wrong.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise KinemyoError(
            f"--ray-address {address}: no Ray cluster answers there ({error}). Start one "
            "(ray start --head) and give its address, or use --ray for a local cluster."
        ) from None


RAY_MISSING = (
    "--ray needs Ray, which is not installed. Install kinemyo's 'scale' extra "
    "(pip install 'kinemyo[scale]'), or run without --ray (--jobs N uses local processes)."
)


def _on_ray(
    pending: Sequence[Task],
    work: Work,
    shared: Any,
    execution: Execution,
    started: Callable[[int, str], None],
    finished: Callable[[Task, TaskResult | str, int], None],
) -> None:
    """Run ``pending`` on Ray: a local cluster started (and stopped) here, or the cluster at
    ``execution.ray_address``, or the one this process already joined."""
    try:
        import ray
    except ImportError:
        raise KinemyoError(RAY_MISSING) from None
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if execution.ray_address is not None:
            _refuse_unreachable(execution.ray_address)
            options["address"] = execution.ray_address
        else:
            options["num_cpus"] = execution.jobs if execution.jobs > 1 else os.cpu_count()
        try:
            ray.init(**options)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise KinemyoError(
                f"Could not start or join the Ray cluster ({execution.describe()}): {error}"
            ) from None
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(_on_ray_worker)
        shared_ref = [ray.put(shared)]
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        running = {remote.remote(work, shared_ref, t.spec): t for t in pending}
        started(min(cpus, len(running)), f"{len(pending)} tasks on Ray ({cpus} CPUs)")
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            for ref in done:
                task = running.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as error:
                    result = f"the Ray task died ({type(error).__name__}: {error})"
                finished(task, result, min(cpus, len(running)))
    finally:
        if started_here:
            ray.shutdown()


def failure_list(failures: Mapping[str, str]) -> str:
    """The failed tasks as one paragraph: "label: error; label: error"."""
    return "; ".join(f"{label}: {error}" for label, error in failures.items())
