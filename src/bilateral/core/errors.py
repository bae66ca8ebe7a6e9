"""Exception classes with the fields a user needs to fix the problem.

The command line turns each into one line and an exit code (see ``cli``):
``InputError`` and its subclasses exit 2, ``NotebookError`` exits 1.
"""

from __future__ import annotations


class BilateralError(Exception):
    """Base class of every error this package raises on purpose.

    Subclasses keep their constructor's arguments so that an error raised in a
    worker process crosses back to the parent intact (pickling).
    """

    exit_code = 1

    def __reduce__(self):
        return (_rebuild, (self.__class__, self.__dict__.copy(), str(self)))


def _rebuild(cls, state, message):
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class InputError(BilateralError):
    """Bad input: data, parameters or usage. Exit code 2."""

    exit_code = 2


class DataError(InputError):
    """A data file that does not pass validation.

    Parameters
    ----------
    file : str
        The file, as the user named it (relative where possible).
    why : str
        What is wrong, in words.
    row : int, optional
        The line number in the file (the header is line 1).
    column : str, optional
        The column name.
    """

    def __init__(self, file: str, why: str, row: int | None = None, column: str | None = None):
        self.file, self.why, self.row, self.column = str(file), why, row, column
        where = self.file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {why}")


class MissingFigureError(DataError, KeyError):
    """A figure the analyses need is not in the data folder. Also a ``KeyError``, so code
    that looks figures up like a mapping keeps working."""

    __str__ = Exception.__str__


class ParameterError(InputError):
    """A parameter (or parameter file) that is unknown or does not convert.

    Parameters
    ----------
    name : str
        The parameter name, or the parameter file's path.
    why : str
        What was expected.
    notebook : str, optional
        The notebook the parameter was meant for.
    is_file : bool
        True when ``name`` is a parameter file rather than a parameter.
    """

    def __init__(self, name: str, why: str, notebook: str | None = None, is_file: bool = False):
        self.name, self.why, self.notebook, self.is_file = name, why, notebook, is_file
        where = name if is_file else f"parameter {name!r}"
        if notebook:
            where += f" of {notebook}"
        super().__init__(f"{where}: {why}")


class NotebookSourceError(InputError):
    """A notebook that cannot be used: missing, not JSON, or no ``parameters`` cell."""

    def __init__(self, notebook: str, why: str):
        self.notebook, self.why = notebook, why
        super().__init__(f"{notebook}: {why}")


class UsageError(InputError):
    """A command line that does not make sense (unknown notebook, bad option value)."""


class PrerequisiteError(InputError):
    """Something the machine lacks, with the package that provides it."""


class BuildLockedError(InputError):
    """Another build holds the output folder."""


class OutputFolderError(InputError):
    """An output folder the build may not use: inside or holding its inputs, a linked
    subfolder, a path that cannot be made a folder."""


class AnalysisInputError(InputError):
    """Data and parameters that pass their own checks but that an analysis cannot use
    (a zero base of a share, say), found before any kernel starts.

    Parameters
    ----------
    notebook : str
        The notebook whose analyses were checked.
    data : str
        The data folder, as the user named it.
    why : str
        What the analysis found.
    """

    def __init__(self, notebook: str, data: str, why: str):
        self.notebook, self.data, self.why = notebook, data, why
        super().__init__(f"{notebook}: the analyses cannot use the data in {data} with these "
                         f"parameters: {why}")


class NotebookError(BilateralError):
    """A notebook that failed while it ran.

    Parameters
    ----------
    notebook : str
        The notebook's name.
    cell : int or None
        The 1-based number of the code cell that failed, counting every cell.
    ename, evalue : str
        The exception's class name and message.
    kept : str, optional
        Where the failed executed notebook was written.
    """

    exit_code = 1

    def __init__(self, notebook: str, cell: int | None, ename: str, evalue: str,
                 kept: str | None = None):
        self.notebook, self.cell, self.ename, self.evalue, self.kept = (
            notebook, cell, ename, evalue, kept)
        where = f"{notebook}, cell {cell}" if cell is not None else notebook
        first_line = (evalue or "").strip().splitlines()[0] if (evalue or "").strip() else ""
        msg = f"{where}: {ename}: {first_line}" if first_line else f"{where}: {ename}"
        if kept:
            msg += f" (executed notebook kept at {kept})"
        super().__init__(msg)


class TargetError(BilateralError):
    """A report that could not be made for a reason other than a failing cell: rendering
    failed, the target ran out of time, its output could not be written, or the process
    that built it died.

    Parameters
    ----------
    target : str
        The target's name (``trade``, ``slowdown/trade``).
    why : str
        What happened, in words.
    kept : str, optional
        Where the executed notebook was kept, when there is one.
    """

    exit_code = 1

    def __init__(self, target: str, why: str, kept: str | None = None):
        self.target, self.why, self.kept = target, why, kept
        msg = f"{target}: {why}"
        if kept:
            msg += f" (executed notebook kept at {kept})"
        super().__init__(msg)
