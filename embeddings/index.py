"""FAISS inner-product index over concept vectors: build, add, search, save, load."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import faiss as _faiss
import numpy as np

from embeddings.errors import (
    DimensionMismatch,
    IndexCorrupted,
    InvalidVectors,
    VectorNotFound,
)
from embeddings.first_pass import FirstPasses
from embeddings.index_files import (
    INDEX_FILE,
    IndexMetadata,
    read_index_files,
    write_index_files,
)
from embeddings.index_files import (
    IndexKind as IndexKind,
)
from embeddings.moved_vectors import MovedVectors
from embeddings.prefilter import ReducedPrefilter
from embeddings.rwlock import ReadWriteLock
from embeddings.vectors import check_vectors

if TYPE_CHECKING:
    # Imported where enabled: it loads torch, which the index itself needs not.
    from embeddings.bf16_pass import BFloat16Pass

logger = logging.getLogger(__name__)

# faiss's bundled stubs lag its SWIG API (SearchParametersHNSW, keyword
# arguments of search parameters); use the module untyped.
faiss: Any = _faiss

# Up to this many vectors "auto" picks exact search; above it, IVF, which
# builds 1M x 384 in about 90 s on 2 cores (HNSW would take over half an hour,
# too long for a rebuild at server start; see benchmarks/RESULTS.md).
AUTO_EXACT_LIMIT = 1_000_000
MAX_K = 1000
# Share of an HNSW index's concepts with replaced vectors above which each
# replace warns that a rebuild is due (see embeddings/moved_vectors.py).
MOVED_REBUILD_SHARE = 0.05


@dataclass(frozen=True)
class SearchResult:
    """Top-k hits per query; missing hits have id -1 and score -inf.

    ``scores`` and ``ids`` have shape (n_queries, k).
    """

    scores: np.ndarray
    ids: np.ndarray


class ConceptIndex:
    """Cosine search (inner product of unit vectors) keyed by concept id.

    Args:
        index: a FAISS index that maps external int64 ids.
        embedding_set: name of the embedding set the vectors come from.
        kind: ``flat`` (exact), ``hnsw`` or ``ivf``.
    """

    def __init__(self, index: Any, *, embedding_set: str, kind: IndexKind) -> None:
        if kind == "ivf" and index.direct_map.type == faiss.DirectMap.NoMap:
            # IVF lists map no id to its vector by default; reconstruct()
            # needs the id -> list entry table.
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
        self._index = index
        self._lock = ReadWriteLock()
        self.embedding_set = embedding_set
        self.kind: IndexKind = kind
        self.ef_search = 128
        self.nprobe = 16
        # Where the index was last saved or loaded from, if anywhere.
        self.folder: Path | None = None
        self._gpu_index = _gpu_replica(index) if kind == "flat" else None
        self._passes = FirstPasses()
        self._moved = MovedVectors(int(index.d))

    @property
    def dim(self) -> int:
        """Dimension of the indexed vectors."""
        return int(self._index.d)

    @property
    def count(self) -> int:
        """Number of indexed vectors."""
        return int(self._index.ntotal)

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        embedding_set: str,
        kind: IndexKind | Literal["auto"] = "flat",
        hnsw_m: int = 32,
    ) -> ConceptIndex:
        """Build an index over unit vectors.

        Args:
            ids: int64 concept ids, shape (n,), distinct.
            vectors: float32 unit vectors, shape (n, dim).
            embedding_set: name of the set the vectors come from.
            kind: ``flat`` (exact), ``hnsw``, ``ivf``, or ``auto`` (exact up
                to AUTO_EXACT_LIMIT vectors, IVF above).
            hnsw_m: HNSW graph degree.
        """
        vectors = check_vectors(vectors, name="index vectors")
        ids = _check_ids(ids, len(vectors))
        dim = vectors.shape[1]
        if kind == "auto":
            kind = "flat" if len(vectors) <= AUTO_EXACT_LIMIT else "ivf"
        if kind == "flat":
            index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        elif kind == "hnsw":
            hnsw = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = 80
            index = faiss.IndexIDMap2(hnsw)
        elif kind == "ivf":
            # About sqrt(n) lists, with the >= 39 training points per list that
            # k-means needs.
            nlist = max(1, min(4096, int(np.sqrt(len(vectors))), len(vectors) // 39))
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(
                quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT
            )
            index.train(vectors)
        else:
            raise ValueError(f"kind must be flat, hnsw, ivf or auto, got {kind!r}")
        index.add_with_ids(vectors, ids)
        logger.info(
            "index_built set=%s kind=%s vectors=%d dim=%d",
            embedding_set,
            kind,
            len(vectors),
            dim,
        )
        return cls(index, embedding_set=embedding_set, kind=kind)

    @property
    def prefilter_dim(self) -> int:
        """Width of the batch-search first pass, 0 when there is none."""
        prefilter = self._passes.prefilter
        return prefilter.dim if prefilter is not None else 0

    def enable_prefilter(self, dim: int, *, factor: int = 10) -> None:
        """Search batches of PREFILTER_MIN_QUERIES (:mod:`embeddings.first_pass`)
        or more through a first pass over the top ``dim`` principal components,
        re-ranked exactly (:mod:`embeddings.prefilter`); scores stay exact
        cosines, a hit can be missed. Filtered searches and small batches stay
        exact.

        Raises:
            ValueError: not a flat index, or ``dim`` out of range.
        """
        if self.kind != "flat":
            raise ValueError(f"a prefilter needs a flat index, this one is {self.kind}")
        with self._lock.writing():
            self._passes.prefilter = ReducedPrefilter.fit(
                self._stored_vectors(), dim, factor=factor
            )

    @property
    def bf16_pass(self) -> BFloat16Pass | None:
        """The bfloat16 first pass of batch searches, None when there is none."""
        return self._passes.bf16

    def enable_bf16_pass(self, *, extra: int = 32) -> None:
        """Search through a bfloat16 product first (:mod:`embeddings.bf16_pass`):
        hits and scores stay exact, a query whose bfloat16 candidates cannot be
        proven complete is searched again exactly. Takes half the index's
        memory again. Filtered searches go through it from
        BF16_FILTERED_MIN_QUERIES queries on (:mod:`embeddings.first_pass`); a
        reduced prefilter, if also enabled, takes precedence for the batches
        it serves. Does nothing when a GPU copy of the index serves searches.

        Raises:
            ValueError: not a flat index.
        """
        if self.kind != "flat":
            raise ValueError(
                f"a bfloat16 pass needs a flat index, this one is {self.kind}"
            )
        if self._gpu_index is not None:
            # The GPU copy answers every unfiltered search; the table would
            # only take memory.
            logger.info("bf16_pass_skipped set=%s reason=gpu_index", self.embedding_set)
            return
        from embeddings.bf16_pass import BFloat16Pass

        with self._lock.writing():
            self._passes.bf16 = BFloat16Pass(self._stored_vectors(), extra=extra)
        logger.info(
            "bf16_pass_enabled set=%s vectors=%d extra=%d",
            self.embedding_set,
            self.count,
            extra,
        )

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors of new concepts (incremental; ids must not be indexed yet)."""
        vectors = check_vectors(vectors, dim=self.dim, name="added vectors")
        ids = _check_ids(ids, len(vectors))
        with self._lock.writing():
            self._index.add_with_ids(vectors, ids)
            if self._gpu_index is not None:
                self._gpu_index.add_with_ids(vectors, ids)
            self._passes.add(vectors)

    def search(
        self, queries: np.ndarray, k: int, *, allowed_ids: np.ndarray | None = None
    ) -> SearchResult:
        """Return the k most similar concepts of each query.

        Args:
            queries: float32 unit vectors, shape (n, dim).
            k: hits per query, 1 <= k <= MAX_K.
            allowed_ids: restrict hits to these concept ids (e.g. one
                language, or a neighborhood), through a FAISS ID selector.
        """
        if not 1 <= k <= MAX_K:
            raise InvalidVectors("k", f"k={k} is outside 1..{MAX_K}")
        queries = check_vectors(queries, dim=self.dim, name="query vectors")
        if allowed_ids is not None and np.ndim(allowed_ids) != 1:
            raise InvalidVectors("allowed_ids", "expected a flat list of ids")
        if self._passes.enabled and self._gpu_index is None:
            with self._lock.reading():
                found = self._passes.search(
                    self._index,
                    self._stored_vectors(),
                    queries,
                    k,
                    allowed_ids=allowed_ids,
                    exact_params=lambda: self._search_parameters(allowed_ids),
                )
            if found is not None:
                return SearchResult(scores=found[0], ids=found[1])
        params = self._search_parameters(allowed_ids)
        # FAISS GPU indexes take no ID selector: filtered searches stay on
        # the CPU copy.
        searched = self._index
        if self._gpu_index is not None and params is None:
            searched = self._gpu_index
        with self._lock.reading():
            scores, ids = searched.search(queries, k, params=params)
            scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
            if len(self._moved):
                scores, ids = self._moved.merge(
                    queries, scores, ids, allowed_ids=allowed_ids
                )
        return SearchResult(scores=scores, ids=ids)

    def _stored_vectors(self) -> np.ndarray:
        """A flat or HNSW index's vectors in row order, a view (hold the lock)."""
        inner = faiss.downcast_index(self._index.index)
        if self.kind == "hnsw":
            inner = faiss.downcast_index(inner.storage)
        view: np.ndarray = faiss.rev_swig_ptr(
            inner.get_xb(), inner.ntotal * inner.d
        ).reshape(inner.ntotal, inner.d)
        return view

    def replace(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Give indexed concepts new vectors (e.g. after a relabel).

        Flat indexes overwrite the rows in place (the first pass and a GPU
        copy follow); IVF indexes remove and re-add the ids. HNSW indexes
        overwrite the stored rows too, and since the graph keeps the links
        chosen for the old vectors, the replaced concepts are also scored
        exactly in every search until a rebuild (:mod:`embeddings.moved_vectors`).

        Raises:
            VectorNotFound: an id is not in the index (nothing is changed).
        """
        vectors = check_vectors(vectors, dim=self.dim, name="replacing vectors")
        ids = _check_ids(ids, len(vectors))
        with self._lock.writing():
            if self.kind == "ivf":
                missing = [i for i in ids.tolist() if not self._holds_locked(i)]
                if missing:
                    raise VectorNotFound(str(missing[0]))
                # IVF's id hashtable removes only through an id array; the
                # selector points into ``removed``, kept alive until done.
                removed = np.ascontiguousarray(ids, dtype=np.int64)
                selector = faiss.IDSelectorArray(len(removed), faiss.swig_ptr(removed))
                self._index.remove_ids(selector)
                self._index.add_with_ids(vectors, ids)
                return
            stored = faiss.vector_to_array(self._index.id_map)
            order = np.argsort(stored, kind="stable")
            slots = np.searchsorted(stored, ids, sorter=order)
            rows = order[np.minimum(slots, len(order) - 1)]
            missing_rows = stored[rows] != ids
            if missing_rows.any():
                raise VectorNotFound(str(int(ids[np.flatnonzero(missing_rows)[0]])))
            self._stored_vectors()[rows] = vectors
            if self.kind == "hnsw":
                self._moved.update(ids, vectors)
                if len(self._moved) > MOVED_REBUILD_SHARE * self.count:
                    # Each search scores the moved concepts exactly: past a
                    # few percent of the index that costs more than the graph.
                    logger.warning(
                        "index_many_moved set=%s moved=%d vectors=%d "
                        "action='conceptkg index build'",
                        self.embedding_set,
                        len(self._moved),
                        self.count,
                    )
            self._passes.replace(rows, vectors)
            if self._gpu_index is not None:
                self._gpu_index = _gpu_replica(self._index)

    def reconstruct(self, concept_id: int) -> np.ndarray:
        """The stored vector of one concept id, shape (dim,).

        Raises:
            VectorNotFound: the id is not in the index.
        """
        try:
            with self._lock.reading():
                vector = self._index.reconstruct(int(concept_id))
        except RuntimeError as error:
            raise VectorNotFound(str(concept_id)) from error
        return np.asarray(vector, dtype=np.float32)

    def reconstruct_batch(self, concept_ids: np.ndarray) -> np.ndarray:
        """The stored vectors of several concept ids, float32 (n, dim).

        Raises:
            VectorNotFound: one of the ids is not in the index.
        """
        ids = np.ascontiguousarray(concept_ids, dtype=np.int64)
        if len(ids) == 0:
            return np.empty((0, self.dim), dtype=np.float32)
        try:
            with self._lock.reading():
                vectors = self._index.reconstruct_batch(ids)
        except RuntimeError as error:
            missing = next((i for i in ids.tolist() if not self._holds(i)), int(ids[0]))
            raise VectorNotFound(str(missing)) from error
        return np.asarray(vectors, dtype=np.float32)

    def _holds(self, concept_id: int) -> bool:
        with self._lock.reading():
            return self._holds_locked(concept_id)

    def _holds_locked(self, concept_id: int) -> bool:
        try:
            self._index.reconstruct(int(concept_id))
        except RuntimeError:
            return False
        return True

    def save(self, folder: Path) -> IndexMetadata:
        """Write the index and its metadata atomically into ``folder``.

        Each file is written to a temporary name, flushed to disk and renamed,
        index first: a crash leaves either the old pair, or a new index whose
        checksum the old metadata rejects on load.
        """
        # The serialized uint8 array is hashed and written as it is: a copy
        # through bytes() would double the peak memory of a large index.
        with self._lock.reading():
            data = faiss.serialize_index(self._index)
            count = self.count
        metadata = write_index_files(
            folder,
            data,
            embedding_set=self.embedding_set,
            kind=self.kind,
            count=count,
            dim=self.dim,
            moved_ids=self._moved.ids.tolist(),
        )
        logger.info(
            "index_saved path=%s vectors=%d checksum=%s",
            folder,
            metadata.count,
            metadata.checksum[:12],
        )
        self.folder = folder
        return metadata

    @classmethod
    def load(cls, folder: Path, *, embedding_set: str | None = None) -> ConceptIndex:
        """Load an index saved by :meth:`save`, verifying it against its metadata.

        Raises:
            FileNotFoundError: no index in ``folder``.
            IndexCorrupted: checksum, count, dimension or set name disagree.
        """
        index, metadata = read_index_files(folder, embedding_set=embedding_set)
        loaded = cls(index, embedding_set=metadata.embedding_set, kind=metadata.kind)
        if metadata.moved_ids:
            moved = np.asarray(metadata.moved_ids, dtype=np.int64)
            try:
                loaded._moved.update(moved, index.reconstruct_batch(moved))
            except RuntimeError as error:
                raise IndexCorrupted(
                    str(folder / INDEX_FILE), "a replaced concept is not in the index"
                ) from error
        logger.info(
            "index_loaded path=%s vectors=%d moved=%d",
            folder,
            index.ntotal,
            len(metadata.moved_ids),
        )
        loaded.folder = folder
        return loaded

    def _search_parameters(self, allowed_ids: np.ndarray | None) -> Any:
        selector = None
        if allowed_ids is not None:
            # search() has checked that the ids are a flat list.
            allowed = np.ascontiguousarray(allowed_ids, dtype=np.int64)
            selector = faiss.IDSelectorBatch(allowed)
        if self.kind == "ivf":
            return faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
        if self.kind == "hnsw":
            # IndexIDMap2 passes these to the inner HNSW index, translating
            # the selector from concept ids to internal positions.
            return faiss.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)
        if selector is None:
            return None
        return faiss.SearchParameters(sel=selector)


def _gpu_replica(index: Any) -> Any:
    """A copy of a flat index on the GPUs, when faiss was built with GPU support
    and a GPU is present; else None."""
    # Limitation: the project installs faiss-cpu, and no GPU test machine ran
    # this path; it takes effect where faiss-gpu is installed instead.
    if not hasattr(faiss, "StandardGpuResources") or faiss.get_num_gpus() < 1:
        return None
    replica = faiss.index_cpu_to_all_gpus(index)
    logger.info("index_on_gpu gpus=%d vectors=%d", faiss.get_num_gpus(), index.ntotal)
    return replica


def _check_ids(ids: np.ndarray, count: int) -> np.ndarray:
    array = np.ascontiguousarray(ids, dtype=np.int64)
    if array.shape != (count,):
        raise DimensionMismatch(count, int(array.shape[0]) if array.ndim else 0)
    if len(np.unique(array)) != count:
        raise InvalidVectors("ids", "ids are not distinct")
    return array
