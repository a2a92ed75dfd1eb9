"""Loss-free writing: files and folders appear complete under their final name, or not at all.

Rules every output of kinemyo follows:

- kinemyo replaces only a folder it wrote itself, recognised by its marker file
  (:data:`MARKER`); any other non-empty folder is refused unless the user asks to overwrite it.
- Even with ``overwrite`` it never replaces a folder that is, contains or lies inside an input, nor
  ``/``, a home folder or the current working folder (or a folder above them).
- A folder is built under a hidden staging name beside its target and swapped in at the end. On
  Linux and macOS the swap is one atomic exchange of the two names, so a kill at any moment leaves
  either the old or the new result under the final name; elsewhere two renames are used and the
  next write recovers from a kill between them.
- Staging folders left behind by a killed run are recovered or removed by the next write to the
  same target, with a :class:`~kinemyo.errors.RecoveryWarning`.
- Files and folders get the permissions the user's umask gives, like any other program's output.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import functools
import json
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kinemyo.errors import KinemyoError, RecoveryWarning

MARKER = ".kinemyo-output.json"
"""The file that marks a folder as written by kinemyo (and complete)."""

MARKER_FORMAT = "kinemyo-output"
_STAGED = ".kinemyo-new"
_RETIRED = ".kinemyo-old"

test_hook: Callable[[str], None] | None = None
"""Called with the name of each step of a folder replacement ("staged", "swapped", "retired");
tests set it to kill the process at that step."""


def _step(name: str) -> None:
    if test_hook is not None:
        test_hook(name)


_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process's file-creation mask (e.g. 0o022), read without changing it where the system
    tells (Linux: ``/proc/self/status``); elsewhere set and reset under a lock, so that threads
    writing at once (the table cache's writer, a command's outputs) never leave it at 0."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _umask_lock:
        mask = os.umask(0)
        os.umask(mask)
        return mask


def _apply_umask(path: Path, *, directory: bool) -> None:
    """Give ``path`` the mode plain ``open``/``mkdir`` would (mkstemp/mkdtemp use 0600/0700)."""
    path.chmod((0o777 if directory else 0o666) & ~current_umask())


@dataclass(frozen=True)
class Destination:
    """Where a command writes its output folder, and what it may replace there.

    Attributes:
        path: the output folder.
        overwrite: replace a non-empty folder that kinemyo did not write (the user said so).
        inputs: files and folders the command reads; the output may never replace them.
    """

    path: Path
    overwrite: bool = False
    inputs: tuple[Path, ...] = ()

    @classmethod
    def of(cls, target: str | Path | Destination) -> Destination:
        """``target`` as a :class:`Destination` (a plain path gets the default, safe policy)."""
        return target if isinstance(target, Destination) else cls(Path(target))

    def check(self) -> None:
        """Refuse, before any work, a destination that :func:`atomic_directory` would refuse.

        Raises:
            KinemyoError: the path is a file, a protected folder, overlaps an input, or is a
                non-empty folder that kinemyo did not write and ``overwrite`` is false.
        """
        target = self.path
        if target.exists() and not target.is_dir():
            raise KinemyoError(f"{target} exists and is not a folder; choose another output path.")
        _refuse_protected(target)
        _refuse_inputs(target, self.inputs)
        if not _replaceable(target) and not self.overwrite:
            raise KinemyoError(
                f"{target} already exists, is not empty and was not written by kinemyo; "
                "choose another folder, or pass --overwrite to replace it and everything in it."
            )


def is_kinemyo_output(folder: Path) -> bool:
    """True when ``folder`` holds kinemyo's marker file, i.e. kinemyo wrote it completely."""
    try:
        meta = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == MARKER_FORMAT


def _replaceable(target: Path) -> bool:
    """A folder kinemyo may replace without being told: absent, empty or its own output."""
    if not target.exists():
        return True
    return not any(target.iterdir()) or is_kinemyo_output(target)


def _protected_folders() -> list[Path]:
    roots = [Path.cwd().resolve()]
    with contextlib.suppress(RuntimeError, KeyError):
        roots.append(Path.home().resolve())
    protected = {Path("/").resolve()}
    for root in roots:
        protected.add(root)
        protected.update(root.parents)
    return sorted(protected)


def _refuse_protected(target: Path) -> None:
    resolved = target.resolve()
    if resolved in _protected_folders():
        raise KinemyoError(
            f"{target} is {_describe_protected(resolved)}; kinemyo never writes its output "
            "there. Choose a new folder, e.g. runs/NAME."
        )


def _describe_protected(resolved: Path) -> str:
    if resolved == Path("/").resolve():
        return "the root folder"
    if resolved == Path.cwd().resolve():
        return "the current folder"
    with contextlib.suppress(RuntimeError, KeyError):
        if resolved == Path.home().resolve():
            return "your home folder"
    return "a folder that holds your home or current folder"


def _refuse_inputs(target: Path, inputs: Sequence[Path]) -> None:
    resolved = target.resolve()
    for source in inputs:
        source_resolved = Path(source).resolve()
        if resolved == source_resolved or resolved in source_resolved.parents:
            raise KinemyoError(
                f"--out {target} is or contains the input {source}; writing there would delete "
                "it. Choose another output folder."
            )
        if source_resolved in resolved.parents and target.exists() and not _replaceable(target):
            raise KinemyoError(
                f"--out {target} lies inside the input {source} and holds files kinemyo did not "
                "write; replacing it would delete part of the input. Choose another output folder."
            )


def check_file_destination(
    path: str | Path, *, overwrite: bool = False, inputs: Sequence[Path] = ()
) -> None:
    """Refuse an output file that would replace a folder, an input or, without ``overwrite``,
    an existing file.

    Raises:
        KinemyoError: ``path`` is a folder, is an input or lies inside one and exists, or exists
            and ``overwrite`` is false.
    """
    target = Path(path)
    if target.is_dir():
        raise KinemyoError(f"{target} is a folder; give a file name, e.g. {target / 'out.csv'}.")
    resolved = target.resolve()
    for source in inputs:
        source_resolved = Path(source).resolve()
        inside = source_resolved in resolved.parents and target.exists()
        if resolved == source_resolved or inside:
            raise KinemyoError(
                f"--out {target} is part of the input {source}; writing there would replace it. "
                "Choose another output file."
            )
    if target.exists() and not overwrite:
        raise KinemyoError(
            f"{target} already exists; choose another file name, or pass --overwrite to replace it."
        )


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``.

    If the body raises, the temporary file is removed and an existing ``path`` is left untouched.
    The file gets the umask's permissions, or keeps those of the file it replaces.

    Raises:
        KinemyoError: ``path`` is an existing folder.
    """
    target = Path(path)
    if target.is_dir():
        raise KinemyoError(f"{target} is a folder; give a file name, e.g. {target / 'out.csv'}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if target.exists():
            tmp.chmod(target.stat().st_mode & 0o777)
        else:
            _apply_umask(tmp, directory=False)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_directory(target: str | Path | Destination) -> Iterator[Path]:
    """Yield an empty staging folder beside the target; on success it becomes the target.

    The target is checked first (see :meth:`Destination.check`); a plain path replaces only an
    absent or empty folder or one kinemyo wrote. If the body raises, the staging folder is removed
    and an existing target is left as it was.

    Raises:
        KinemyoError: the target may not be replaced (see :meth:`Destination.check`).
    """
    destination = Destination.of(target)
    final = destination.path
    final.parent.mkdir(parents=True, exist_ok=True)
    recover_leftovers(final)
    destination.check()
    staged = Path(
        tempfile.mkdtemp(prefix=f".{final.name}.{os.getpid()}-", suffix=_STAGED, dir=final.parent)
    )
    _apply_umask(staged, directory=True)
    try:
        yield staged
        _write_marker(staged)
        _step("staged")
        if not final.exists():
            staged.rename(final)
            return
        if _exchange(staged, final):
            _step("swapped")
        else:
            retired = staged.with_name(staged.name.removesuffix(_STAGED) + _RETIRED)
            final.rename(retired)
            _step("retired")
            staged.rename(final)
            staged = retired
    finally:
        if staged.exists():
            shutil.rmtree(staged)


def _write_marker(folder: Path) -> None:
    from kinemyo import __version__

    meta = {"format": MARKER_FORMAT, "version": 1, "written_by": f"kinemyo {__version__}"}
    with (folder / MARKER).open("w", encoding="utf-8") as handle:
        json.dump(meta, handle)
        handle.flush()
        os.fsync(handle.fileno())


@functools.cache
def _libc_name() -> str | None:
    """The C library's name (``find_library`` runs ``ldconfig``: once per process)."""
    return ctypes.util.find_library("c")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap the names ``a`` and ``b``; False where the system cannot."""
    try:
        libc = ctypes.CDLL(_libc_name(), use_errno=True)
    except OSError:
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        result = libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_swap = 2
        result = libc.renamex_np(os.fsencode(a), os.fsencode(b), rename_swap)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(final: Path) -> list[tuple[Path, str]]:
    """Staging and retired folders of ``final`` whose writing process is gone."""
    found = []
    prefix = f".{final.name}."
    for entry in final.parent.iterdir():
        name = entry.name
        if not name.startswith(prefix) or not entry.is_dir():
            continue
        for suffix in (_STAGED, _RETIRED):
            if name.endswith(suffix):
                pid_text = name[len(prefix) :].split("-", 1)[0]
                if pid_text.isdigit() and not _alive(int(pid_text)):
                    found.append((entry, suffix))
    return found


def recover_leftovers(final: Path) -> None:
    """Recover or remove what a killed write to ``final`` left beside it.

    If ``final`` is missing (a kill between the two renames of the fallback swap), the newest
    complete result is moved back under its name: the staged new one if it is complete, else the
    retired old one. Every other leftover is removed. Each action is reported with a
    :class:`~kinemyo.errors.RecoveryWarning`.
    """
    if not final.parent.is_dir():
        return
    leftovers = _leftovers(final)
    if not final.exists():
        complete = [p for p, kind in leftovers if kind == _STAGED and is_kinemyo_output(p)]
        retired = [p for p, kind in leftovers if kind == _RETIRED]
        for candidate in complete + retired:
            candidate.rename(final)
            warnings.warn(
                f"{final} was missing after an interrupted run; restored it from {candidate.name}.",
                RecoveryWarning,
                stacklevel=3,
            )
            leftovers = [(p, kind) for p, kind in leftovers if p != candidate]
            break
    for path, _ in leftovers:
        shutil.rmtree(path, ignore_errors=True)
        warnings.warn(
            f"Removed {path}, left behind by an interrupted run.", RecoveryWarning, stacklevel=3
        )
