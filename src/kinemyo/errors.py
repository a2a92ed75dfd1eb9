"""Errors a user can act on: each says what is wrong, where (file, column, row) and what to do."""

from __future__ import annotations

from pathlib import Path


class KinemyoError(Exception):
    """Base class of every error kinemyo raises on purpose.

    The CLI prints the message of a ``KinemyoError`` as one paragraph, without a traceback
    (``--debug`` shows it).
    """


class DataFormatError(KinemyoError):
    """A data file or folder is missing, malformed or inconsistent.

    Args:
        problem: what is wrong, as a sentence.
        path: the file or folder concerned.
        column: the column name, when one column is at fault.
        row: the 1-based data row (the first row after the header is row 1).
        hint: what the user can do about it.
        header_lines: lines before the first data row, so that the message can give the file
            line of ``row`` (``row + header_lines``); 1 for a CSV file with a header line.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        hint: str | None = None,
        header_lines: int = 1,
    ) -> None:
        self.problem = problem
        self.header_lines = header_lines
        self.path = None if path is None else Path(path)
        self.column = column
        self.row = row
        self.hint = hint
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + self.header_lines})")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.hint:
            text += " " + self.hint
        return text

    def after_header(self, header_lines: int) -> DataFormatError:
        """The same error in a file with ``header_lines`` lines before its first data row."""
        return DataFormatError(
            self.problem,
            path=self.path,
            column=self.column,
            row=self.row,
            hint=self.hint,
            header_lines=header_lines,
        )


class MissingBodyMassError(KinemyoError):
    """A moment in N·m/kg was asked for a subject whose body mass is unknown."""


class DataWarning(UserWarning):
    """Data were read, but something in them needed fixing or looks suspicious."""


class RecoveryWarning(UserWarning):
    """What an interrupted earlier run left behind was recovered or removed."""
