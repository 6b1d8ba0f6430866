"""Link candidate phrases to graph concepts, and propose concepts for the rest.

A phrase links to a concept when its standardized URI (or that of its
singular) names a stored concept, or else, for whole chunks of two to four
words, when its nearest concept in the concept index is at least
``embedding_threshold`` in cosine.
Unlinked phrases of two to four tokens that recur in ``new_concept_min_papers``
texts and stand alone as a chunk somewhere become new concepts, each related
to its nearest existing concepts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from embeddings.phrases import Phrases
from embeddings.search import ConceptSearcher
from graph.errors import InvalidURI
from graph.store import GraphStore
from graph.uri import concept_uri_from_text

logger = logging.getLogger(__name__)

_ENCODE_BATCH = 4096


@dataclass(frozen=True)
class LinkConfig:
    """Thresholds of concept linking.

    Attributes:
        embedding_threshold: least cosine of an embedding link.
        embedding_min_papers: at ingest, texts a chunk must occur in to be
            linked by embedding (a query's chunks always are).
        new_concept_min_papers: texts an unlinked phrase must occur in to
            become a concept.
        related_k: most RelatedTo edges of a new concept.
        related_threshold: least cosine of a RelatedTo edge beyond the first
            (the nearest concept is always linked).
    """

    embedding_threshold: float = 0.8
    embedding_min_papers: int = 2
    new_concept_min_papers: int = 2
    related_k: int = 3
    related_threshold: float = 0.5


@dataclass(frozen=True)
class PhraseLink:
    """How one phrase of a text names a concept."""

    uri: str
    link: str  # "uri", "embedding" or "new"
    confidence: float


@dataclass(frozen=True)
class NewConcept:
    """A concept to create from a recurring phrase, and its nearest concepts."""

    uri: str
    label: str
    related: tuple[tuple[str, float], ...]


@dataclass
class TextLinks:
    """Concepts found in one text: per concept URI, the summed count of its
    phrases, its best link and the count of each phrase that named it."""

    counts: Counter[str] = field(default_factory=Counter)
    best: dict[str, PhraseLink] = field(default_factory=dict)
    phrases: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, phrase: str, count: int, found: PhraseLink) -> None:
        """Count ``count`` occurrences of a phrase linked to ``found.uri``."""
        previous = self.best.get(found.uri)
        if previous is None or found.confidence > previous.confidence:
            self.best[found.uri] = found
        self.phrases.setdefault(found.uri, Counter())[phrase] += count
        self.counts[found.uri] += count

    def phrase(self, uri: str) -> str:
        """The phrase that named the concept most often."""
        return self.phrases[uri].most_common(1)[0][0]


@dataclass(frozen=True)
class LinkResult:
    """Links of every text and the concepts to create for them."""

    texts: list[TextLinks]
    new_concepts: list[NewConcept]


class ConceptLinker:
    """Links phrases through the graph's URIs and the concept index.

    Args:
        searcher: concept index and text encoder.
        config: thresholds.
    """

    def __init__(self, searcher: ConceptSearcher, config: LinkConfig | None = None):
        self.searcher = searcher
        self.config = config or LinkConfig()

    def link(
        self,
        session: Session,
        texts: Sequence[Phrases],
        *,
        propose_new: bool,
    ) -> LinkResult:
        """Link the phrases of each text.

        Args:
            session: session on the graph database (URI look-ups).
            texts: phrases of each text.
            propose_new: also turn recurring unlinked phrases into concepts
                (ingest does; queries do not).
        """
        store = GraphStore(session)
        phrases = sorted({p for text in texts for p in text.counts})
        by_uri = _uri_links(store, phrases)
        # Single words are linked by URI only: the nearest concept of a lone
        # unknown word is rarely the same concept.
        chunk_texts = Counter(
            c for text in texts for c in text.chunks if c not in by_uri and " " in c
        )
        # Limitation: at ingest a chunk found in one paper only is not linked
        # by embedding (on SciFact that leaves 106k of 118k chunks unencoded,
        # most of an hour of CPU); a query's chunks always are.
        least = self.config.embedding_min_papers if propose_new else 1
        unlinked = sorted(c for c, n in chunk_texts.items() if n >= least)
        candidates: list[str] = []
        if propose_new:
            candidates = self._recurring(texts, by_uri, set(chunk_texts))
        to_encode = sorted(set(unlinked) | set(candidates))
        nearest = self._nearest(store, to_encode)
        threshold = self.config.embedding_threshold
        by_embedding = {
            phrase: PhraseLink(hits[0][0], "embedding", hits[0][1])
            for phrase, hits in nearest.items()
            if hits and hits[0][1] >= threshold
        }
        created = self._new_concepts(candidates, by_embedding, nearest)
        by_new = {
            phrase: PhraseLink(concept.uri, "new", 1.0)
            for phrase, concept in created.items()
        }
        new_concepts = list({c.uri: c for c in created.values()}.values())
        results = []
        for text in texts:
            links = TextLinks()
            for phrase, count in text.counts.items():
                found = by_uri.get(phrase) or by_new.get(phrase)
                if found is None and phrase in text.chunks:
                    found = by_embedding.get(phrase)
                if found is not None:
                    links.add(phrase, count, found)
            results.append(links)
        logger.info(
            "phrases_linked texts=%d phrases=%d by_uri=%d by_embedding=%d new=%d",
            len(texts),
            len(phrases),
            len(by_uri),
            len(by_embedding),
            len(new_concepts),
        )
        return LinkResult(texts=results, new_concepts=new_concepts)

    def _recurring(
        self, texts: Sequence[Phrases], by_uri: dict[str, PhraseLink], chunks: set[str]
    ) -> list[str]:
        """Unlinked multi-word phrases that recur and stand alone somewhere."""
        # Limitation: recurrence is counted within one ingest (a file or a
        # stream); a phrase seen once in each of two imports never becomes a
        # concept, since unlinked phrases are not stored.
        papers: Counter[str] = Counter()
        for text in texts:
            papers.update(p for p in text.counts if " " in p and p not in by_uri)
        minimum = self.config.new_concept_min_papers
        return sorted(p for p, n in papers.items() if n >= minimum and p in chunks)

    def _nearest(
        self, store: GraphStore, phrases: list[str]
    ) -> dict[str, list[tuple[str, float]]]:
        """The nearest concepts (URI, cosine) of each phrase, best first."""
        k = max(1, self.config.related_k)
        found: dict[str, list[tuple[int, float]]] = {}
        for start in range(0, len(phrases), _ENCODE_BATCH):
            batch = phrases[start : start + _ENCODE_BATCH]
            hits = self.searcher.search(self.searcher.encode(batch), k)
            for phrase, row in zip(batch, hits, strict=True):
                found[phrase] = [(hit.concept_id, hit.score) for hit in row]
        names = store.concepts_by_ids(cid for row in found.values() for cid, _ in row)
        nearest = {
            phrase: [(names[cid][0], score) for cid, score in row if cid in names]
            for phrase, row in found.items()
        }
        return nearest

    def _new_concepts(
        self,
        candidates: list[str],
        by_embedding: dict[str, PhraseLink],
        nearest: dict[str, list[tuple[str, float]]],
    ) -> dict[str, NewConcept]:
        """New concepts by phrase; plural phrases share their singular's concept."""
        by_uri: dict[str, NewConcept] = {}
        created: dict[str, NewConcept] = {}
        for phrase in candidates:
            if phrase in by_embedding or not nearest.get(phrase):
                continue
            label = _singular(phrase) or phrase
            uri = _uri(label)
            if uri is None:
                continue
            if uri not in by_uri:
                hits = nearest[phrase]
                related = [hits[0]] + [
                    hit for hit in hits[1:] if hit[1] >= self.config.related_threshold
                ]
                by_uri[uri] = NewConcept(
                    uri=uri,
                    label=label,
                    related=tuple((u, max(s, 0.01)) for u, s in related if u != uri),
                )
            created[phrase] = by_uri[uri]
        return created


def _uri(phrase: str) -> str | None:
    try:
        return concept_uri_from_text(phrase)
    except InvalidURI:
        return None


def _singular(phrase: str) -> str | None:
    """The phrase with its last word made singular by common English rules."""
    head, _, last = phrase.rpartition(" ")
    if len(last) <= 3 or not last.endswith("s") or last.endswith(("ss", "us", "is")):
        return None
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "xes", "sses")):
        last = last[:-2]
    else:
        last = last[:-1]
    return f"{head} {last}" if head else last


def _uri_links(store: GraphStore, phrases: list[str]) -> dict[str, PhraseLink]:
    """Phrases whose URI, or their singular's, is a stored concept."""
    wanted: dict[str, list[str]] = {}
    for phrase in phrases:
        for form in (phrase, _singular(phrase)):
            uri = _uri(form) if form else None
            if uri is not None:
                wanted.setdefault(phrase, []).append(uri)
    known = store.concept_ids(u for uris in wanted.values() for u in uris)
    links: dict[str, PhraseLink] = {}
    for phrase, uris in wanted.items():
        for uri in uris:
            if uri in known:
                links[phrase] = PhraseLink(uri, "uri", 1.0)
                break
    return links
