"""A cache of parsed CSV tables as Arrow IPC files, so a dataset is parsed from text only once.

Parsing text is the cost of reading a dataset (SIAT-LLMD is about 4 GB of CSV); experiments read
the same files again and again. The cache stores each parsed table as an uncompressed Arrow IPC
file (no pickle), memory-mapped on reading. There is one entry per file path and set of columns;
it records the file's size, modification time and a hash of its first and last 64 KiB, so an
edited file is parsed anew and its entry replaced. Validation (columns, time axis, gaps) still runs
on every read; only parsing is skipped. When the cache outgrows its limit, the entries written
longest ago are deleted.

Location: ``$KINEMYO_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/kinemyo`` or ``~/.cache/kinemyo``;
setting ``KINEMYO_CACHE_DIR=off`` disables it. Limit: ``$KINEMYO_CACHE_MAX_GB`` (default 4 GB).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from kinemyo.errors import KinemyoError
from kinemyo.fileio import atomic_file

FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 4 * 10**9
_PROBE_BYTES = 64 * 1024
_IDENTITY_KEY = b"kinemyo.source_identity"


def default_cache_dir() -> Path | None:
    """The cache folder from the environment, or None when caching is switched off."""
    configured = os.environ.get("KINEMYO_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kinemyo"


def default_max_bytes() -> int:
    """The cache size limit in bytes, from ``$KINEMYO_CACHE_MAX_GB`` (default 4 GB)."""
    configured = os.environ.get("KINEMYO_CACHE_MAX_GB")
    if not configured:
        return DEFAULT_MAX_BYTES
    try:
        return int(float(configured) * 10**9)
    except ValueError:
        raise KinemyoError(
            f"KINEMYO_CACHE_MAX_GB='{configured}' is not a number of gigabytes, e.g. 4 or 0.5."
        ) from None


def _identity(path: Path) -> bytes:
    """Size, modification time and a hash of the first and last 64 KiB of ``path``."""
    stat = path.stat()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(_PROBE_BYTES))
        if stat.st_size > _PROBE_BYTES:
            handle.seek(max(stat.st_size - _PROBE_BYTES, _PROBE_BYTES))
            digest.update(handle.read())
    return f"{stat.st_size}:{stat.st_mtime_ns}:{digest.hexdigest()}".encode()


def prune_folder(directory: Path, max_bytes: int | None = None) -> None:
    """Delete the files of ``directory`` written longest ago until it fits ``max_bytes``
    (default :func:`default_max_bytes`)."""
    limit = default_max_bytes() if max_bytes is None else max_bytes
    entries = [(entry.stat(), entry) for entry in directory.iterdir() if entry.is_file()]
    total = sum(stat.st_size for stat, _ in entries)
    for stat, entry in sorted(entries, key=lambda item: item[0].st_mtime_ns):
        if total <= limit:
            break
        entry.unlink(missing_ok=True)
        total -= stat.st_size


_writer: futures.ThreadPoolExecutor | None = None
_writes: list[tuple[Path | None, futures.Future[None]]] = []
"""Writes handed to :func:`write_behind` and not yet waited for, with the entry each writes."""
_writes_lock = threading.Lock()


def _yield_to_readers() -> None:
    """Run this thread at the lowest priority (nice 19, Linux: threads have their own), so
    cache writes take the cores only when the parsing threads leave them."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def write_behind(write: Callable[[], None], entry: Path | None = None) -> None:
    """Run ``write`` (a cache write of ``entry``, or another cache job such as a prune) on the
    cache's one writer thread, which outlives the read that asked for it: the read returns once
    its files are parsed and checked, and the writes go on meanwhile. The interpreter waits for
    them at exit; an entry is renamed into place whole (:func:`~kinemyo.fileio.atomic_file`), so
    a killed process leaves none half-written. :meth:`TableCache.get` of an entry first waits
    for that entry's pending write, so a second read finds the first one's entries. The writer
    runs at the lowest CPU priority, so on a busy machine it waits for the parsing threads."""
    global _writer
    with _writes_lock:
        if _writer is None:
            _writer = futures.ThreadPoolExecutor(
                1, thread_name_prefix="kinemyo-cache", initializer=_yield_to_readers
            )
        _writes[:] = [(key, done) for key, done in _writes if not done.done()]
        _writes.append((entry, _writer.submit(write)))


def wait_for_writes(entry: Path | None = None) -> None:
    """Block until the pending writes of ``entry`` (None: every pending cache job) are done
    (their errors stay there: :meth:`TableCache.put` leaves no entry rather than stop a read)."""
    with _writes_lock:
        pending = [job for key, job in _writes if entry is None or key == entry]
        _writes[:] = [(key, job) for key, job in _writes if job not in pending]
    futures.wait(pending)


class TableCache:
    """Parsed tables, one entry per file path and set of columns.

    Args:
        directory: where entries are kept; created on first write.
        max_bytes: size limit of the folder (default ``default_max_bytes()``); the entries written
            longest ago are deleted first.
    """

    def __init__(self, directory: str | Path, max_bytes: int | None = None) -> None:
        self.directory = Path(directory)
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes

    def _entry(self, path: Path, columns: Sequence[str]) -> Path:
        name = "\x1f".join([str(path.resolve()), *columns, f"v{FORMAT_VERSION}"])
        return self.directory / f"{hashlib.sha256(name.encode()).hexdigest()[:40]}.arrow"

    def get(self, path: Path, columns: Sequence[str]) -> pa.Table | None:
        """The cached table of ``path`` with ``columns``; None on a miss or a stale entry."""
        entry = self._entry(path, columns)
        wait_for_writes(entry)
        if not entry.is_file():
            return None
        try:
            with pa.memory_map(str(entry)) as source:
                table = ipc.open_file(source).read_all()
        except (OSError, pa.ArrowInvalid):
            entry.unlink(missing_ok=True)
            return None
        stored = (table.schema.metadata or {}).get(_IDENTITY_KEY)
        return table if stored == _identity(path) else None

    def put(
        self, path: Path, columns: Sequence[str], table: pa.Table, *, prune: bool = True
    ) -> None:
        """Store ``table`` as the parse of ``path`` with ``columns``, replacing an older entry,
        then (``prune``) delete the oldest entries beyond the size limit (:meth:`prune`: it
        looks at every entry, so a reader storing many tables prunes once, after the last).

        Errors (a read-only or full cache folder) leave no entry and do not stop the read.
        """
        entry = self._entry(path, columns)
        table = table.replace_schema_metadata({_IDENTITY_KEY: _identity(path)})
        try:
            with atomic_file(entry) as tmp, ipc.new_file(str(tmp), table.schema) as writer:
                writer.write_table(table)
            if prune:
                self.prune()
        except OSError:
            return

    def put_behind(self, path: Path, columns: Sequence[str], table: pa.Table) -> None:
        """:meth:`put` (without pruning) on the writer thread: see :func:`write_behind`."""
        write = functools.partial(self.put, path, columns, table, prune=False)
        write_behind(write, self._entry(path, columns))

    def prune(self) -> None:
        """Delete the entries written longest ago until the folder fits the size limit."""
        try:
            prune_folder(self.directory, self.max_bytes)
        except OSError:
            return
