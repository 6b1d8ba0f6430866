"""Loading the real link-prediction benchmarks and the stored graph as triples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from embeddings.kg_datasets import DatasetError, load_benchmark, load_graph_dataset
from graph.db import create_session_factory
from graph.records import EdgeInput
from graph.store import GraphStore
from tests.conftest import SHARED_DATA


@pytest.mark.parametrize(
    ("name", "entities", "relations", "sizes"),
    [
        ("fb15k-237", 14541, 237, (272115, 17535, 20466)),
        ("wn18rr", 40943, 11, (86835, 3034, 3134)),
        ("cn100k", 78339, 34, (100000, 1200, 1200)),
    ],
)
def test_load_benchmark_has_the_published_sizes(
    name: str, entities: int, relations: int, sizes: tuple[int, int, int]
) -> None:
    dataset = load_benchmark(name, SHARED_DATA)

    assert (dataset.num_entities, dataset.num_relations) == (entities, relations)
    assert (len(dataset.train), len(dataset.valid), len(dataset.test)) == sizes
    assert dataset.train.max() < max(entities, relations)


def test_load_benchmark_cn100k_reads_relation_first() -> None:
    dataset = load_benchmark("cn100k", SHARED_DATA)
    head, relation, tail = dataset.test[2]  # "CapableOf dog bark"

    assert dataset.entities[head] == "dog"
    assert dataset.relations[relation] == "CapableOf"
    assert dataset.entities[tail] == "bark"


def test_load_benchmark_unknown_or_missing_dataset_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="'fb15k': unknown"):
        load_benchmark("fb15k", SHARED_DATA)
    with pytest.raises(DatasetError, match="does not exist"):
        load_benchmark("wn18rr", tmp_path)


def test_load_graph_dataset_splits_stored_edges_by_seed(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        GraphStore(session).upsert_edges(
            [
                EdgeInput("/r/RelatedTo", f"/c/en/w{i}", f"/c/en/w{i + 1}")
                for i in range(40)
            ]
        )
    with sessions() as session:
        first = load_graph_dataset(
            session, seed=3, valid_fraction=0.1, test_fraction=0.1
        )
        again = load_graph_dataset(
            session, seed=3, valid_fraction=0.1, test_fraction=0.1
        )
        ids = GraphStore(session).concept_ids(first.entities)

    assert (len(first.train), len(first.valid), len(first.test)) == (32, 4, 4)
    np.testing.assert_array_equal(first.test, again.test)
    assert first.relations == ["/r/RelatedTo"]
    assert first.entity_ids is not None
    assert [ids[uri] for uri in first.entities] == first.entity_ids.tolist()


def test_load_graph_dataset_of_tiny_graph_is_refused(engine: Engine) -> None:
    with create_session_factory(engine)() as session:
        with pytest.raises(DatasetError, match="0 edges are too few"):
            load_graph_dataset(session, seed=0, valid_fraction=0.1, test_fraction=0.1)
