"""Unicode normalization as BigQuery's NORMALIZE and NORMALIZE_AND_CASEFOLD do it.

String functions, "NORMALIZE": "Takes a string value and returns it as a normalized string ...
NFC (default), NFKC, NFD, NFKD"; "NORMALIZE_AND_CASEFOLD": the same, then case folding. BigQuery's
engine (ZetaSQL, string.cc, ``Normalize``) normalizes with ICU, then folds case with ICU's
default full case folding; Python's ``unicodedata.normalize`` and ``str.casefold`` are the same
Unicode algorithms (the Unicode version of each may differ for characters added recently).

DuckDB has neither function (it has NFC only, as ``nfc_normalize``). The embedded warehouse
registers :func:`normalize_text` as the DuckDB function ``bq_normalize(value, mode, casefold)``,
and the translation writes both functions as calls to it (``sql_translate._string_functions``).
A player name from two feeds, ``'Jokić'`` composed and decomposed, compares equal after either.

Example::

    normalize_text('Jok\\u0069\\u0107', 'NFD', False) == 'Joki\\u0107'.replace('\\u0107', 'c\\u0301')  # True
    normalize_text('STRASSE', 'NFC', True) == normalize_text('Straße', 'NFC', True)            # True
"""

from __future__ import annotations

import unicodedata

#: The normalization modes BigQuery takes (string functions, "NORMALIZE").
MODES = ("NFC", "NFKC", "NFD", "NFKD")

#: The DuckDB function name the embedded warehouse registers.
NORMALIZE_FUNCTION = "bq_normalize"


def normalize_text(value: str | None, mode: str | None, casefold: bool | None) -> str | None:
    """``value`` normalized to ``mode`` (NFC, NFKC, NFD or NFKD), case-folded when ``casefold``;
    NULL for NULL.

    Example::

        normalize_text('e\\u0302', 'NFC', False)   # 'ê'
        normalize_text('ÉCOLE', 'NFC', True)        # 'école'
    """
    if value is None or mode is None:
        return None
    normalized = unicodedata.normalize(mode, value)  # type: ignore[arg-type]
    return normalized.casefold() if casefold else normalized
