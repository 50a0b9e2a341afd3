"""Checks for the parts of a quality assessment that callers hand back to the library.

An assessment's ``issues`` and ``sources`` are lists of names and its ``score`` is a number
from 0 to 100 (SCORING.md). They come back from callers (a row's features, a dict built by
hand, an assessment read from a table), so every function that takes them checks them the
same way: a single string is not a list (``list('abc')`` would be three issues), a set has no
order, and a score of -5, 150, NaN or infinity is not a score. Each error names the argument.

Example::

    text_list(['thin_sample:3/8'], "assessment['issues']")   # ['thin_sample:3/8']
    text_list('thin_sample', "assessment['issues']")         # TypeError: ... not the str 'thin_sample'
    quality_score(150, "assessment['score']")                # ValueError: ... 0 to 100
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import pandas as pd

from shared_services.events.text import valid_text

__all__ = ["quality_score", "text_list"]

#: Ordered containers whose items are taken one by one (a DataFrame cell may hold an array).
_ORDERED = (list, tuple, np.ndarray, pd.Series)


def text_list(value: Any, what: str) -> list[str]:
    """``value`` as a list of ``str``: a list, tuple, numpy array or Series of ``str``.

    A ``str`` / ``bytes`` (not a list of names), a set (no order), a mapping or anything else,
    or an item that is not a ``str``, is a ``TypeError`` naming ``what``. A lone surrogate in an
    item is replaced by U+FFFD (it could not be stored).

    Example::

        >>> text_list(('a', 'b'), 'sources')
        ['a', 'b']
    """
    if isinstance(value, str | bytes):
        raise TypeError(f"{what} must be a list of names, not the {type(value).__name__} {value!r}")
    if not isinstance(value, _ORDERED):
        raise TypeError(f"{what} must be a list of names; got {type(value).__name__} {value!r}")
    items = value.tolist() if isinstance(value, np.ndarray | pd.Series) else list(value)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{what}[{index}] must be a str; got {type(item).__name__} {item!r}")
    # Valid Unicode, as for events: a lone surrogate (half an emoji) cannot be written to a
    # table and would fail the whole load; it becomes U+FFFD.
    return [item if item.isascii() else valid_text(item) for item in items]


def quality_score(value: Any, what: str) -> float:
    """``value`` as a quality score: a real number from 0 to 100 (``bool`` is not one).

    Example::

        >>> quality_score(92, 'score')
        92.0
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a number from 0 to 100; got {type(value).__name__} {value!r}")
    number = float(value)
    if not (math.isfinite(number) and 0.0 <= number <= 100.0):
        raise ValueError(f"{what} must be a number from 0 to 100; got {value!r}")
    return number
