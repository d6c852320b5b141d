"""Pages of a result: the page of a list a request asks for (with a message instead of an error
for a bad one), and keyset pages for walking a large result a few rows per query."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.db.models.lookups import Lookup
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesIterable
from django.http import HttpRequest
from django.utils.translation import gettext

# Rows per query of keyset_rows(): memory is bounded by this, whatever the pooler mode.
KEYSET_PAGE_SIZE = 1000


def page_of(request: HttpRequest, items: QuerySet | Sequence[Any], per_page: int) -> Page:
    number = request.GET.get("page", "1")
    if not (number.isascii() and number.isdigit()):  # str.isdigit() alone takes "²"
        messages.error(
            request, gettext("ページの指定が正しくないため、最初のページを表示しています。")
        )
    return Paginator(items, per_page).get_page(number)


def keyset_rows(queryset: QuerySet, key: Sequence[str], *, size: int | None = None) -> Iterator:
    """Every row of `queryset` ordered by `key`, read `size` rows per query.

    QuerySet.iterator() behind PgBouncer in transaction mode (DISABLE_SERVER_SIDE_CURSORS) reads
    the whole result into memory; this runs short queries, each `WHERE key after the last row's
    key ... LIMIT size`, so no cursor outlives a transaction and memory is bounded by `size`.

    `key` is order_by() names ("-at", "-id") that together are unique and never NULL (a key
    that is not unique would skip the rows tied with the last row of a page), all ascending or
    all descending (a row comparison; mixed directions need an OR chain that PostgreSQL
    estimates badly and answers with a sequential scan per page). The rows are the
    queryset's own: model instances, values() dicts or values_list() tuples (which must then
    hold every key field). Each page sees the rows committed by the time it is read, not one
    snapshot: a row that is changed behind the walk so that its key moves may be seen twice or
    missed, so walk only keys the loop (and others) leave alone.
    """
    # Checked now, not at the first row: a mistake fails where it is made.
    if not key or len({name.startswith("-") for name in key}) > 1:
        raise ValueError("keyset_rows needs a key, every name in the same direction")
    if queryset.query.is_sliced:
        raise ValueError("keyset_rows walks a whole queryset, not a slice")
    names = [name.removeprefix("-") for name in key]
    value_of = _key_reader(queryset, names)
    return _walk(queryset.order_by(*key), key[0].startswith("-"), names, value_of, size)


def _walk(
    ordered: QuerySet,
    descending: bool,
    names: list[str],
    value_of: Callable[[Any], tuple[Any, ...]],
    size: int | None,
) -> Iterator:
    limit = size or KEYSET_PAGE_SIZE
    after: tuple[Any, ...] | None = None
    while True:
        page = ordered if after is None else ordered.filter(_after(descending, names, after))
        rows = list(page[:limit])
        yield from rows
        if len(rows) < limit:
            return
        after = value_of(rows[-1])


def _after(descending: bool, names: list[str], values: tuple[Any, ...]) -> Lookup:
    """Rows after `values`: (at, id) < (%s, %s), which PostgreSQL bounds with an index on the
    first key (Index Cond: at <= %s)."""
    lookup = TupleLessThan if descending else TupleGreaterThan
    return lookup(Tuple(*(F(name) for name in names)), values)


def _key_reader(queryset: QuerySet, names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """How to read the key of one row of `queryset`."""
    fields = list(getattr(queryset, "_fields", None) or ())
    rows_are = queryset._iterable_class
    if issubclass(rows_are, ModelIterable):
        return lambda row: tuple(_attribute(row, name) for name in names)
    if issubclass(rows_are, ValuesIterable):
        if fields and not set(names) <= set(fields):
            raise ValueError(f"the rows must hold the key fields {names}")
        return lambda row: tuple(row[name] for name in names)
    if issubclass(rows_are, FlatValuesListIterable) and fields == names:
        return lambda row: (row,)
    if issubclass(rows_are, FlatValuesListIterable) or not set(names) <= set(fields):
        raise ValueError(f"the rows must hold the key fields {names}")
    positions = [fields.index(name) for name in names]
    return lambda row: tuple(row[position] for position in positions)


def _attribute(row: Any, name: str) -> Any:
    for part in name.split("__"):
        row = getattr(row, part)
    return row
