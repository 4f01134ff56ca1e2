"""Errors that mean "the input is not what realiz3d expects" (a file, an option, a model).

The CLI prints these as one line and exits with status 2; any other exception is a bug in
realiz3d (or in a library under it) and keeps its traceback. Each error type of a module
(ConfigError, DataError, MeshError, ...) derives from Realiz3DError, and from the built-in
type callers of the Python API already catch (ValueError, FileNotFoundError).
"""
from __future__ import annotations


class Realiz3DError(Exception):
    """Base of every input error realiz3d raises on purpose."""


class InputError(Realiz3DError, ValueError):
    """An argument or option out of range or of the wrong kind."""


class InputFileError(Realiz3DError, FileNotFoundError):
    """A file or folder that is missing or is not what was expected there."""

