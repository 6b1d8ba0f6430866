"""Candidate concept phrases and sentences of paper text.

A phrase candidate is an n-gram of up to four tokens inside a *chunk*: a run
of words between punctuation and stopwords. Chunks approximate noun phrases
without a part-of-speech tagger ("sparse autoencoder features", "concept
bottleneck models"); their n-grams are looked up as concept URIs, and the
chunks themselves are linked by embedding similarity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import regex
from bm25s.stopwords import STOPWORDS_EN_PLUS

MAX_PHRASE_TOKENS = 4

# Words of scientific prose that never name a concept on their own and
# should not start or end one ("we propose", "results show").
_PROSE_WORDS = frozenset(
    {
        "also", "although", "among", "approach", "approaches", "based", "can",
        "could", "demonstrate", "demonstrated", "demonstrates", "due", "et",
        "al", "however", "including", "may", "might", "method", "methods",
        "new", "novel", "paper", "present", "presents", "propose", "proposed",
        "proposes", "result", "results", "show", "showed", "shown", "shows",
        "significantly", "study", "studies", "thus", "two", "three", "one",
        "use", "used", "uses", "using", "via", "well", "whether", "within",
        "without", "work", "would", "yet", "moreover", "furthermore", "first",
        "second", "often", "many", "several", "various", "different", "across",
        "existing", "recent", "recently", "respectively", "whereas", "e.g",
        "i.e", "etc", "vs", "allows", "allow", "enable", "enables", "provide",
        "provides", "introduce", "introduces", "introduced", "make", "makes",
        "better", "best", "certain", "challenging", "additional", "reveal",
        "reveals", "revealed", "art", "key", "significant", "extensive", "able",
        "specific", "particular", "important", "effective", "remains", "remain",
        "like", "given", "achieve", "achieves", "achieved", "improve",
        "improves", "improved", "leads", "lead", "obtained", "observed",
        "found", "suggest", "suggests", "indicate", "indicates", "compared",
        "whose", "while", "thereby", "therefore", "hence", "per", "upon",
    }
)  # fmt: skip
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | _PROSE_WORDS

# Words: letters and digits, with inner apostrophes or full stops ("e.g").
# Hyphens split words, as in ConceptNet URIs ("state-of-the-art" ->
# state_of_the_art).
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’.][\p{L}\p{M}\p{N}]+)*")
# Characters that end a chunk: sentence and clause punctuation, brackets,
# quotes and slashes.
_BREAK = regex.compile(r"[.,;:!?()\[\]{}\"“”/|]|\s[-–—]+\s")
# A sentence ends at . ! or ? followed by a space and an upper-case letter or
# digit, or directly by an upper-case word (abstracts whose sentences were
# joined without a space: "disabilities.A line").
_SENTENCE_END = regex.compile(
    r"(?<=[.!?])\s+(?=[\p{Lu}\p{N}])|(?<=\p{Ll}{2}[.!?])(?=\p{Lu}[\p{Ll}\s])"
)


@dataclass(frozen=True)
class Phrases:
    """Candidate phrases of one text.

    Attributes:
        counts: occurrences of each candidate n-gram (tokens joined by
            spaces, lower case).
        chunks: the distinct chunks of up to MAX_PHRASE_TOKENS tokens, the
            phrases worth linking by embedding similarity.
    """

    counts: Counter[str]
    chunks: frozenset[str]


def words(text: str) -> list[str]:
    """Lower-case word tokens of a text, punctuation dropped."""
    found: list[str] = _WORD.findall(text.casefold())
    return found


def chunks(text: str) -> list[list[str]]:
    """Runs of non-stopword tokens between punctuation and stopwords."""
    # Limitation: no part-of-speech tagger (none ships offline), so a chunk
    # can run through a verb ("autoencoder features explain activations");
    # the stopword list holds the commonest verbs of scientific prose.
    found: list[list[str]] = []
    for piece in _BREAK.split(text):
        current: list[str] = []
        for token in [*words(piece), ""]:
            if token and token not in STOPWORDS:
                current.append(token)
                continue
            # Numbers stay inside a chunk ("covid 19 patients") but neither
            # start nor end one.
            while current and not _is_content(current[-1]):
                current.pop()
            while current and not _is_content(current[0]):
                current.pop(0)
            if current:
                found.append(current)
            current = []
    return found


def extract_phrases(text: str) -> Phrases:
    """Every candidate n-gram (1..4 tokens) of the text's chunks, with counts.

    Single tokens need at least three characters; a chunk longer than four
    tokens contributes its n-grams but is not itself a chunk to link.
    """
    counts: Counter[str] = Counter()
    linkable: set[str] = set()
    for chunk in chunks(text):
        if len(chunk) <= MAX_PHRASE_TOKENS:
            linkable.add(" ".join(chunk))
        for size in range(1, min(MAX_PHRASE_TOKENS, len(chunk)) + 1):
            for start in range(len(chunk) - size + 1):
                gram = chunk[start : start + size]
                if not (_is_content(gram[0]) and _is_content(gram[-1])):
                    continue
                if size == 1 and len(gram[0]) < 3:
                    continue
                counts[" ".join(gram)] += 1
    return Phrases(counts=counts, chunks=frozenset(linkable))


def sentences(text: str) -> list[str]:
    """The sentences of a text, stripped; empty pieces are dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _is_content(token: str) -> bool:
    """A token that can start or end a concept name: not a bare number."""
    return any(ch.isalpha() for ch in token)
