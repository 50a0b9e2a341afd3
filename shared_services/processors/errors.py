"""The three error families: configuration, data, storage.

Each subclasses the fitting built-in so callers can catch broadly (``except ValueError``).

Example::

    try:
        class Broken(QualityMixin):
            REQUIRED_FIELDS = ['points']
            OPTIONAL_FIELDS = ['points']
    except ImproperlyConfigured as exc:
        print(exc)   # names the class and the fix
"""

from __future__ import annotations

__all__ = ["ImproperlyConfigured", "CoverageDataError", "CoverageStorageError"]


class ImproperlyConfigured(ValueError):
    """A processor class is configured wrongly; raised when the class is defined."""


class CoverageDataError(ValueError):
    """Input data a processor was given is unusable (wrong type, malformed date, ...)."""


class CoverageStorageError(RuntimeError):
    """The warehouse failed in a way the library could not absorb."""
