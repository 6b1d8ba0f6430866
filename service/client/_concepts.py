"""ConceptService calls of the client."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from service._generated.conceptkg.v1 import concepts_pb2 as cpb
from service.client._base import CallsBase, batched


class ConceptCalls(CallsBase):
    """ConceptService calls of the client."""

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
            batched(messages, batch_size, requests), timeout=self._timeout
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
            batched(pairs, batch_size, request), timeout=self._timeout
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
