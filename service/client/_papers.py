"""PaperService calls of the client."""

from __future__ import annotations

from collections.abc import Iterable

from service._generated.conceptkg.v1 import papers_pb2 as ppb
from service.client._base import CallsBase, batched


class PaperCalls(CallsBase):
    """PaperService calls of the client."""

    def ingest_papers(
        self, papers: Iterable[ppb.Paper], *, batch_size: int = 500
    ) -> ppb.IngestPapersResponse:
        """Stream papers in messages of ``batch_size``; one transaction in all."""
        return self._papers.IngestPapers(
            batched(papers, batch_size, lambda b: ppb.IngestPapersRequest(papers=b)),
            timeout=self._timeout,
        )

    def search_papers(
        self, query: str, *, k: int = 0, filters: dict[str, str] | None = None
    ) -> ppb.SearchPapersResponse:
        """Papers for a text query; filters: year_min, year_max, venue, author."""
        request = ppb.SearchPapersRequest(query=query, k=k, filters=filters or {})
        return self._papers.SearchPapers(request, timeout=self._timeout)

    def paper_concepts(self, paper_id: str, *, k: int = 0) -> ppb.PaperConceptsResponse:
        """A paper and its concepts, heaviest first."""
        request = ppb.PaperConceptsRequest(id=paper_id, k=k)
        return self._papers.PaperConcepts(request, timeout=self._timeout)

    def papers_for_concept(self, uri: str, *, k: int = 0) -> list[ppb.ScoredPaper]:
        """Papers linked to a concept, heaviest link first."""
        request = ppb.PapersForConceptRequest(uri=uri, k=k)
        return list(
            self._papers.PapersForConcept(request, timeout=self._timeout).papers
        )

    def similar_papers(
        self, *, paper_id: str = "", text: str = "", k: int = 0
    ) -> list[ppb.PaperHit]:
        """Papers most like a stored paper (by id) or a text."""
        request = ppb.SimilarPapersRequest(k=k)
        if paper_id:
            request.id = paper_id
        elif text:
            request.text = text
        return list(self._papers.SimilarPapers(request, timeout=self._timeout).hits)
