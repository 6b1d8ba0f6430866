"""SAEService RPCs: register SAEs, upload features, name and search them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import grpc
from sqlalchemy.orm import Session, sessionmaker

from embeddings.errors import InvalidVectors
from embeddings.sae_name_store import SAENameStore
from embeddings.sae_naming import DEFAULT_EXAMPLES_WEIGHT, FeatureName, name_queries
from embeddings.sae_naming_run import FeatureNamer
from embeddings.sae_search import FeatureMatch, VectorCache, search_features
from embeddings.sae_store import SAEStore
from embeddings.sae_upload import UploadBuilder, UploadVectors, embed_upload_texts
from graph.errors import InvalidQuery
from graph.store import GraphStore
from service._generated.conceptkg.v1 import sae_pb2 as pb
from service._generated.conceptkg.v1 import sae_pb2_grpc
from service.convert_sae import (
    add_feature_name,
    add_stored_name,
    dtype_name,
    method_enum,
    method_name,
    naming_message,
    sae_message,
)
from service.request_checks import checked_count, checked_text
from service.servicers.concepts import IndexState
from service.settings import Settings
from service.status import StreamGuard, status_from_domain_errors

logger = logging.getLogger(__name__)

# Names per NameFeatures response message.
NAMES_PER_MESSAGE = 256
# Features searched at once: FAISS answers a big batch several times faster
# per query than batches of a few hundred.
SEARCH_BATCH = 4096


class SAEServicer(sae_pb2_grpc.SAEServiceServicer):
    """Serves the SAE registry and feature naming from the database and index.

    Args:
        sessions: factory of database sessions.
        settings: limits of the service.
        state: the loaded concept index and encoder, if any.
    """

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, state: IndexState
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._state = state
        self._vectors = VectorCache()
        # Directions and example queries of the SAEs named last (a 24,576 x
        # 768 float32 SAE is 75 MB): few entries.
        self._naming_inputs = VectorCache(max_entries=4)

    def RegisterSAE(
        self, request: pb.RegisterSAERequest, context: grpc.ServicerContext
    ) -> pb.RegisterSAEResponse:
        with status_from_domain_errors(context), self._sessions.begin() as session:
            info = SAEStore(session).register(
                request.space,
                request.name,
                request.n_features,
                description=request.description,
                max_features=self._settings.max_sae_features,
            )
        return pb.RegisterSAEResponse(sae=sae_message(info))

    def UploadFeatures(
        self,
        request_iterator: Iterator[pb.UploadFeaturesRequest],
        context: grpc.ServicerContext,
    ) -> pb.UploadFeaturesResponse:
        guard = StreamGuard(context)
        # Limitation: the whole stream is held in memory until it is stored
        # (float32 directions of 1M features x 768 would be 3 GB);
        # max_sae_upload_bytes bounds the directions part.
        with status_from_domain_errors(context):
            builder: UploadBuilder | None = None
            sae = ""
            for request in request_iterator:
                if builder is None:
                    sae = request.sae
                    builder = self._builder(sae)
                elif request.sae and request.sae != sae:
                    raise InvalidQuery("sae", request.sae, f"{sae!r} as in message 0")
                if request.HasField("directions"):
                    block = request.directions
                    builder.add_directions(
                        block.feature_ids,
                        dtype_name(block.dtype),
                        block.d_model,
                        block.data,
                    )
                for item in request.snippets:
                    pairs = [(s.text, s.activation) for s in item.snippets]
                    builder.add_snippets(item.feature_id, pairs)
                for explained in request.explanations:
                    builder.add_explanation(explained.feature_id, explained.text)
            guard.require_complete()
            if builder is None:
                raise InvalidVectors("upload", "the stream is empty")
            upload = builder.finish()
            vectors = UploadVectors({}, {})
            if upload.snippets or upload.explanations:
                encoder = self._state.searcher().encoder
                vectors = embed_upload_texts(upload, encoder.encode)
            with self._sessions.begin() as session:
                store = SAEStore(session)
                counts = store.save_upload(sae, upload, vectors)
                info = store.get(sae)
        return pb.UploadFeaturesResponse(
            sae=sae_message(info),
            directions=counts.directions,
            snippets=counts.snippets,
            explanations=counts.explanations,
        )

    def GetSAE(
        self, request: pb.GetSAERequest, context: grpc.ServicerContext
    ) -> pb.GetSAEResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            info = SAEStore(session).get(request.name)
        return pb.GetSAEResponse(sae=sae_message(info))

    def ListSAEs(
        self, request: pb.ListSAEsRequest, context: grpc.ServicerContext
    ) -> pb.ListSAEsResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            infos = SAEStore(session).list_saes()
        return pb.ListSAEsResponse(saes=[sae_message(i) for i in infos])

    def NameFeatures(
        self, request: pb.NameFeaturesRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.NameFeaturesResponse]:
        # Names are computed first (read-only), stored in one short
        # transaction, then streamed: a slow reader holds no write lock, and a
        # stream cut short leaves a complete, versioned naming run.
        with status_from_domain_errors(context):
            searcher = self._state.searcher()
            method = method_name(request.method)
            assert method is not None  # default=True never gives None
            k = self._k(request.k, default=5)
            weight = request.examples_weight or DEFAULT_EXAMPLES_WEIGHT
            if request.all == bool(request.feature_ids):
                raise InvalidQuery(
                    "feature_ids", list(request.feature_ids)[:5], "ids or all=true"
                )
            clock = time.perf_counter()
            with self._sessions() as session:
                namer = FeatureNamer(
                    session,
                    searcher,
                    request.sae,
                    inputs=self._naming_inputs,
                    linear_maps=self._state.linear_maps,
                )
                requested = None if request.all else list(request.feature_ids)
                ids = namer.feature_ids(method, requested)
                queries = namer.queries(method, ids, examples_weight=weight)
                params = namer.params(method, weight)
            # Limitation: every name of the request is held in memory before
            # it is stored (about 2 KB per feature with k=10).
            names: list[FeatureName] = []
            read_s = time.perf_counter() - clock
            for start in range(0, len(ids), SEARCH_BATCH):
                end = start + SEARCH_BATCH
                names += name_queries(searcher, ids[start:end], queries[start:end], k=k)
            search_s = time.perf_counter() - clock - read_s
            with self._sessions.begin() as session:
                store = SAENameStore(session)
                run = store.start_naming(request.sae, method, k=k, params=params)
                for start in range(0, len(names), SEARCH_BATCH):
                    store.add_names(run.id, names[start : start + SEARCH_BATCH])
            logger.info(
                "sae_features_named sae=%s method=%s version=%d features=%d "
                "read_s=%.3f search_s=%.3f store_s=%.3f",
                request.sae,
                method,
                run.version,
                len(ids),
                read_s,
                search_s,
                time.perf_counter() - clock - read_s - search_s,
            )
            with self._sessions() as session:
                labels = self._state.names.names(
                    GraphStore(session),
                    (hit.concept_id for name in names for hit in name.hits),
                )
            for first in range(0, len(names), NAMES_PER_MESSAGE):
                response = pb.NameFeaturesResponse(
                    method=method_enum(method), version=run.version
                )
                for name in names[first : first + NAMES_PER_MESSAGE]:
                    add_feature_name(
                        response.names.add(),
                        name.feature_id,
                        [(hit.concept_id, hit.score) for hit in name.hits],
                        name.margin,
                        name.confidence,
                        labels,
                    )
                yield response

    def GetFeatureNames(
        self, request: pb.GetFeatureNamesRequest, context: grpc.ServicerContext
    ) -> pb.GetFeatureNamesResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            method = method_name(request.method)
            assert method is not None
            store = SAENameStore(session)
            run = store.naming(request.sae, method, request.version)
            wanted = list(request.feature_ids) or None
            stored = store.stored_names(run.id, wanted)
            labels = self._state.names.names(
                GraphStore(session),
                (cid for name in stored for cid in name.concept_ids),
            )
            response = pb.GetFeatureNamesResponse(naming=naming_message(run))
            for name in stored:
                add_stored_name(response.names.add(), name, labels)
        return response

    def SearchFeatures(
        self, request: pb.SearchFeaturesRequest, context: grpc.ServicerContext
    ) -> pb.SearchFeaturesResponse:
        with status_from_domain_errors(context), self._sessions() as session:
            searcher = self._state.searcher()
            k = self._k(request.k, default=10)
            given = request.WhichOneof("query")
            if given == "text" and request.text.strip():
                text = checked_text("text", request.text, self._settings.max_text_chars)
                query = searcher.encode([text])[0]
            elif given == "concept":
                concept_id = GraphStore(session).concept_id(request.concept)
                query = searcher.concept_vector(concept_id)
            else:
                raise InvalidQuery("query", request.text, "a text or a concept URI")
            matches = search_features(
                session,
                self._vectors,
                query,
                k=k,
                saes=list(request.saes) or None,
                method=method_name(request.method, default=False),
                explanations=not request.names_only,
            )
            return self._matches_response(session, matches)

    def _matches_response(
        self, session: Session, matches: list[FeatureMatch]
    ) -> pb.SearchFeaturesResponse:
        store = SAEStore(session)
        stored = {}
        for match in matches:
            if match.naming is not None:
                found = SAENameStore(session).stored_names(
                    match.naming.id, [match.feature_id]
                )
                if found:
                    stored[(match.sae, match.feature_id)] = found[0]
        labels = self._state.names.names(
            GraphStore(session),
            (cid for name in stored.values() for cid in name.concept_ids),
        )
        explanations: dict[tuple[str, int], str] = {}
        for sae in {m.sae for m in matches}:
            ids = [m.feature_id for m in matches if m.sae == sae]
            for fid, text in store.explanations(sae, ids).items():
                explanations[(sae, fid)] = text
        response = pb.SearchFeaturesResponse()
        for match in matches:
            slot = (match.sae, match.feature_id)
            message = response.features.add(
                sae=match.sae,
                feature_id=match.feature_id,
                score=match.score,
                matched=match.matched,
                explanation=explanations.get(slot, ""),
            )
            if slot in stored:
                name = stored[slot]
                add_stored_name(message.name, name, labels)
        return response

    def _builder(self, sae: str) -> UploadBuilder:
        if not sae:
            raise InvalidQuery("sae", sae, "the SAE's name in the first message")
        with self._sessions() as session:
            info = SAEStore(session).get(sae)
        return UploadBuilder(
            sae=sae,
            n_features=info.n_features,
            d_model=info.d_model,
            max_snippets=self._settings.max_snippets_per_feature,
            max_text_chars=self._settings.max_text_chars,
            max_direction_bytes=self._settings.max_sae_upload_bytes,
        )

    def _k(self, requested: int, *, default: int) -> int:
        return checked_count("k", requested or default, self._settings.max_k)
