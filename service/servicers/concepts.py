"""ConceptService RPCs: texts and vectors in, named concepts out."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

import grpc
import numpy as np
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
from sqlalchemy.orm import Session, sessionmaker

from embeddings.alignment import AlignmentMethod, fit_alignment
from embeddings.errors import IndexNotReady, InvalidVectors
from embeddings.index import MAX_K
from embeddings.linear_map_cache import LinearMapCache
from embeddings.salience import SalienceRanker
from embeddings.search import ConceptSearcher, Hit, margin
from embeddings.spaces import SpaceInfo, SpaceStore
from graph.errors import InvalidQuery, LimitExceeded
from graph.store import GraphStore
from graph.subsets import isa_descendant_uris, neighborhood_uris
from service._generated.conceptkg.v1 import concepts_pb2 as pb
from service._generated.conceptkg.v1 import concepts_pb2_grpc
from service.concept_names import ConceptNameCache
from service.request_checks import checked_count, checked_text
from service.settings import Settings
from service.status import StreamGuard, status_from_domain_errors

logger = logging.getLogger(__name__)

# Salience re-ranking looks at 4k cosine neighbours, at most this many.
MAX_CANDIDATES = MAX_K


class IndexState:
    """The searcher the server answers from; empty until an index is loaded.

    Per-language concept id lists are cached, since a language filter is
    asked for again and again; so are concept names (``names``, see
    :mod:`service.concept_names` for when they are dropped) and the spaces'
    linear maps (``linear_maps``, checked against the newest alignment
    version on each use), so that naming concepts already seen makes no query
    without a space and one small query with one.
    """

    def __init__(
        self, searcher: ConceptSearcher | None = None, *, salience_weight: float = 0.1
    ) -> None:
        self._searcher = searcher
        self._lang_ids: dict[str, np.ndarray] = {}
        self._ranker: SalienceRanker | None = None
        self._granularity: dict[str, np.ndarray] = {}
        self._salience_weight = salience_weight
        self._lock = threading.Lock()
        self.names = ConceptNameCache()
        self.linear_maps = LinearMapCache()

    def forget_cached_ids(self) -> None:
        """Drop the cached per-language, granularity and degree data.

        Called when concepts were added, so the next request reads them anew.
        """
        with self._lock:
            self._lang_ids.clear()
            self._granularity.clear()
            self._ranker = None

    def searcher(self) -> ConceptSearcher:
        """The loaded searcher.

        Raises:
            IndexNotReady: no index is loaded.
        """
        if self._searcher is None:
            raise IndexNotReady("concepts")
        return self._searcher

    def ranker(self, store: GraphStore) -> SalienceRanker:
        """The salience re-ranker, built from concept degrees on first use."""
        # Limitation: degrees are read once per server process; edges written
        # later do not change the prior until a restart.
        with self._lock:
            if self._ranker is None:
                self._ranker = SalienceRanker(
                    store.concept_degrees(), weight=self._salience_weight
                )
            return self._ranker

    def granularity_ids(
        self, store: GraphStore, fine: bool, coarse_min_children: int
    ) -> np.ndarray:
        """Concept ids of a granularity: leaves (fine) or IsA hubs (coarse)."""
        # Limitation: like the degrees, the hierarchy is read once per server
        # process.
        key = "fine" if fine else f"coarse>={coarse_min_children}"
        with self._lock:
            if key not in self._granularity:
                counts = store.isa_child_counts()
                if fine:
                    everything = store.all_concept_ids()
                    ids = [cid for cid in everything if cid not in counts]
                else:
                    ids = [c for c, n in counts.items() if n >= coarse_min_children]
                self._granularity[key] = np.array(sorted(ids), dtype=np.int64)
            return self._granularity[key]

    def lang_ids(self, store: GraphStore, lang: str) -> np.ndarray | None:
        """Concept ids of a language, or None for no filter."""
        if not lang:
            return None
        with self._lock:
            if lang not in self._lang_ids:
                ids = store.concept_ids_in_lang(lang)
                self._lang_ids[lang] = np.asarray(ids, dtype=np.int64)
            return self._lang_ids[lang]


class ConceptServicer(concepts_pb2_grpc.ConceptServiceServicer):
    """Serves nearest-concept queries from the loaded index.

    Args:
        sessions: factory of database sessions (to name concept ids).
        settings: limits of the service.
        state: the loaded index, if any.
    """

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, state: IndexState
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._state = state

    def SearchConcepts(
        self, request: pb.SearchConceptsRequest, context: grpc.ServicerContext
    ) -> pb.SearchConceptsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            searcher = self._state.searcher()
            k = self._k(request.k, default=10)
            text = self._text("text", request.text)
            store = GraphStore(session)
            candidates = k if request.plain else min(4 * k, MAX_CANDIDATES)
            hits = searcher.search(
                searcher.encode([text]),
                candidates,
                allowed_ids=self._allowed_ids(store, request.lang, request.subset),
            )[0]
            names = self._state.names.names(store, (hit.concept_id for hit in hits))
            if not request.plain:
                labels = {cid: label for cid, (_, label) in names.items()}
                hits = self._state.ranker(store).rerank(hits, labels, k)
            concepts = _named(hits, names)
        return pb.SearchConceptsResponse(
            concepts=concepts, embedding_set=searcher.index.embedding_set
        )

    def RelatedConcepts(
        self, request: pb.RelatedConceptsRequest, context: grpc.ServicerContext
    ) -> pb.RelatedConceptsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            searcher = self._state.searcher()
            k = self._k(request.k, default=10)
            store = GraphStore(session)
            concept_id = store.concept_id(request.uri)
            hits = searcher.search(
                searcher.concept_vector(concept_id)[None, :],
                k,
                allowed_ids=self._state.lang_ids(store, request.lang),
                exclude_ids={concept_id},
            )[0]
            concepts = _named(
                hits, self._state.names.names(store, (h.concept_id for h in hits))
            )
        return pb.RelatedConceptsResponse(concepts=concepts)

    def Relatedness(
        self, request: pb.RelatednessRequest, context: grpc.ServicerContext
    ) -> pb.RelatednessResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            searcher = self._state.searcher()
            store = GraphStore(session)
            first = self._vector(searcher, store, "a", request.a)
            second = self._vector(searcher, store, "b", request.b)
            score = float(first @ second)
        return pb.RelatednessResponse(score=score)

    def NameDirections(
        self, request: pb.NameDirectionsRequest, context: grpc.ServicerContext
    ) -> pb.NameDirectionsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            return self._name_directions(session, request)

    def StreamNameDirections(
        self,
        request_iterator: Iterator[pb.NameDirectionsRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[pb.NameDirectionsResponse]:
        with status_from_domain_errors(context), self._sessions() as session:
            for request in request_iterator:
                yield self._name_directions(session, request)

    def RegisterSpace(
        self, request: pb.RegisterSpaceRequest, context: grpc.ServicerContext
    ) -> pb.RegisterSpaceResponse:
        with status_from_domain_errors(context), self._sessions.begin() as session:
            info = SpaceStore(session).register(
                request.name, request.dim, request.description
            )
        return pb.RegisterSpaceResponse(space=_space_message(info))

    def FitAlignment(
        self,
        request_iterator: Iterator[pb.FitAlignmentRequest],
        context: grpc.ServicerContext,
    ) -> pb.FitAlignmentResponse:
        guard = StreamGuard(context)
        with status_from_domain_errors(context):
            searcher = self._state.searcher()
            first: pb.FitAlignmentRequest | None = None
            vectors: list[list[float]] = []
            texts: list[str] = []
            for request in request_iterator:
                first = first or request
                for pair in request.pairs:
                    vectors.append(list(pair.vector.values))
                    texts.append(self._text(f"text of pair {len(texts)}", pair.text))
                if len(texts) > self._settings.max_alignment_pairs:
                    raise LimitExceeded(
                        "pairs", len(texts), self._settings.max_alignment_pairs
                    )
            guard.require_complete()
            if first is None:
                raise InvalidVectors("pairs", "the stream is empty")
            with self._sessions() as session:
                space = SpaceStore(session).get(first.space)
            sources = _matrix(vectors, space.dim)
            fitted = fit_alignment(
                sources,
                searcher.encode(texts),
                method=_method(first.method),
                alpha=first.alpha or 1.0,
                heldout_fraction=first.heldout_fraction or 0.2,
            )
            with self._sessions.begin() as session:
                info = SpaceStore(session).save_alignment(
                    first.space, fitted, target_model=str(searcher.encoder.model_path)
                )
        return pb.FitAlignmentResponse(space=_space_message(info), pairs=len(texts))

    def ListSpaces(
        self, request: pb.ListSpacesRequest, context: grpc.ServicerContext
    ) -> pb.ListSpacesResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            spaces = SpaceStore(session).list_spaces()
        return pb.ListSpacesResponse(spaces=[_space_message(s) for s in spaces])

    def Conceptualize(
        self, request: pb.ConceptualizeRequest, context: grpc.ServicerContext
    ) -> pb.ConceptualizeResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            searcher = self._state.searcher()
            k = self._k(request.k, default=10)
            store = GraphStore(session)
            given = request.WhichOneof("input")
            if given == "text":
                direction = searcher.encode([self._text("text", request.text)])
            elif given == "vector":
                direction = _matrix([request.vector.values], searcher.index.dim)
            else:
                raise InvalidQuery("input", "", "a text or a vector")
            if request.expand:
                allowed = np.array(
                    store.isa_children(list(request.expand)), dtype=np.int64
                )
            else:
                allowed = self._state.granularity_ids(
                    store,
                    request.granularity == pb.GRANULARITY_FINE,
                    self._settings.coarse_min_isa_children,
                )
            in_lang = self._state.lang_ids(store, request.lang)
            if in_lang is not None:
                allowed = np.intersect1d(allowed, in_lang)
            hits = searcher.search(direction, k, allowed_ids=allowed)[0]
            positive = [hit for hit in hits if hit.score > 0]
            names = self._state.names.names(store, (h.concept_id for h in positive))
        return pb.ConceptualizeResponse(concepts=_named(positive, names))

    def IndexStatus(
        self, request: pb.IndexStatusRequest, context: grpc.ServicerContext
    ) -> pb.IndexStatusResponse:
        try:
            index = self._state.searcher().index
        except IndexNotReady:
            return pb.IndexStatusResponse(ready=False)
        return pb.IndexStatusResponse(
            ready=True,
            embedding_set=index.embedding_set,
            vectors=index.count,
            dim=index.dim,
            kind=index.kind,
        )

    def _name_directions(
        self, session: Session, request: pb.NameDirectionsRequest
    ) -> pb.NameDirectionsResponse:
        searcher = self._state.searcher()
        k = self._k(request.k, default=5)
        count = len(request.vectors)
        if count == 0:
            raise InvalidVectors("vectors", "the batch is empty")
        if count > self._settings.max_name_batch:
            raise LimitExceeded("vectors", count, self._settings.max_name_batch)
        store = GraphStore(session)
        vectors = [v.values for v in request.vectors]
        if request.space:
            linear_map = self._state.linear_maps.linear_map(
                SpaceStore(session), request.space
            )
            directions = linear_map.apply(_matrix(vectors, linear_map.dim_in))
        else:
            directions = _matrix(vectors, searcher.index.dim)
        found = searcher.search(
            directions,
            k,
            allowed_ids=self._allowed_ids(store, request.lang, request.subset),
            sign_ambiguous=request.sign_ambiguous,
        )
        names = self._state.names.names(
            store, (h.concept_id for hits in found for h in hits)
        )
        response = pb.NameDirectionsResponse()
        for hits in found:
            _add_named(response.names.add(margin=margin(hits)).concepts, hits, names)
        return response

    def _allowed_ids(
        self, store: GraphStore, lang: str, subset: pb.ConceptSubset
    ) -> np.ndarray | None:
        """Concept ids a search may return, or None for all of them."""
        in_lang = self._state.lang_ids(store, lang)
        settings = self._settings
        groups: list[set[str]] = []
        if subset.near:
            hops = subset.near_hops or 1
            if hops < 1:
                raise InvalidQuery("near_hops", hops, "an integer >= 1")
            if hops > settings.max_subgraph_hops:
                raise LimitExceeded("near_hops", hops, settings.max_subgraph_hops)
            groups.append(
                neighborhood_uris(
                    store, subset.near, hops=hops, max_nodes=settings.max_subgraph_nodes
                )
            )
        if subset.isa:
            groups.append(
                isa_descendant_uris(
                    store,
                    subset.isa,
                    max_hops=settings.max_subgraph_hops,
                    max_nodes=settings.max_subgraph_nodes,
                )
            )
        if not groups:
            return in_lang
        ids = set(store.concept_ids(set.intersection(*groups)).values())
        if in_lang is not None:
            ids &= set(in_lang.tolist())
        return np.array(sorted(ids), dtype=np.int64)

    def _k(self, requested: int, *, default: int) -> int:
        return checked_count("k", requested or default, self._settings.max_k)

    def _text(self, field: str, text: str) -> str:
        return checked_text(field, text, self._settings.max_text_chars)

    def _vector(
        self, searcher: ConceptSearcher, store: GraphStore, field: str, value: str
    ) -> np.ndarray:
        """A concept's indexed vector for a /c/ URI, else the text's encoding."""
        if value.startswith("/c/"):
            return searcher.concept_vector(store.concept_id(value))
        encoded: np.ndarray = searcher.encode([self._text(field, value)])[0]
        return encoded


def _matrix(vectors: Sequence[Sequence[float]], dim: int) -> np.ndarray:
    """Rows as a float32 matrix; a row of another length is named."""
    matrix = np.empty((len(vectors), dim), dtype=np.float32)
    for position, vector in enumerate(vectors):
        if len(vector) != dim:
            raise InvalidVectors(
                "vectors", f"vector {position} has dim {len(vector)}, expected {dim}"
            )
        # Row by row: NumPy reads a repeated protobuf field directly, about
        # seven times faster than building Python lists first.
        matrix[position] = vector
    return matrix


def _method(name: str) -> AlignmentMethod:
    if name in ("", "ridge"):
        return "ridge"
    if name == "procrustes":
        return "procrustes"
    raise InvalidVectors("method", f"{name!r} is not ridge or procrustes")


def _space_message(info: SpaceInfo) -> pb.SpaceInfo:
    return pb.SpaceInfo(
        name=info.name,
        dim=info.dim,
        description=info.description,
        alignment_version=info.alignment_version,
        alignment_method=info.alignment_method,
        heldout_cosine=info.heldout_cosine,
        heldout_accuracy_at_1=info.heldout_accuracy_at_1,
    )


def _add_named(
    messages: RepeatedCompositeFieldContainer[pb.ScoredConcept],
    hits: list[Hit],
    names: dict[int, tuple[str, str]],
) -> None:
    """Append hits to a repeated ScoredConcept field, as :func:`_named` builds them.

    ``add()`` on the field is about twice as fast as keyword construction,
    which matters for thousands of hits per batch.
    """
    for hit in hits:
        named = names.get(hit.concept_id)
        if named is not None:
            messages.add(
                uri=named[0], label=named[1], score=hit.score, negated=hit.negated
            )


def _named(
    hits: list[Hit], names: dict[int, tuple[str, str]]
) -> list[pb.ScoredConcept]:
    """Hits as messages; a hit whose concept row is gone is dropped."""
    return [
        pb.ScoredConcept(
            uri=names[hit.concept_id][0],
            label=names[hit.concept_id][1],
            score=hit.score,
            negated=hit.negated,
        )
        for hit in hits
        if hit.concept_id in names
    ]
