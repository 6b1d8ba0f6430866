"""PaperService RPCs: ingest papers, search them by text and concept."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import grpc
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from embeddings.concept_linker import ConceptLinker
from embeddings.paper_corpus import PaperCorpus, PaperFilters
from embeddings.paper_errors import InvalidPaper
from embeddings.paper_ingest import ingest_papers, model_name
from embeddings.paper_models import Paper, PaperConcept
from embeddings.paper_records import PaperInput, check_unique, parse_paper
from embeddings.paper_search import PaperSearcher, RankConfig
from embeddings.papers_store import PaperStore
from graph.errors import InvalidQuery, LimitExceeded
from graph.store import GraphStore
from service import convert_papers as convert
from service._generated.conceptkg.v1 import papers_pb2 as pb
from service._generated.conceptkg.v1 import papers_pb2_grpc
from service.request_checks import checked_count, checked_text
from service.servicers.concepts import IndexState
from service.settings import Settings
from service.status import StreamGuard, status_from_domain_errors

logger = logging.getLogger(__name__)


class PaperState:
    """The paper searcher, rebuilt from the database when the papers change.

    Args:
        index: the concept index state (its encoder encodes queries).
        config: fusion weights and expansion decay.
    """

    def __init__(self, index: IndexState, config: RankConfig | None = None) -> None:
        self._index = index
        self._config = config or RankConfig()
        self._searcher: PaperSearcher | None = None
        self._fingerprint: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def searcher(self, session: Session) -> PaperSearcher:
        """The searcher over the stored papers.

        Raises:
            IndexNotReady: no concept index (and so no encoder) is loaded.
        """
        concepts = self._index.searcher()
        # Limitation: a paper changed in place by another process (same
        # count, ids and links) is not noticed until this server restarts.
        fingerprint = _fingerprint(session)
        with self._lock:
            if self._searcher is None or fingerprint != self._fingerprint:
                corpus = PaperCorpus.load(
                    session,
                    model_name(concepts.encoder),
                    concepts.encoder.dim,
                    bm25_k1=self._config.bm25_k1,
                    bm25_b=self._config.bm25_b,
                )
                self._searcher = PaperSearcher(
                    corpus, ConceptLinker(concepts), self._config
                )
                self._fingerprint = fingerprint
            return self._searcher

    def invalidate(self) -> None:
        """Drop the searcher, so the next request reads the papers anew."""
        with self._lock:
            self._searcher = None


class PaperServicer(papers_pb2_grpc.PaperServiceServicer):
    """Serves paper ingest and search.

    Args:
        sessions: factory of database sessions.
        settings: limits of the service.
        index: the concept index state.
        on_write: called after an ingest that created concepts has
            committed (the concept index then encodes them).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        index: IndexState,
        *,
        on_write: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._index = index
        self._state = PaperState(index)
        self._on_write = on_write

    def IngestPapers(
        self,
        request_iterator: Iterator[pb.IngestPapersRequest],
        context: grpc.ServicerContext,
    ) -> pb.IngestPapersResponse:
        guard = StreamGuard(context)
        with status_from_domain_errors(context):
            searcher = self._index.searcher()
            papers, positions = self._read_stream(request_iterator)
            guard.require_complete()
            check_unique(papers, positions)
            try:
                report = ingest_papers(
                    self._sessions, papers, ConceptLinker(searcher), searcher.encoder
                )
            except Exception:
                # Papers and new concepts commit before the papers are
                # encoded, so a failure while encoding still changed both.
                self._written(created=True)
                raise
        self._written(created=report.concepts_created > 0)
        return convert.ingest_response(report)

    def vectors_written(self) -> None:
        """Drop the cached corpus after paper vectors were written elsewhere
        (the corpus fingerprint counts papers and links, not vectors)."""
        self._state.invalidate()

    def _written(self, *, created: bool) -> None:
        """Drop the cached corpus; index new concepts if any were made."""
        self._state.invalidate()
        if created and self._on_write is not None:
            self._on_write()

    def SearchPapers(
        self, request: pb.SearchPapersRequest, context: grpc.ServicerContext
    ) -> pb.SearchPapersResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            query = self._text("query", request.query)
            k = self._k(request.k, default=10)
            filters = PaperFilters.parse(dict(request.filters))
            results = self._state.searcher(session).search(session, query, k, filters)
        return pb.SearchPapersResponse(
            hits=[convert.hit_message(hit) for hit in results.hits],
            query_concepts=[convert.match_message(m) for m in results.query_concepts],
        )

    def PaperConcepts(
        self, request: pb.PaperConceptsRequest, context: grpc.ServicerContext
    ) -> pb.PaperConceptsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            limit = self._limit(request.k, default=50)
            store = PaperStore(session)
            paper = store.get(request.id)
            concepts = store.concepts_of(paper.key, limit=limit)
        return pb.PaperConceptsResponse(
            paper=convert.paper_message(paper),
            concepts=[convert.concept_message(c) for c in concepts],
        )

    def PapersForConcept(
        self, request: pb.PapersForConceptRequest, context: grpc.ServicerContext
    ) -> pb.PapersForConceptResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            limit = self._limit(request.k, default=10)
            concept_id = GraphStore(session).concept_id(request.uri)
            found = PaperStore(session).papers_for_concept(concept_id, limit=limit)
        return pb.PapersForConceptResponse(
            papers=[
                pb.ScoredPaper(paper=convert.paper_message(paper), weight=weight)
                for paper, weight in found
            ]
        )

    def SimilarPapers(
        self, request: pb.SimilarPapersRequest, context: grpc.ServicerContext
    ) -> pb.SimilarPapersResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            k = self._k(request.k, default=10)
            given = request.WhichOneof("input")
            searcher = self._state.searcher(session)
            if given == "id":
                hits = searcher.similar(session, PaperStore(session).get(request.id), k)
            elif given == "text":
                hits = searcher.similar(session, self._text("text", request.text), k)
            else:
                raise InvalidQuery("input", "", "a paper id or a text")
        return pb.SimilarPapersResponse(hits=[convert.hit_message(h) for h in hits])

    def _read_stream(
        self, request_iterator: Iterator[pb.IngestPapersRequest]
    ) -> tuple[list[PaperInput], list[str]]:
        papers: list[PaperInput] = []
        positions: list[str] = []
        limit = self._settings.max_batch_size
        for number, request in enumerate(request_iterator, start=1):
            for place, message in enumerate(request.papers, start=1):
                position = f"message {number} paper {place}"
                papers.append(parse_paper(convert.paper_dict(message), position))
                positions.append(position)
            if len(papers) > limit:
                raise LimitExceeded("papers in the stream", len(papers), limit)
        if not papers:
            raise InvalidPaper("message 1", "the stream holds no papers")
        return papers, positions

    def _k(self, requested: int, *, default: int) -> int:
        return checked_count("k", requested or default, self._settings.max_k)

    def _limit(self, requested: int, *, default: int) -> int:
        limit = requested or default
        return checked_count("k", limit, self._settings.max_page_size)

    def _text(self, field: str, text: str) -> str:
        return checked_text(field, text, self._settings.max_text_chars)


def _fingerprint(session: Session) -> tuple[int, int, int]:
    """Paper count, largest paper key and link count: changes on every ingest
    that adds papers or relinks them."""
    count, largest = session.execute(
        select(func.count(Paper.id), func.max(Paper.id))
    ).one()
    links = session.scalar(select(func.count()).select_from(PaperConcept))
    return int(count or 0), int(largest or 0), int(links or 0)
