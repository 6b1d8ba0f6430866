"""Shared graph of the store tests: six edges between a few animal concepts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from graph.records import EdgeInput
from graph.uri import edge_uri
from graph.writer import EdgeRow

DOG = "/c/en/dog"
CAT = "/c/en/cat"
ANIMAL = "/c/en/animal"
PET = "/c/en/pet"
BARK = "/c/en/bark/v"
CHIEN = "/c/fr/chien"


def small_graph() -> list[EdgeInput]:
    """Six edges of two datasets, one with sources and surface text."""
    return [
        EdgeInput("/r/IsA", DOG, ANIMAL, weight=3.0, dataset="/d/test/a"),
        EdgeInput("/r/IsA", CAT, ANIMAL, weight=2.0, dataset="/d/test/a"),
        EdgeInput("/r/IsA", DOG, PET, weight=2.0, dataset="/d/test/b"),
        EdgeInput(
            "/r/CapableOf",
            DOG,
            BARK,
            weight=1.5,
            dataset="/d/test/b",
            sources=[{"contributor": "/s/contributor/omcs/someone"}],
            surface_text="[[a dog]] can [[bark]]",
        ),
        EdgeInput("/r/Synonym", CHIEN, DOG, weight=1.0, dataset="/d/test/a"),
        EdgeInput("/r/RelatedTo", CAT, DOG, weight=0.5, dataset="/d/test/a"),
    ]


def row_count(session: Session, table: type) -> int:
    """Rows of a table."""
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def dog_link(url: str) -> EdgeRow:
    """An /r/ExternalURL row from DOG to ``url``, as the ConceptNet importer writes."""
    return EdgeRow(
        uri=edge_uri("/r/ExternalURL", DOG, url),
        relation="/r/ExternalURL",
        start=DOG,
        end=url,
        weight=1.0,
        dataset="/d/dbpedia/en",
        license="cc:by-sa/4.0",
        url=url,
    )
