"""Text hygiene for everything that enters an event, a spool file or a log record.

Two rules, applied at the door:

* **Valid Unicode only.** A lone UTF-16 surrogate (``json.loads('"\\ud83c"')``, a scraped
  name with a cut emoji) cannot be encoded as UTF-8, so BigQuery, DuckDB and the spool writer
  would all reject it. :func:`valid_text` replaces every such code point with U+FFFD
  (``'\\ufffd'``, the Unicode replacement character); the rest of the string is kept.
* **One log record, one line.** :func:`log_safe` escapes CR, LF and other control characters
  (``'\\n'`` becomes the two characters ``\\n``), so a description cannot forge a second log
  record.

Example::

    >>> valid_text('Don\\ud83c')
    'Don\\ufffd'
    >>> valid_value({'names': ['ok', '\\udc80']})
    {'names': ['ok', '\\ufffd']}
    >>> log_safe('line one\\nERROR forged')
    'line one\\\\nERROR forged'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["REPLACEMENT", "valid_text", "valid_value", "log_safe"]

#: What an invalid code point becomes.
REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the string itself when clean).

    Example::

        >>> valid_text('abc') == 'abc', valid_text('\\ud800x')
        (True, '\\ufffdx')
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, text)
    return text


def valid_value(value: Any) -> Any:
    """``value`` with :func:`valid_text` applied to every string inside it (keys included).

    Lists, tuples and mappings are rebuilt only when they hold a string to fix; other values
    are returned unchanged.

    Example::

        >>> valid_value(['a', ('\\udfff',), 3])
        ['a', ['\\ufffd'], 3]
    """
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict | list | tuple) and _already_valid(value):
        return value if not isinstance(value, tuple) else list(value)
    return _repair(value)


def _already_valid(value: Any) -> bool:
    """One C-speed pass (``json.dumps`` then UTF-8) that is True when no string needs repair."""
    try:
        json.dumps(value, ensure_ascii=False, default=_opaque).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (TypeError, ValueError, RecursionError):  # keys json cannot sort or encode: check by hand
        return False
    return True


def _opaque(value: Any) -> None:
    """``json.dumps`` default: values of other types are left alone by :func:`valid_value`."""
    return None


def _repair(value: Any) -> Any:
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, Mapping):
        return {_repair(k): _repair(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_repair(item) for item in value]
    return value


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def one_line(text: str) -> str:
    """``text`` with its line breaks and other control characters escaped (``\\n``, ``\\x1b``):
    one line, whatever it holds (a multi-line database error, a hostile id).

    Example::

        >>> one_line('LINE 1: x\\n  ^')
        'LINE 1: x\\\\n  ^'
    """
    return _CONTROL.sub(_escape, text)


def log_safe(value: object, limit: int = 2_000) -> str:
    """``str(value)`` as ONE line: control characters escaped, invalid code points replaced.

    Longer text is cut to ``limit`` characters with a ``... [+N chars]`` marker.

    Example::

        >>> log_safe('a\\r\\nb\\x1b[31m')
        'a\\\\r\\\\nb\\\\x1b[31m'
    """
    try:
        text = str(value)
    except Exception:  # a broken __str__ must not break logging
        text = f"<unprintable {type(value).__name__}>"
    text = one_line(valid_text(text))
    if len(text) > limit:
        text = text[:limit] + f"... [+{len(text) - limit} chars]"
    return text
