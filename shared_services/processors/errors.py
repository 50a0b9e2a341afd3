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

__all__ = [
    "ImproperlyConfigured", "CoverageDataError", "CoverageStorageError", "check_name_list", "check_mixins_first",
]


class ImproperlyConfigured(ValueError):
    """A processor class is configured wrongly; raised when the class is defined (exit 2 in commands)."""

    exit_code = 2


class CoverageDataError(ValueError):
    """Input data a processor was given is unusable (wrong type, malformed date, ...)."""


class CoverageStorageError(RuntimeError):
    """The warehouse failed in a way the library could not absorb."""


def check_name_list(cls: type, attribute: str) -> None:
    """``cls.<attribute>`` must be a list (or tuple) of names, never one string.

    ``REQUIRED_FIELDS = 'game_id'`` would otherwise be read letter by letter ('g', 'a', ...).

    Example::

        check_name_list(MyProcessor, 'REQUIRED_FIELDS')
    """
    value = getattr(cls, attribute, ())
    if isinstance(value, str | bytes):
        raise ImproperlyConfigured(
            f"{cls.__qualname__}.{attribute} must be a list of names, got the string {value!r}; "
            f"write {attribute} = [{value!r}]")
    if not isinstance(value, list | tuple):
        raise ImproperlyConfigured(
            f"{cls.__qualname__}.{attribute} must be a list of names, got {type(value).__name__} {value!r}")


def check_mixins_first(cls: type, mixin: type) -> None:
    """The coverage mixins go before the host base in the class line, as the docs say.

    A direct base with its own ``__init__`` (the host base, e.g. ``AnalyticsProcessorBase``)
    listed before ``mixin`` would shadow the mixins' methods; this raises naming the fix.

    Example::

        class P(AnalyticsProcessorBase, QualityMixin): ...
        # ImproperlyConfigured: P: list the coverage mixins before the host base ...
    """
    bases = cls.__bases__
    positions = [index for index, base in enumerate(bases) if issubclass(base, mixin)]
    if not positions:
        return
    for base in bases[:max(positions)]:
        if issubclass(base, mixin) or base is object:
            continue
        if any("__init__" in vars(klass) for klass in base.__mro__[:-1]):
            order = ", ".join([*(b.__name__ for b in bases if b is not base), base.__name__])
            raise ImproperlyConfigured(
                f"{cls.__qualname__}: the host base {base.__name__} is listed before {mixin.__name__}; "
                f"mixins go first and the host base last: class {cls.__name__}({order})")
