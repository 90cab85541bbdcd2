"""The statements of a small rescore, compiled once and kept as SQL text.

A rescore of 100 changed accounts spent a quarter of its CPU building and compiling the same
Django querysets again (about 20 ms), more than the database spent answering them. Those
statements are functions of a few plain values (the day scored, the scorecards' value kinds,
the feature sources) and of the ids, which every one takes as ONE array parameter
(`health.frames.AnyOf`): each is compiled once per key with `SLOT` where the ids go, kept as
text, and read with the ids' array literal in the slot's place (`bound`).
"""

from collections.abc import Callable, Iterable

from django.db import connection


class IdsSlot:
    """Where the ids go while a statement is compiled: the `any` lookup passes it through as
    its parameter. Not a list, so code that would read ids out of it fails loudly instead of
    compiling a statement for no ids."""

    def __repr__(self) -> str:
        return "SLOT"


SLOT = IdsSlot()
SLOT_TEXT = "candor:ids"
# Keys are a day and a set of scorecards: a handful live at once. Past this many the kept
# statements are dropped together (yesterday's day is not asked again).
KEPT_MAX = 64
_kept: dict = {}


def kept(key, compile: Callable):
    """`compile()`'s value for `key`, computed once. `key` must name everything the value
    depends on besides the ids. Read once (a web process's rescore thread may empty the store
    between a check and a second read); two threads may both compile a key, alike."""
    value = _kept.get(key)
    if value is None:
        if len(_kept) >= KEPT_MAX:
            _kept.clear()
        value = _kept[key] = compile()
    return value


def statement_text(sql: str, params: Iterable) -> str:
    """A compiled statement as SQL text with its parameters in place and the ids' place (a
    `SLOT` parameter) marked, for `bound`."""
    with connection.cursor() as cursor:
        marker = cursor.mogrify("%s", [SLOT_TEXT])
        text = cursor.mogrify(sql, [SLOT_TEXT if value is SLOT else value for value in params])
    return text.replace(marker, _MARK)


_MARK = "'" + SLOT_TEXT + "'"


def bound(text: str, ids: Iterable) -> str:
    """The statement's text with `ids` (integers) in the slot's place, as a bigint array."""
    return text.replace(_MARK, "'{" + ",".join(str(int(pk)) for pk in ids) + "}'::bigint[]")
