"""The files of a saved index: the FAISS index, and its metadata with a checksum.

Both are written atomically (temporary file, flush, fsync, rename), index first;
a load verifies the checksum, the vector count and dimension, and the embedding
set the index was built from, so a torn or foreign file is never served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np

from embeddings.errors import IndexCorrupted

logger = logging.getLogger(__name__)

faiss: Any = _faiss

IndexKind = Literal["flat", "hnsw", "ivf"]
INDEX_FILE = "index.faiss"
METADATA_FILE = "index.json"


@dataclass(frozen=True)
class IndexMetadata:
    """What an index file holds; saved beside it as JSON.

    ``moved_ids`` lists the concepts of an HNSW index whose vectors were
    replaced since it was built (searched exactly beside the graph).
    """

    embedding_set: str
    kind: IndexKind
    count: int
    dim: int
    checksum: str
    moved_ids: list[int] = field(default_factory=list)


def write_index_files(
    folder: Path,
    data: np.ndarray,
    *,
    embedding_set: str,
    kind: IndexKind,
    count: int,
    dim: int,
    moved_ids: list[int],
) -> IndexMetadata:
    """Write a serialized index (uint8 array) and its metadata into ``folder``.

    The index goes first: a crash between the two leaves a new index whose
    checksum the old metadata rejects on load.
    """
    folder.mkdir(parents=True, exist_ok=True)
    metadata = IndexMetadata(
        embedding_set=embedding_set,
        kind=kind,
        count=count,
        dim=dim,
        checksum=hashlib.sha256(data.data).hexdigest(),
        moved_ids=moved_ids,
    )
    _write_atomically(folder / INDEX_FILE, data)
    text = json.dumps(asdict(metadata), indent=2).encode()
    _write_atomically(folder / METADATA_FILE, text)
    return metadata


def read_index_files(
    folder: Path, *, embedding_set: str | None = None
) -> tuple[Any, IndexMetadata]:
    """The FAISS index saved in ``folder`` and its metadata, verified.

    Raises:
        FileNotFoundError: no index in ``folder``.
        IndexCorrupted: checksum, count, dimension or set name disagree.
    """
    index_path = folder / INDEX_FILE
    try:
        metadata = IndexMetadata(**json.loads((folder / METADATA_FILE).read_text()))
    except (ValueError, TypeError) as error:
        raise IndexCorrupted(str(folder), f"unreadable metadata ({error})") from error
    data = index_path.read_bytes()
    if hashlib.sha256(data).hexdigest() != metadata.checksum:
        raise IndexCorrupted(str(index_path), "checksum does not match metadata")
    if embedding_set is not None and metadata.embedding_set != embedding_set:
        built_from = metadata.embedding_set
        raise IndexCorrupted(
            str(index_path),
            f"built from set {built_from!r}, expected {embedding_set!r}",
        )
    index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    if index.ntotal != metadata.count or index.d != metadata.dim:
        raise IndexCorrupted(str(index_path), "vector count or dim disagree")
    return index, metadata


def _write_atomically(path: Path, data: bytes | np.ndarray) -> None:
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as temp:
            array = (
                np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes) else data
            )
            array.tofile(temp)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
