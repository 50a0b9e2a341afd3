"""Yes/no settings read from text (environment variables): one reading for every command.

Example::

    parse_flag(' Yes ')   # True
    parse_flag('off')     # False
    parse_flag('ture')    # None: neither; the caller decides (refuse, or take the safe side)
"""

from __future__ import annotations

__all__ = ["FLAG_NO", "FLAG_YES", "parse_flag"]

#: The texts read as yes and as no (case and surrounding spaces ignored; unset or empty is no).
FLAG_YES = ("1", "true", "yes", "on")
FLAG_NO = ("", "0", "false", "no", "off")


def parse_flag(text: str) -> bool | None:
    """True for a yes text, False for a no text, None for anything else (a typo)."""
    value = text.strip().lower()
    if value in FLAG_YES:
        return True
    if value in FLAG_NO:
        return False
    return None
