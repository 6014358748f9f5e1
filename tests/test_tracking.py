"""Dep compression and interning: what a page's deps become when it read many records."""

from __future__ import annotations

from array import array

import pytest

from avi_atlas import incremental, tracking


def field_deps(kind: str, field: str, n: int, start: int = 0) -> set[tuple]:
    return {("f", kind, f"{kind}-{i}", field) for i in range(start, start + n)}


def test_a_field_read_for_more_than_limit_records_becomes_one_wildcard():
    many = field_deps("papers", "year", tracking.LIMIT + 1)
    few = field_deps("papers", "title", 3)
    other = {("has", "datasets", "ds-1"), ("ids", "metrics"), ("f", "datasets", "ds-1", "name")}
    out = tracking.compress(many | few | other)
    assert out == frozenset(few | other | {("f", "papers", None, "year")})


def test_the_same_field_of_another_kind_is_counted_apart():
    papers = field_deps("papers", "name", tracking.LIMIT)  # exactly LIMIT: kept one by one
    datasets = field_deps("datasets", "name", tracking.LIMIT)
    assert tracking.compress(papers | datasets) == frozenset(papers | datasets)


def test_members_of_a_field_already_wild_fold_into_the_wildcard():
    wild = ("f", "papers", None, "year")
    deps = field_deps("papers", "year", tracking.LIMIT) | {wild} | {("ids", "papers")}
    assert tracking.compress(deps) == frozenset({wild, ("ids", "papers")})


def test_existence_checks_are_never_folded():
    has = {("has", "papers", f"p{i}") for i in range(3 * tracking.LIMIT)}
    assert tracking.compress(has) == frozenset(has)


def test_everything_swallows_the_rest():
    deps = field_deps("papers", "year", 2 * tracking.LIMIT) | {tracking.EVERYTHING}
    assert tracking.compress(deps) == frozenset({tracking.EVERYTHING})


def test_a_compressed_page_is_still_hit_by_a_change_to_any_member():
    deps = tracking.compress(field_deps("papers", "year", 5 * tracking.LIMIT) | field_deps("papers", "title", 2))
    hit = tracking.matches({("f", "papers", "papers-300", "year")})
    assert not deps.isdisjoint(hit)
    assert deps.isdisjoint(tracking.matches({("f", "papers", "papers-300", "title")}))


def test_a_block_compresses_only_above_its_threshold():
    with tracking.tracked() as page:
        with tracking.tracked(compact=10) as shared:
            for dep in field_deps("papers", "year", tracking.LIMIT + 1):
                tracking.read(dep)
        tracking.read(("f", "papers", "x", "title"))
    assert shared == {("f", "papers", None, "year")}
    assert page == {("f", "papers", None, "year"), ("f", "papers", "x", "title")}
    with tracking.tracked() as below:  # under the default threshold deps stay precise
        for dep in field_deps("papers", "year", tracking.LIMIT + 1):
            tracking.read(dep)
    assert len(below) == tracking.LIMIT + 1


@pytest.mark.parametrize("order", ["known-first", "new-first"])
def test_interner_gives_each_dep_one_index_whatever_it_met_before(order: str):
    interner = incremental.Interner()
    first = frozenset(field_deps("papers", "title", 5))
    second = frozenset(field_deps("papers", "title", 5, start=3))  # two known, three new
    pages = [first, second] if order == "known-first" else [second, first]
    ids = [interner.ids(deps) for deps in pages]
    for deps, raw in zip(pages, ids):
        found = array("I")
        found.frombytes(raw)
        assert {interner.table()[i] for i in found} == set(deps)
    lines = list(interner.table())
    assert lines[0] == tracking.EVERYTHING and sorted(lines[1:]) == sorted(first | second)  # EVERYTHING first, always
    assert len(interner.index) == len(interner.table()) == 9


def test_a_back_link_notes_one_wildcard_for_a_field_it_read_of_several_records():
    from avi_atlas.catalog import Catalog

    cat = Catalog()

    def uses() -> int:  # a value worked out from every metric, as Catalog.derived back-links are
        for dep in field_deps("metrics", "paper", 3):
            tracking.read(dep)
        tracking.read(("ids", "metrics"))
        tracking.read(("f", "papers", "only-one", "title"))
        return 1

    with tracking.tracked(expand=True) as page:
        cat.cached("property", "wide", uses, wide=True)
        cat.cached("property", "precise", uses)
    wild = {("f", "metrics", None, "paper"), ("ids", "metrics"), ("f", "papers", "only-one", "title")}
    assert cat._values["property"]["wide"][1] == wild  # one record's field stays precise
    assert cat._values["property"]["precise"][1] == field_deps("metrics", "paper", 3) | wild - {("f", "metrics", None, "paper")}
    assert page == field_deps("metrics", "paper", 3) | wild
    assert not page.isdisjoint(tracking.matches({("f", "metrics", "metrics-9", "paper")}))  # a new metric's paper too


def test_a_page_notes_a_shared_value_as_one_group_and_its_deps_are_defined_once():
    from avi_atlas.catalog import Catalog

    cat, made = Catalog(), []

    def row(i: int) -> str:
        made.append(i)
        tracking.read(("f", "papers", f"p{i}", "title"))
        tracking.read(("f", "papers", f"p{i}", "year"))
        return f"row {i}"

    with tracking.tracked() as page:
        for i in (1, 2, 1):
            cat.cached("rows", i, lambda i=i: row(i))
    assert made == [1, 2]  # worked out once each
    assert page == {("g", "rows", 1, ""), ("g", "rows", 2, "")}  # not the rows' reads
    assert dict(cat.groups()) == {("g", "rows", i, ""): frozenset({("f", "papers", f"p{i}", "title"),
                                                                  ("f", "papers", f"p{i}", "year")}) for i in (1, 2)}
    with tracking.tracked() as other:  # another page reading it later notes the group as well
        cat.cached("rows", 2, lambda: row(2))
    assert other == {("g", "rows", 2, "")} and made == [1, 2]


def test_many_groups_of_one_name_fold_into_a_wildcard_group():
    groups = {("g", "rows", f"p{i}", "") for i in range(tracking.LIMIT + 1)}
    few = {("g", "bibtex", f"p{i}", "") for i in range(3)}
    assert tracking.compress(groups | few) == frozenset(few | {("g", "rows", None, "")})
