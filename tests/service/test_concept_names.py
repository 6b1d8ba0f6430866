"""The concept name cache answers repeated ids without a query (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from graph.records import ConceptInput
from graph.store import GraphStore
from service.concept_names import ConceptNameCache


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """SQL statements the engine runs while the test runs."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _ids(session: Session, uris: list[str]) -> dict[str, int]:
    store = GraphStore(session)
    store.upsert_concepts([ConceptInput(uri) for uri in uris])
    session.commit()
    return store.concept_ids(uris)


def test_cached_ids_are_answered_without_a_query(
    session: Session, statements: list[str]
) -> None:
    ids = _ids(session, ["/c/en/dog", "/c/en/cat"])
    cache = ConceptNameCache()
    store = GraphStore(session)

    first = cache.names(store, ids.values())
    queries_after_first = len(statements)
    second = cache.names(store, [ids["/c/en/dog"]])

    assert first == {
        ids["/c/en/dog"]: ("/c/en/dog", "dog"),
        ids["/c/en/cat"]: ("/c/en/cat", "cat"),
    }
    assert second == {ids["/c/en/dog"]: ("/c/en/dog", "dog")}
    assert len(statements) == queries_after_first


def test_unknown_ids_are_left_out_and_only_missing_ids_are_read(
    session: Session, statements: list[str]
) -> None:
    ids = _ids(session, ["/c/en/dog", "/c/en/cat"])
    cache = ConceptNameCache()
    store = GraphStore(session)
    cache.names(store, [ids["/c/en/dog"]])
    statements.clear()

    found = cache.names(store, [ids["/c/en/dog"], ids["/c/en/cat"], 999_999])

    assert set(found) == {ids["/c/en/dog"], ids["/c/en/cat"]}
    assert len(statements) == 1
    assert len(cache) == 2


def test_full_cache_starts_over_instead_of_growing(session: Session) -> None:
    ids = _ids(session, ["/c/en/a", "/c/en/b", "/c/en/c"])
    cache = ConceptNameCache(max_entries=2)
    store = GraphStore(session)

    cache.names(store, [ids["/c/en/a"], ids["/c/en/b"]])
    found = cache.names(store, [ids["/c/en/c"]])

    assert found == {ids["/c/en/c"]: ("/c/en/c", "c")}
    assert len(cache) == 1


def test_cleared_or_aged_cache_reads_a_new_label(session: Session) -> None:
    ids = _ids(session, ["/c/en/car"])
    store = GraphStore(session)
    cache = ConceptNameCache()
    aged = ConceptNameCache(max_age_s=1e-9)
    cache.names(store, ids.values())
    aged.names(store, ids.values())
    store.upsert_concepts([ConceptInput("/c/en/car", "motor car")])
    session.commit()

    stale = cache.names(store, ids.values())
    cache.clear()

    assert stale[ids["/c/en/car"]][1] == "car"
    assert cache.names(store, ids.values())[ids["/c/en/car"]][1] == "motor car"
    assert aged.names(store, ids.values())[ids["/c/en/car"]][1] == "motor car"


@pytest.mark.parametrize(("field", "value"), [("max_entries", 0), ("max_age_s", 0)])
def test_bad_limits_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        ConceptNameCache(**{field: value})
