"""Paper messages <-> paper records and search results, nothing else."""

from __future__ import annotations

from typing import Any

from embeddings.paper_ingest import IngestReport
from embeddings.paper_records import PaperConceptRecord, PaperRecord
from embeddings.paper_search import LATE_INTERACTION, ConceptMatch, PaperHit
from service._generated.conceptkg.v1 import papers_pb2 as pb


def paper_dict(message: pb.Paper) -> dict[str, Any]:
    """A Paper message as the mapping that ``parse_paper`` validates."""
    return {
        "id": message.id,
        "title": message.title,
        "abstract": message.abstract,
        "year": message.year or None,
        "authors": list(message.authors),
        "venue": message.venue or None,
    }


def paper_message(paper: PaperRecord) -> pb.Paper:
    """A stored paper as a message (unknown year 0, unknown venue empty)."""
    return pb.Paper(
        id=paper.id,
        title=paper.title,
        abstract=paper.abstract,
        year=paper.year or 0,
        authors=list(paper.authors),
        venue=paper.venue or "",
    )


def match_message(match: ConceptMatch) -> pb.ConceptMatch:
    """Why a hit matched."""
    return pb.ConceptMatch(
        uri=match.uri,
        label=match.label,
        via=match.via,
        source=match.source,
        direction=match.direction,
        contribution=match.contribution,
    )


def hit_message(hit: PaperHit) -> pb.PaperHit:
    """A ranked paper with its signals and matches."""
    return pb.PaperHit(
        paper=paper_message(hit.paper),
        score=hit.score,
        dense=hit.signals.get("dense", 0.0),
        passage=hit.signals.get("passage", 0.0),
        bm25=hit.signals.get("bm25", 0.0),
        concept=hit.signals.get("concept", 0.0),
        feedback=hit.signals.get("feedback", 0.0),
        late_interaction=hit.signals.get(LATE_INTERACTION, 0.0),
        matches=[match_message(m) for m in hit.matches],
    )


def concept_message(record: PaperConceptRecord) -> pb.PaperConcept:
    """A concept of a paper."""
    return pb.PaperConcept(
        uri=record.uri,
        label=record.label,
        weight=record.weight,
        count=record.count,
        confidence=record.confidence,
        link=record.link,
        phrase=record.phrase,
    )


def ingest_response(report: IngestReport) -> pb.IngestPapersResponse:
    """What an ingest stream did."""
    return pb.IngestPapersResponse(
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        links=report.links,
        concepts_created=report.concepts_created,
        edges_written=report.edges_written,
        papers=report.papers,
    )
