"""SAEService calls of the client."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from service._generated.conceptkg.v1 import sae_pb2 as spb
from service.client._base import CallsBase, sized

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


class SAECalls(CallsBase):
    """SAEService calls of the client."""

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
        the server's default. The server stores the names as the method's
        next version before it sends the first message, so they are kept
        even when the stream is not read to the end.
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
    for batch in sized(snippet_items, message_bytes):
        yield spb.UploadFeaturesRequest(sae=sae, snippets=batch)
    explained = [
        spb.FeatureExplanation(feature_id=fid, text=text)
        for fid, text in (explanations or {}).items()
    ]
    for batch in sized(explained, message_bytes):
        yield spb.UploadFeaturesRequest(sae=sae, explanations=batch)
