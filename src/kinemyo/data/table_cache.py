"""A cache of parsed CSV tables as Arrow IPC files, so a dataset is parsed from text only once.

Parsing text is the cost of reading a dataset (SIAT-LLMD is about 4 GB of CSV); experiments read
the same files again and again. The cache stores each parsed table as an uncompressed Arrow IPC
file (no pickle), memory-mapped on reading. An entry is keyed by the file's absolute path, size,
modification time, a hash of its first and last 64 KiB, the columns asked for and the cache format
version, so an edited file is parsed anew. Validation (columns, time axis, gaps) still runs on
every read; only parsing is skipped.

Location: ``$KINEMYO_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/kinemyo`` or ``~/.cache/kinemyo``;
setting ``KINEMYO_CACHE_DIR=off`` disables it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from kinemyo.fileio import atomic_file

FORMAT_VERSION = 1
_PROBE_BYTES = 64 * 1024


def default_cache_dir() -> Path | None:
    """The cache folder from the environment, or None when caching is switched off."""
    configured = os.environ.get("KINEMYO_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "none") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kinemyo"


class TableCache:
    """Parsed tables keyed by file identity and the columns read.

    Args:
        directory: where entries are kept; created on first write.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def _entry(self, path: Path, columns: Sequence[str]) -> Path:
        stat = path.stat()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            digest.update(handle.read(_PROBE_BYTES))
            if stat.st_size > _PROBE_BYTES:
                handle.seek(max(stat.st_size - _PROBE_BYTES, _PROBE_BYTES))
                digest.update(handle.read())
        identity = "\x1f".join(
            [
                str(path.resolve()),
                str(stat.st_size),
                str(stat.st_mtime_ns),
                *columns,
                f"v{FORMAT_VERSION}",
            ]
        )
        digest.update(identity.encode())
        return self.directory / f"{digest.hexdigest()[:40]}.arrow"

    def get(self, path: Path, columns: Sequence[str]) -> pa.Table | None:
        """The cached table of ``path`` with ``columns``, or None on a miss."""
        entry = self._entry(path, columns)
        if not entry.is_file():
            return None
        try:
            with pa.memory_map(str(entry)) as source:
                return ipc.open_file(source).read_all()
        except (OSError, pa.ArrowInvalid):
            entry.unlink(missing_ok=True)
            return None

    def put(self, path: Path, columns: Sequence[str], table: pa.Table) -> None:
        """Store ``table`` as the parse of ``path`` with ``columns``; errors leave no entry."""
        entry = self._entry(path, columns)
        try:
            with atomic_file(entry) as tmp, ipc.new_file(str(tmp), table.schema) as writer:
                writer.write_table(table)
        except OSError:
            return  # a read-only or full cache folder must not stop a read
