"""PaperStore: reads and writes of papers, their concept links and vectors."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from embeddings.paper_errors import PaperNotFound
from embeddings.paper_models import (
    Paper,
    PaperConcept,
    PaperTokenVectors,
    PaperVector,
)
from embeddings.paper_records import PaperConceptRecord, PaperInput, PaperRecord
from embeddings.token_vectors import TokenVectors
from graph.models import Concept
from graph.writer import chunks, insert_for

logger = logging.getLogger(__name__)

_IN_CHUNK = 2000
_READ_CHUNK = 20000
# Wordpiece rows are about 100 kB each; insert them a few at a time.
_TOKEN_CHUNK = 64


@dataclass(frozen=True)
class LinkRow:
    """A paper-concept link before its weight is known."""

    paper_key: int
    concept_id: int
    count: int
    confidence: float
    link: str
    phrase: str


class PaperStore:
    """Papers on one session; the caller commits.

    Args:
        session: an open SQLAlchemy session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    # Papers -----------------------------------------------------------------

    def content_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """Stored content hash of each known paper id among ``ids``."""
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(ids)), _IN_CHUNK):
            rows = self._session.execute(
                select(Paper.external_id, Paper.content_hash).where(
                    Paper.external_id.in_(chunk)
                )
            )
            found.update({pid: digest for pid, digest in rows})
        return found

    def upsert(self, papers: Sequence[PaperInput]) -> dict[str, int]:
        """Insert new papers and overwrite changed ones; returns their keys by id.

        Links and vectors of an overwritten paper are deleted, since they
        described its old text.
        """
        keys = self.keys(p.id for p in papers)
        changed = [keys[p.id] for p in papers if p.id in keys]
        for chunk in chunks(changed, _IN_CHUNK):
            self._session.execute(
                delete(PaperConcept).where(PaperConcept.paper_id.in_(chunk))
            )
            self._session.execute(
                delete(PaperVector).where(PaperVector.paper_id.in_(chunk))
            )
            self._session.execute(
                delete(PaperTokenVectors).where(PaperTokenVectors.paper_id.in_(chunk))
            )
        for paper in papers:
            values = _paper_values(paper)
            if paper.id in keys:
                self._session.execute(
                    update(Paper).where(Paper.id == keys[paper.id]).values(**values)
                )
        new = [_paper_values(p) for p in papers if p.id not in keys]
        if new:
            self._session.execute(insert(Paper), new)
        return self.keys(p.id for p in papers)

    def keys(self, ids: Iterable[str]) -> dict[str, int]:
        """Database key of each known paper id among ``ids``."""
        found: dict[str, int] = {}
        for chunk in chunks(sorted(set(ids)), _IN_CHUNK):
            rows = self._session.execute(
                select(Paper.external_id, Paper.id).where(Paper.external_id.in_(chunk))
            )
            found.update({pid: key for pid, key in rows})
        return found

    def get(self, paper_id: str) -> PaperRecord:
        """The paper stored under ``paper_id``.

        Raises:
            PaperNotFound: no such paper.
        """
        row = self._session.scalar(select(Paper).where(Paper.external_id == paper_id))
        if row is None:
            raise PaperNotFound(paper_id)
        return _record(row)

    def all_papers(self) -> list[PaperRecord]:
        """Every paper, by key."""
        rows = self._session.scalars(select(Paper).order_by(Paper.id))
        return [_record(row) for row in rows]

    def count(self) -> int:
        """The number of stored papers."""
        return int(self._session.scalar(select(func.count(Paper.id))) or 0)

    # Concept links ----------------------------------------------------------

    def add_links(self, links: Sequence[LinkRow]) -> int:
        """Store links of papers that have none yet (weights set to 0 until
        :meth:`recompute_weights`)."""
        rows = [
            {
                "paper_id": link.paper_key,
                "concept_id": link.concept_id,
                "count": link.count,
                "confidence": link.confidence,
                "weight": 0.0,
                "link": link.link,
                "phrase": link.phrase,
            }
            for link in links
        ]
        for chunk in chunks(rows, _IN_CHUNK):
            self._session.execute(insert(PaperConcept), chunk)
        return len(rows)

    def recompute_weights(self) -> int:
        """Set every link's tf-idf weight from the current corpus.

        ``weight = (1 + ln count) * confidence * ln(1 + papers / df)``, where
        df is how many papers link the concept: a concept that every paper
        has counts for little.

        Returns:
            The number of links.
        """
        # Limitation: rewrites every link after each ingest (the corpus
        # size changes every idf); about a second per 100,000 links.
        papers = self.count()
        df = dict(
            self._session.execute(
                select(PaperConcept.concept_id, func.count()).group_by(
                    PaperConcept.concept_id
                )
            ).all()
        )
        rows = self._session.execute(
            select(
                PaperConcept.paper_id,
                PaperConcept.concept_id,
                PaperConcept.count,
                PaperConcept.confidence,
            )
        ).all()
        values = [
            {
                "p": paper_key,
                "c": concept_id,
                "w": (1.0 + math.log(count))
                * confidence
                * math.log1p(papers / df[concept_id]),
            }
            for paper_key, concept_id, count, confidence in rows
        ]
        statement = (
            update(PaperConcept)
            .where(
                PaperConcept.paper_id == bindparam("p"),
                PaperConcept.concept_id == bindparam("c"),
            )
            .values(weight=bindparam("w"))
        )
        connection = self._session.connection()
        for chunk in chunks(values, _READ_CHUNK):
            connection.execute(statement, chunk)
        return len(values)

    def all_links(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every link as arrays: paper keys, concept ids (int64) and weights
        (float32), each of shape (n,)."""
        rows = self._session.execute(
            select(PaperConcept.paper_id, PaperConcept.concept_id, PaperConcept.weight)
        ).all()
        array = np.array(rows, dtype=np.float64).reshape(-1, 3)
        return (
            array[:, 0].astype(np.int64),
            array[:, 1].astype(np.int64),
            array[:, 2].astype(np.float32),
        )

    def concepts_of(self, paper_key: int, *, limit: int) -> list[PaperConceptRecord]:
        """The concepts of one paper, heaviest first."""
        rows = self._session.execute(
            select(
                Concept.uri,
                Concept.label,
                PaperConcept.weight,
                PaperConcept.count,
                PaperConcept.confidence,
                PaperConcept.link,
                PaperConcept.phrase,
            )
            .join(Concept, Concept.id == PaperConcept.concept_id)
            .where(PaperConcept.paper_id == paper_key)
            .order_by(PaperConcept.weight.desc(), Concept.uri)
            .limit(limit)
        )
        return [PaperConceptRecord(*row) for row in rows]

    def papers_for_concept(
        self, concept_id: int, *, limit: int
    ) -> list[tuple[PaperRecord, float]]:
        """Papers linked to a concept, heaviest link first, with the weight."""
        rows = self._session.execute(
            select(Paper, PaperConcept.weight)
            .join(PaperConcept, PaperConcept.paper_id == Paper.id)
            .where(PaperConcept.concept_id == concept_id)
            .order_by(PaperConcept.weight.desc(), Paper.external_id)
            .limit(limit)
        ).all()
        return [(_record(paper), float(weight)) for paper, weight in rows]

    # Vectors ----------------------------------------------------------------

    def keys_without_vectors(self, model: str) -> list[int]:
        """Keys of papers not fully encoded with ``model`` yet, ascending.

        A paper is fully encoded once it has its wordpiece vectors, which
        are written with its parts; a paper with parts but no wordpiece
        vectors (stored before they existed) is listed too.
        """
        stored = select(PaperTokenVectors.paper_id).where(
            PaperTokenVectors.model == model, PaperTokenVectors.paper_id == Paper.id
        )
        return list(
            self._session.scalars(
                select(Paper.id).where(~stored.exists()).order_by(Paper.id)
            )
        )

    def papers_by_keys(self, keys: Sequence[int]) -> list[PaperRecord]:
        """The papers of the given keys, in that order (unknown keys left out)."""
        found: dict[int, PaperRecord] = {}
        for chunk in chunks(sorted(set(keys)), _IN_CHUNK):
            rows = self._session.scalars(select(Paper).where(Paper.id.in_(chunk)))
            found.update({row.id: _record(row) for row in rows})
        return [found[key] for key in keys if key in found]

    def keys_with_parts(self, model: str, keys: Sequence[int]) -> set[int]:
        """Keys among ``keys`` whose paper has its whole-text vector (part 0)
        of ``model``: papers encoded before wordpiece vectors existed, whose
        parts are kept as they are."""
        found: set[int] = set()
        for chunk in chunks(sorted(set(keys)), _IN_CHUNK):
            found.update(
                self._session.scalars(
                    select(PaperVector.paper_id).where(
                        PaperVector.model == model,
                        PaperVector.part == 0,
                        PaperVector.paper_id.in_(chunk),
                    )
                )
            )
        return found

    def write_vectors(
        self,
        model: str,
        keys: np.ndarray,
        parts: np.ndarray,
        vectors: np.ndarray,
        *,
        tokens: Mapping[int, TokenVectors],
        encoded_hashes: Mapping[int, str] | None = None,
    ) -> int:
        """Store the encoded parts and wordpiece vectors of papers.

        With ``encoded_hashes`` (paper key -> content hash of the text that
        was encoded) a paper is written only if it still has that hash and
        is not fully encoded with ``model`` yet: a paper changed or encoded
        by a concurrent ingest since it was read is left alone. Parts that
        exist already (a paper stored before wordpiece vectors) are kept.

        Args:
            model: the encoder's model name.
            keys: int64 paper keys, shape (n,).
            parts: int part numbers (0 = whole text), shape (n,).
            vectors: float32 unit vectors, shape (n, dim).
            tokens: the wordpiece vectors of each paper among ``keys``.
            encoded_hashes: see above; None writes every row.

        Returns:
            The number of part vectors written.

        Raises:
            ValueError: a paper among ``keys`` has no wordpiece vectors.
        """
        lacking = {int(k) for k in keys} - set(tokens)
        if lacking:
            raise ValueError(f"papers {sorted(lacking)} have no wordpiece vectors")
        rows = [
            {"paper_id": int(k), "model": model, "part": int(p), "vector": v.tobytes()}
            for k, p, v in zip(keys, parts, vectors.astype("<f4"), strict=True)
        ]
        writable = {row["paper_id"] for row in rows}
        parts_statement = insert(PaperVector)
        tokens_statement = insert(PaperTokenVectors)
        if encoded_hashes is not None:
            writable = self._still_unencoded(model, encoded_hashes)
            skipped = {row["paper_id"] for row in rows} - writable
            if skipped:
                logger.info(
                    "paper_vectors_skipped model=%s papers=%d reason=%s",
                    model,
                    len(skipped),
                    "changed_or_encoded",
                )
            rows = [row for row in rows if row["paper_id"] in writable]
            # Two ingests that passed the check at once: the later insert
            # waits for the earlier commit and then skips its rows.
            dialect_insert = insert_for(self._session.connection())
            parts_statement = dialect_insert(PaperVector).on_conflict_do_nothing(
                index_elements=["paper_id", "model", "part"]
            )
            tokens_statement = dialect_insert(PaperTokenVectors).on_conflict_do_nothing(
                index_elements=["paper_id", "model"]
            )
        for chunk in chunks(rows, _IN_CHUNK):
            self._session.execute(parts_statement, chunk)
        token_rows = [_token_row(key, model, tokens[key]) for key in sorted(writable)]
        for chunk in chunks(token_rows, _TOKEN_CHUNK):
            self._session.execute(tokens_statement, chunk)
        return len(rows)

    def _still_unencoded(
        self, model: str, encoded_hashes: Mapping[int, str]
    ) -> set[int]:
        """Keys among ``encoded_hashes`` whose paper has that hash and is not
        fully encoded (has no wordpiece vectors of ``model``)."""
        current: dict[int, str] = {}
        encoded: set[int] = set()
        for chunk in chunks(sorted(encoded_hashes), _IN_CHUNK):
            rows = self._session.execute(
                select(Paper.id, Paper.content_hash).where(Paper.id.in_(chunk))
            )
            current.update({key: digest for key, digest in rows})
            encoded.update(
                self._session.scalars(
                    select(PaperTokenVectors.paper_id).where(
                        PaperTokenVectors.model == model,
                        PaperTokenVectors.paper_id.in_(chunk),
                    )
                )
            )
        return {
            key
            for key, digest in encoded_hashes.items()
            if current.get(key) == digest and key not in encoded
        }

    def token_vectors(
        self, model: str, keys: Sequence[int], dim: int
    ) -> dict[int, TokenVectors]:
        """The wordpiece vectors of ``model`` of the given papers (those that
        have none are left out)."""
        found: dict[int, TokenVectors] = {}
        for chunk in chunks(sorted(set(keys)), _IN_CHUNK):
            rows = self._session.execute(
                select(
                    PaperTokenVectors.paper_id,
                    PaperTokenVectors.token_ids,
                    PaperTokenVectors.codes,
                    PaperTokenVectors.scales,
                ).where(
                    PaperTokenVectors.model == model,
                    PaperTokenVectors.paper_id.in_(chunk),
                )
            )
            for key, ids, codes, scales in rows:
                found[int(key)] = TokenVectors.from_bytes(ids, codes, scales, dim)
        return found

    def wordpiece_frequencies(self, model: str) -> tuple[dict[int, int], int]:
        """In how many papers each wordpiece id occurs (papers with wordpiece
        vectors of ``model``), and how many such papers there are."""
        distinct: list[np.ndarray] = []
        last = -1
        while True:
            rows = self._session.execute(
                select(PaperTokenVectors.paper_id, PaperTokenVectors.token_ids)
                .where(PaperTokenVectors.model == model)
                .where(PaperTokenVectors.paper_id > last)
                .order_by(PaperTokenVectors.paper_id)
                .limit(_READ_CHUNK)
            ).all()
            if not rows:
                break
            distinct.extend(
                np.unique(np.frombuffer(blob, dtype="<i4")) for _, blob in rows
            )
            last = int(rows[-1][0])
        if not distinct:
            return {}, 0
        tokens, counts = np.unique(np.concatenate(distinct), return_counts=True)
        return dict(zip(tokens.tolist(), counts.tolist(), strict=True)), len(distinct)

    def load_vectors(self, model: str, dim: int) -> tuple[np.ndarray, ...]:
        """Every stored vector of ``model``, by paper key then part.

        Returns:
            (paper keys int64 (n,), parts int64 (n,), vectors float32 (n, dim)).
        """
        keys: list[int] = []
        parts: list[int] = []
        blobs: list[bytes] = []
        last = (-1, -1)
        while True:
            rows = self._session.execute(
                select(PaperVector.paper_id, PaperVector.part, PaperVector.vector)
                .where(PaperVector.model == model)
                .where(
                    (PaperVector.paper_id > last[0])
                    | ((PaperVector.paper_id == last[0]) & (PaperVector.part > last[1]))
                )
                .order_by(PaperVector.paper_id, PaperVector.part)
                .limit(_READ_CHUNK)
            ).all()
            if not rows:
                break
            for key, part, blob in rows:
                keys.append(key)
                parts.append(part)
                blobs.append(blob)
            last = (int(rows[-1][0]), int(rows[-1][1]))
        vectors = np.frombuffer(b"".join(blobs), dtype="<f4").reshape(-1, dim)
        return (
            np.array(keys, dtype=np.int64),
            np.array(parts, dtype=np.int64),
            vectors.astype(np.float32),
        )


def _token_row(key: int, model: str, tokens: TokenVectors) -> dict[str, object]:
    ids, codes, scales = tokens.to_bytes()
    return {
        "paper_id": key,
        "model": model,
        "token_ids": ids,
        "codes": codes,
        "scales": scales,
    }


def _paper_values(paper: PaperInput) -> dict[str, object]:
    return {
        "external_id": paper.id,
        "title": paper.title,
        "abstract": paper.abstract,
        "year": paper.year,
        "venue": paper.venue,
        "authors": list(paper.authors),
        "content_hash": paper.content_hash(),
    }


def _record(row: Paper) -> PaperRecord:
    return PaperRecord(
        key=row.id,
        id=row.external_id,
        title=row.title,
        abstract=row.abstract,
        year=row.year,
        authors=tuple(row.authors),
        venue=row.venue,
        content_hash=row.content_hash,
    )
