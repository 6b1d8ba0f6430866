"""Encoding a single term through an ensemble of prompt templates.

A sentence encoder sees a bare word ("dog") as a one-token sentence, which
it encodes poorly; set in a short context ('the term "dog"') the same word
lands closer to its meaning. A term's prompted vector is the mean of its
unit vectors under each template, scaled to unit length. The benchmark
``benchmarks/wordsim.py`` chooses the templates on dev splits and measures
the gain (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# The ensemble chosen on MEN-dev and RW-dev (benchmarks/wordsim.py picks it
# greedily from CANDIDATE_TEMPLATES; see RESULTS.md).
DEFAULT_TERM_TEMPLATES: tuple[str, ...] = ('the term "{}"', 'the word "{}"', "a {}")
# Short contexts tried for single terms; "{}" alone is the bare term.
CANDIDATE_TEMPLATES: tuple[str, ...] = (
    "{}",
    "the {}",
    "a {}",
    "the word {}",
    'the word "{}"',
    'the term "{}"',
    '"{}"',
    "the meaning of {}",
    "the concept of {}",
    "definition of {}",
    "what is {}?",
    "{} means",
    "a text about {}",
    "something related to {}",
    "an example of {}",
    "topic: {}",
    "when I think of {}",
)


# A query of at most this many words is a term and is prompted when the set's
# concepts were; a longer one (a phrase, a sentence) is encoded as it is.
PROMPT_MAX_WORDS = 4


def is_term(text: str) -> bool:
    """Whether a query is short enough to be read as a term."""
    return 0 < len(text.split()) <= PROMPT_MAX_WORDS


def check_templates(templates: Sequence[str]) -> tuple[str, ...]:
    """The templates as a tuple, each with exactly one ``{}``.

    Raises:
        ValueError: no templates, or a template without exactly one ``{}``.
    """
    if not templates:
        raise ValueError("term templates must not be empty")
    for template in templates:
        if template.count("{}") != 1:
            raise ValueError(f"term template {template!r} must hold exactly one {{}}")
    return tuple(templates)


def prompted_texts(terms: Sequence[str], templates: Sequence[str]) -> list[str]:
    """Every term under every template, term-major: ``len(terms) * len(templates)``.

    Underscores of URI terms are read as spaces ("ice_cream" -> "ice cream").
    """
    checked = check_templates(templates)
    return [
        template.format(term.replace("_", " "))
        for term in terms
        for template in checked
    ]


def pool_prompted(vectors: np.ndarray, templates: int) -> np.ndarray:
    """Unit mean of each term's unit vectors, float32 (terms, dim).

    Args:
        vectors: (terms * templates, dim), in :func:`prompted_texts` order.
        templates: how many templates each term was encoded with.
    """
    if templates < 1 or len(vectors) % templates:
        raise ValueError(
            f"{len(vectors)} vectors are not a whole number of terms "
            f"of {templates} templates"
        )
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    mean = unit.reshape(-1, templates, vectors.shape[1]).mean(axis=1)
    pooled: np.ndarray = mean / np.maximum(
        np.linalg.norm(mean, axis=1, keepdims=True), 1e-12
    )
    return pooled.astype(np.float32)


def encode_terms(
    encode: Callable[[list[str]], np.ndarray],
    terms: Sequence[str],
    templates: Sequence[str] = DEFAULT_TERM_TEMPLATES,
) -> np.ndarray:
    """Prompted unit vectors of terms, float32 (len(terms), dim).

    Args:
        encode: encodes a list of texts to (n, dim) vectors, e.g.
            ``TextEncoder.encode``.
        terms: the terms (words or short phrases).
        templates: contexts, each with one ``{}`` where the term goes.
    """
    checked = check_templates(templates)
    return pool_prompted(encode(prompted_texts(terms, checked)), len(checked))


def encode_queries(
    encode: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    templates: Sequence[str],
) -> np.ndarray:
    """Unit vectors of queries against a prompted concept set, float32 (n, dim).

    Terms (see :func:`is_term`) are prompted like the set's labels, so that
    "puppy" meets the concept encoded from 'the term "puppy"'; longer texts
    are encoded as they are. The order of ``texts`` is kept.
    """
    checked = check_templates(templates)
    terms = [i for i, text in enumerate(texts) if is_term(text)]
    others = [i for i, text in enumerate(texts) if not is_term(text)]
    parts: list[tuple[list[int], np.ndarray]] = []
    if terms:
        parts.append((terms, encode_terms(encode, [texts[i] for i in terms], checked)))
    if others:
        parts.append((others, encode([texts[i] for i in others]).astype(np.float32)))
    dim = parts[0][1].shape[1] if parts else 0
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for rows, vectors in parts:
        out[rows] = vectors
    return out
