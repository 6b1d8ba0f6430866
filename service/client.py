"""A small Python client of the conceptkg gRPC API for other services."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import grpc
import numpy as np
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service._generated.conceptkg.v1 import concepts_pb2 as cpb
from service._generated.conceptkg.v1 import (
    concepts_pb2_grpc,
    graph_pb2_grpc,
    papers_pb2_grpc,
    sae_pb2_grpc,
    training_pb2_grpc,
)
from service._generated.conceptkg.v1 import graph_pb2 as pb
from service._generated.conceptkg.v1 import papers_pb2 as ppb
from service._generated.conceptkg.v1 import sae_pb2 as spb
from service._generated.conceptkg.v1 import training_pb2 as tpb

DEFAULT_ADDRESS = "127.0.0.1:50051"
Item = TypeVar("Item")
Message = TypeVar("Message")
_DIRECTIONS = {
    "both": pb.DIRECTION_BOTH,
    "out": pb.DIRECTION_OUT,
    "in": pb.DIRECTION_IN,
}
NAMING_METHODS = {
    "": spb.NAMING_METHOD_UNSPECIFIED,
    "direction": spb.NAMING_METHOD_DIRECTION,
    "examples": spb.NAMING_METHOD_EXAMPLES,
    "combined": spb.NAMING_METHOD_COMBINED,
    "explanation": spb.NAMING_METHOD_EXPLANATION,
}
_DTYPES = {
    np.dtype("float32"): spb.DTYPE_FLOAT32,
    np.dtype("float16"): spb.DTYPE_FLOAT16,
}


class ConceptKGClient:
    """Typed calls to a conceptkg server; errors surface as ``grpc.RpcError``.

    Use as a context manager, or call :meth:`close`.

    Args:
        address: ``host:port`` of the server.
        timeout_s: deadline of each call.
    """

    def __init__(self, address: str = DEFAULT_ADDRESS, *, timeout_s: float = 30.0):
        self._channel = grpc.insecure_channel(address)
        self._graph = graph_pb2_grpc.GraphServiceStub(self._channel)
        self._concepts = concepts_pb2_grpc.ConceptServiceStub(self._channel)
        self._training = training_pb2_grpc.TrainingServiceStub(self._channel)
        self._papers = papers_pb2_grpc.PaperServiceStub(self._channel)
        self._saes = sae_pb2_grpc.SAEServiceStub(self._channel)
        self._timeout = timeout_s

    def __enter__(self) -> ConceptKGClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def wait_ready(self, timeout_s: float = 10.0) -> None:
        """Block until the channel is connected, or raise grpc.FutureTimeoutError."""
        grpc.channel_ready_future(self._channel).result(timeout=timeout_s)

    def health(self, service: str = "") -> str:
        """The standard health status of ``service`` ("" = the whole server)."""
        stub = health_pb2_grpc.HealthStub(self._channel)
        request = health_pb2.HealthCheckRequest(service=service)
        response = stub.Check(request, timeout=self._timeout)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))

    def get_concept(self, uri: str) -> pb.Concept:
        """The concept stored under ``uri``."""
        request = pb.GetConceptRequest(uri=uri)
        return self._graph.GetConcept(request, timeout=self._timeout).concept

    def query_edges(
        self,
        *,
        start: str = "",
        end: str = "",
        relation: str = "",
        node: str = "",
        dataset: str = "",
        limit: int = 0,
        page_token: str = "",
    ) -> pb.QueryEdgesResponse:
        """One page of edges, strongest first."""
        request = pb.QueryEdgesRequest(
            start=start,
            end=end,
            relation=relation,
            node=node,
            dataset=dataset,
            limit=limit,
            page_token=page_token,
        )
        return self._graph.QueryEdges(request, timeout=self._timeout)

    def iter_edges(self, *, page_size: int = 0, **filters: str) -> Iterator[pb.Edge]:
        """Every matching edge, following page tokens to the end."""
        token = ""
        while True:
            page = self.query_edges(limit=page_size, page_token=token, **filters)
            yield from page.edges
            token = page.next_page_token
            if not token:
                return

    def neighbors(
        self, uri: str, *, relation: str = "", direction: str = "both", limit: int = 0
    ) -> list[pb.Neighbor]:
        """Concepts linked to ``uri``; direction is out, in or both."""
        request = pb.NeighborsRequest(
            uri=uri, relation=relation, direction=_DIRECTIONS[direction], limit=limit
        )
        return list(self._graph.Neighbors(request, timeout=self._timeout).neighbors)

    def subgraph(
        self, uri: str, *, hops: int = 1, max_nodes: int = 0, relation: str = ""
    ) -> pb.SubgraphResponse:
        """The neighborhood of ``uri`` within ``hops`` edges."""
        request = pb.SubgraphRequest(
            uri=uri, hops=hops, max_nodes=max_nodes, relation=relation
        )
        return self._graph.Subgraph(request, timeout=self._timeout)

    def shortest_paths(
        self, start: str, end: str, *, max_hops: int = 4, max_paths: int = 1
    ) -> list[pb.Path]:
        """The cheapest paths between two concepts (cost = sum of 1/weight)."""
        request = pb.ShortestPathRequest(
            start=start, end=end, max_hops=max_hops, max_paths=max_paths
        )
        return list(self._graph.ShortestPath(request, timeout=self._timeout).paths)

    def upsert_edges(
        self, edges: Iterable[pb.EdgeInput], *, batch_size: int = 5000
    ) -> pb.UpsertResponse:
        """Stream edges in messages of ``batch_size``; one transaction in all."""
        return self._graph.UpsertEdges(
            _batched(edges, batch_size, lambda b: pb.UpsertEdgesRequest(edges=b)),
            timeout=self._timeout,
        )

    def upsert_concepts(
        self, concepts: Iterable[pb.ConceptInput], *, batch_size: int = 5000
    ) -> pb.UpsertResponse:
        """Stream concepts in messages of ``batch_size``; one transaction in all."""
        return self._graph.UpsertConcepts(
            _batched(
                concepts, batch_size, lambda b: pb.UpsertConceptsRequest(concepts=b)
            ),
            timeout=self._timeout,
        )

    def delete_edges(self, uris: Iterable[str]) -> pb.DeleteEdgesResponse:
        """Delete edges by URI."""
        request = pb.DeleteEdgesRequest(uris=list(uris))
        return self._graph.DeleteEdges(request, timeout=self._timeout)

    def stats(self, *, top: int = 0) -> pb.StatsResponse:
        """Sizes of the graph."""
        return self._graph.Stats(pb.StatsRequest(top=top), timeout=self._timeout)

    def search_concepts(
        self,
        text: str,
        *,
        k: int = 10,
        lang: str = "",
        plain: bool = False,
        near: str = "",
        near_hops: int = 0,
        isa: str = "",
    ) -> cpb.SearchConceptsResponse:
        """The concepts nearest to a text.

        Args:
            text: the query.
            k: how many concepts.
            lang: only concepts of this language.
            plain: rank by cosine alone, without the salience prior.
            near: only concepts within ``near_hops`` edges of this concept.
            near_hops: hops for ``near`` (0 = 1).
            isa: only concepts with an IsA path to this concept.
        """
        subset = cpb.ConceptSubset(near=near, near_hops=near_hops, isa=isa)
        request = cpb.SearchConceptsRequest(
            text=text, k=k, lang=lang, plain=plain, subset=subset
        )
        return self._concepts.SearchConcepts(request, timeout=self._timeout)

    def related_concepts(
        self, uri: str, *, k: int = 10, lang: str = ""
    ) -> list[cpb.ScoredConcept]:
        """The concepts nearest to a concept, itself excluded."""
        request = cpb.RelatedConceptsRequest(uri=uri, k=k, lang=lang)
        response = self._concepts.RelatedConcepts(request, timeout=self._timeout)
        return list(response.concepts)

    def relatedness(self, a: str, b: str) -> float:
        """Cosine relatedness of two concept URIs or texts."""
        request = cpb.RelatednessRequest(a=a, b=b)
        return float(self._concepts.Relatedness(request, timeout=self._timeout).score)

    def name_directions(
        self,
        vectors: Iterable[Iterable[float]],
        *,
        space: str = "",
        k: int = 5,
        lang: str = "",
        sign_ambiguous: bool = False,
        subset: cpb.ConceptSubset | None = None,
    ) -> list[cpb.DirectionNames]:
        """The nearest concepts of each direction of a space ("" = concept space).

        ``subset`` restricts the names to a neighbourhood or an IsA subtree.
        """
        request = cpb.NameDirectionsRequest(
            vectors=[cpb.Vector(values=list(v)) for v in vectors],
            space=space,
            k=k,
            lang=lang,
            sign_ambiguous=sign_ambiguous,
            subset=subset,
        )
        response = self._concepts.NameDirections(request, timeout=self._timeout)
        return list(response.names)

    def stream_name_directions(
        self,
        vectors: Iterable[Iterable[float]],
        *,
        space: str = "",
        k: int = 5,
        lang: str = "",
        batch_size: int = 1024,
        sign_ambiguous: bool = False,
    ) -> Iterator[cpb.DirectionNames]:
        """Names of any number of directions, streamed in batches, in order."""

        def requests(batch: list[cpb.Vector]) -> cpb.NameDirectionsRequest:
            return cpb.NameDirectionsRequest(
                vectors=batch,
                space=space,
                k=k,
                lang=lang,
                sign_ambiguous=sign_ambiguous,
            )

        messages = (cpb.Vector(values=list(v)) for v in vectors)
        responses = self._concepts.StreamNameDirections(
            _batched(messages, batch_size, requests), timeout=self._timeout
        )
        for response in responses:
            yield from response.names

    def register_space(
        self, name: str, dim: int, *, description: str = ""
    ) -> cpb.SpaceInfo:
        """Register another model's latent space (idempotent for the same dim)."""
        request = cpb.RegisterSpaceRequest(name=name, dim=dim, description=description)
        return self._concepts.RegisterSpace(request, timeout=self._timeout).space

    def fit_alignment(
        self,
        space: str,
        vectors: Iterable[Iterable[float]],
        texts: Iterable[str],
        *,
        method: str = "ridge",
        alpha: float = 1.0,
        batch_size: int = 1000,
    ) -> cpb.FitAlignmentResponse:
        """Fit the space's map into the concept space from (vector, text) pairs."""
        pairs = (
            cpb.AlignmentPair(vector=cpb.Vector(values=list(v)), text=t)
            for v, t in zip(vectors, texts, strict=True)
        )

        def request(batch: list[cpb.AlignmentPair]) -> cpb.FitAlignmentRequest:
            return cpb.FitAlignmentRequest(
                space=space, method=method, alpha=alpha, pairs=batch
            )

        return self._concepts.FitAlignment(
            _batched(pairs, batch_size, request), timeout=self._timeout
        )

    def list_spaces(self) -> list[cpb.SpaceInfo]:
        """Every registered space with its newest alignment's scores."""
        response = self._concepts.ListSpaces(cpb.ListSpacesRequest())
        return list(response.spaces)

    def conceptualize(
        self,
        text: str = "",
        *,
        vector: Iterable[float] | None = None,
        fine: bool = False,
        k: int = 10,
        expand: Iterable[str] = (),
        lang: str = "",
    ) -> list[cpb.ScoredConcept]:
        """A text or concept-space vector as weighted concepts.

        Coarse (IsA hubs) by default, ``fine`` for leaf concepts; ``expand``
        ranks the IsA children of the given concepts instead.
        """
        granularity = cpb.GRANULARITY_FINE if fine else cpb.GRANULARITY_COARSE
        request = cpb.ConceptualizeRequest(
            granularity=granularity, k=k, expand=list(expand), lang=lang
        )
        if vector is not None:
            request.vector.values.extend(vector)
        else:
            request.text = text
        response = self._concepts.Conceptualize(request, timeout=self._timeout)
        return list(response.concepts)

    def index_status(self) -> cpb.IndexStatusResponse:
        """Which embedding set the server's index holds, if any."""
        request = cpb.IndexStatusRequest()
        return self._concepts.IndexStatus(request, timeout=self._timeout)

    # Training -----------------------------------------------------------

    def start_training(
        self, config: dict[str, Any], *, kind: str = "rgcn"
    ) -> tpb.TrainingRun:
        """Queue a training run (it runs in a worker process); returns it."""
        request = tpb.StartTrainingRequest(kind=kind)
        request.config.update(config)
        response = self._training.StartTraining(request, timeout=self._timeout)
        return response.run

    def watch_run(
        self, run_id: int, *, timeout_s: float | None = None
    ) -> Iterator[tpb.RunProgress]:
        """Progress reports of a run until it finishes (no deadline by default)."""
        request = tpb.RunRequest(run_id=run_id)
        yield from self._training.WatchRun(request, timeout=timeout_s)

    def get_run(self, run_id: int) -> tpb.TrainingRun:
        """A training run: status, config and, once finished, its metrics."""
        request = tpb.RunRequest(run_id=run_id)
        return self._training.GetRun(request, timeout=self._timeout)

    def list_runs(self, *, limit: int = 0, status: str = "") -> list[tpb.TrainingRun]:
        """The newest training runs first."""
        request = tpb.ListRunsRequest(limit=limit, status=status)
        return list(self._training.ListRuns(request, timeout=self._timeout).runs)

    def cancel_run(self, run_id: int) -> tpb.TrainingRun:
        """Ask a run to stop after its current step."""
        request = tpb.RunRequest(run_id=run_id)
        return self._training.CancelRun(request, timeout=self._timeout)

    def predict_edges(
        self,
        run_id: int,
        relation: str,
        *,
        head: str = "",
        tail: str = "",
        k: int = 0,
        exclude_known: bool = False,
    ) -> list[tpb.PredictedEdge]:
        """Missing ends of (head, relation, ?) or (?, relation, tail); give one."""
        request = tpb.PredictEdgesRequest(
            run_id=run_id, relation=relation, k=k, exclude_known=exclude_known
        )
        if head:
            request.head = head
        if tail:
            request.tail = tail
        response = self._training.PredictEdges(request, timeout=self._timeout)
        return list(response.edges)

    # Papers -------------------------------------------------------------

    def ingest_papers(
        self, papers: Iterable[ppb.Paper], *, batch_size: int = 500
    ) -> ppb.IngestPapersResponse:
        """Stream papers in messages of ``batch_size``; one transaction in all."""
        return self._papers.IngestPapers(
            _batched(papers, batch_size, lambda b: ppb.IngestPapersRequest(papers=b)),
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

    def register_sae(
        self, space: str, name: str, n_features: int, *, description: str = ""
    ) -> spb.SAEInfo:
        """Register a sparse autoencoder over a registered space (idempotent)."""
        request = spb.RegisterSAERequest(
            space=space, name=name, n_features=n_features, description=description
        )
        return self._saes.RegisterSAE(request, timeout=self._timeout).sae

    def upload_features(
        self,
        sae: str,
        *,
        directions: np.ndarray | None = None,
        snippets: Mapping[int, Sequence[tuple[str, float]]] | None = None,
        explanations: Mapping[int, str] | None = None,
        message_bytes: int = 1 << 20,
        timeout_s: float | None = None,
    ) -> spb.UploadFeaturesResponse:
        """Upload decoder directions, snippets and explanations in one stream.

        Args:
            sae: a registered SAE.
            directions: float32 or float16, shape (n_features, d_model); row
                i is feature i.
            snippets: per feature id, its top-activating (text, activation)
                pairs, highest first.
            explanations: per feature id, an explanation text.
            message_bytes: about how much direction data one message carries.
            timeout_s: deadline of the call (default: the client's); the
                server embeds every snippet and explanation before it answers.
        """
        return self._saes.UploadFeatures(
            _upload_messages(sae, directions, snippets, explanations, message_bytes),
            timeout=timeout_s or self._timeout,
        )

    def get_sae(self, name: str) -> spb.SAEInfo:
        """One registered SAE, what is stored of it and its newest namings."""
        request = spb.GetSAERequest(name=name)
        return self._saes.GetSAE(request, timeout=self._timeout).sae

    def list_saes(self) -> list[spb.SAEInfo]:
        """Every registered SAE."""
        response = self._saes.ListSAEs(spb.ListSAEsRequest(), timeout=self._timeout)
        return list(response.saes)

    def name_features(
        self,
        sae: str,
        feature_ids: Iterable[int] | None = None,
        *,
        method: str = "",
        k: int = 5,
        examples_weight: float = 0.0,
        timeout_s: float | None = None,
    ) -> Iterator[spb.NameFeaturesResponse]:
        """Name features (None: every feature the method can name); streamed.

        ``method`` is direction, examples, combined, explanation or "" for
        the server's default. The names are stored as the method's next
        version once the stream is read to the end.
        """
        request = spb.NameFeaturesRequest(
            sae=sae,
            feature_ids=list(feature_ids or []),
            all=feature_ids is None,
            method=NAMING_METHODS[method],
            k=k,
            examples_weight=examples_weight,
        )
        yield from self._saes.NameFeatures(request, timeout=timeout_s or self._timeout)

    def feature_names(
        self,
        sae: str,
        feature_ids: Iterable[int] = (),
        *,
        method: str = "",
        version: int = 0,
    ) -> spb.GetFeatureNamesResponse:
        """Stored names of a method's version (0 = newest); () = every feature."""
        request = spb.GetFeatureNamesRequest(
            sae=sae,
            feature_ids=list(feature_ids),
            method=NAMING_METHODS[method],
            version=version,
        )
        return self._saes.GetFeatureNames(request, timeout=self._timeout)

    def search_features(
        self,
        text: str = "",
        *,
        concept: str = "",
        saes: Iterable[str] = (),
        method: str = "",
        k: int = 10,
        names_only: bool = False,
    ) -> list[spb.FeatureMatch]:
        """Features whose names or explanations are closest to a text or concept."""
        request = spb.SearchFeaturesRequest(
            saes=list(saes), method=NAMING_METHODS[method], k=k, names_only=names_only
        )
        if concept:
            request.concept = concept
        else:
            request.text = text
        response = self._saes.SearchFeatures(request, timeout=self._timeout)
        return list(response.features)


def _upload_messages(
    sae: str,
    directions: np.ndarray | None,
    snippets: Mapping[int, Sequence[tuple[str, float]]] | None,
    explanations: Mapping[int, str] | None,
    message_bytes: int,
) -> Iterator[spb.UploadFeaturesRequest]:
    """The messages of one upload; the SAE is named in each."""
    if directions is not None:
        rows = np.asarray(directions)
        native = rows.dtype.newbyteorder("=")
        if rows.ndim != 2 or native not in _DTYPES:
            raise ValueError(
                f"directions must be float32 or float16 (n, d_model), "
                f"got {rows.dtype} {rows.shape}"
            )
        little = rows.astype(rows.dtype.newbyteorder("<"), copy=False)
        step = max(1, message_bytes // max(1, rows.shape[1] * native.itemsize))
        for start in range(0, len(little), step):
            block = little[start : start + step]
            yield spb.UploadFeaturesRequest(
                sae=sae,
                directions=spb.DirectionBlock(
                    feature_ids=range(start, start + len(block)),
                    dtype=_DTYPES[native],
                    d_model=rows.shape[1],
                    data=np.ascontiguousarray(block).tobytes(),
                ),
            )
    snippet_items = [
        spb.FeatureSnippets(
            feature_id=fid,
            snippets=[spb.Snippet(text=t, activation=a) for t, a in pairs],
        )
        for fid, pairs in (snippets or {}).items()
    ]
    for batch in _sized(snippet_items, message_bytes):
        yield spb.UploadFeaturesRequest(sae=sae, snippets=batch)
    explained = [
        spb.FeatureExplanation(feature_id=fid, text=text)
        for fid, text in (explanations or {}).items()
    ]
    for batch in _sized(explained, message_bytes):
        yield spb.UploadFeaturesRequest(sae=sae, explanations=batch)


def _sized(items: list[Message], limit: int) -> Iterator[list[Message]]:
    """Consecutive groups of protobuf messages of at most ``limit`` bytes
    serialized (a larger item goes alone)."""
    batch: list[Message] = []
    size = 0
    for item in items:
        item_size = item.ByteSize() + 8  # type: ignore[attr-defined]
        if batch and size + item_size > limit:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _batched(
    items: Iterable[Item], size: int, make: Callable[[list[Item]], Message]
) -> Iterator[Message]:
    """Group items into messages of at most ``size`` items."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield make(batch)
            batch = []
    if batch:
        yield make(batch)
