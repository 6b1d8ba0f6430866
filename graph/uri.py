"""ConceptNet URIs: standardize free text, build and parse concept, relation
and edge URIs, and reject malformed ones."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

from graph.errors import InvalidURI

# Parts of speech that ConceptNet 5 writes after the term: noun, verb,
# adjective, adjective satellite (WordNet's "s") and adverb.
PARTS_OF_SPEECH = frozenset({"n", "v", "a", "s", "r"})

# Relations that hold in both directions; every other relation is directed.
SYMMETRIC_RELATIONS = frozenset(
    {
        "/r/Antonym",
        "/r/DistinctFrom",
        "/r/EtymologicallyRelatedTo",
        "/r/LocatedNear",
        "/r/RelatedTo",
        "/r/SimilarTo",
        "/r/Synonym",
    }
)

# English articles that ConceptNet drops from the front of a term.
_LEADING_ARTICLES = frozenset({"a", "an", "the"})

# A token is a run of letters, marks and digits; an apostrophe or a full stop
# between two such characters joins them ("can't", "u.f.o", "3.14"), as in
# Unicode word segmentation. Everything else (spaces, hyphens, punctuation)
# separates tokens and is dropped.
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’.][\p{L}\p{M}\p{N}]+)*")
_LANG = regex.compile(r"[a-z]{2,3}(?:-[a-z0-9]+)*")
_RELATION_NAME = regex.compile(r"[A-Za-z][A-Za-z0-9_]*")
# PostgreSQL btree entries hold at most ~2.7 kB; URIs are capped below that.
_MAX_URI_BYTES = 2000


@dataclass(frozen=True)
class ConceptParts:
    """The pieces of a concept URI `/c/<lang>/<term>[/<pos>[/<sense>...]]`."""

    uri: str
    lang: str
    term: str
    pos: str | None
    sense: str | None

    @property
    def label(self) -> str:
        """The term as readable text (underscores become spaces)."""
        return self.term.replace("_", " ")

    @property
    def root_uri(self) -> str:
        """The concept URI without part of speech and sense."""
        return f"/c/{self.lang}/{self.term}"


def standardize_text(text: str, lang: str = "en") -> str:
    """Turn free text into the term of a concept URI, as ConceptNet does.

    The text is NFKC-normalized and case-folded, split into word tokens
    (punctuation and hyphens separate tokens and are dropped, non-ASCII
    letters are kept), and joined with underscores. For English, leading
    articles are dropped unless nothing else is left.

    Args:
        text: free text such as ``"A Hot-Dog!"``.
        lang: language code of the text; only ``en`` drops articles.

    Returns:
        The standardized term, e.g. ``"hot_dog"``; empty when the text has
        no word characters.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().replace("_", " ")
    tokens = _TOKEN.findall(folded)
    if lang == "en":
        start = 0
        while start < len(tokens) - 1 and tokens[start] in _LEADING_ARTICLES:
            start += 1
        tokens = tokens[start:]
    return "_".join(tokens)


def concept_uri_from_text(text: str, lang: str = "en") -> str:
    """Return the concept URI of free text, e.g. ``"Hot dog"`` -> ``/c/en/hot_dog``.

    Raises:
        InvalidURI: when the language code is malformed or the text has no
            word characters.
    """
    if not _LANG.fullmatch(lang):
        raise InvalidURI(f"/c/{lang}/", f"language code {lang!r} is malformed")
    term = standardize_text(text, lang)
    if not term:
        raise InvalidURI(f"/c/{lang}/", f"text {text!r} has no word characters")
    return f"/c/{lang}/{term}"


def relation_uri_from_name(name: str) -> str:
    """Return the relation URI of a bare name, e.g. ``IsA`` -> ``/r/IsA``."""
    uri = f"/r/{name.strip()}"
    parse_relation_uri(uri)
    return uri


def parse_concept_uri(uri: str) -> ConceptParts:
    """Split a concept URI into language, term, part of speech and sense.

    Raises:
        InvalidURI: naming the URI, when it does not follow
            ``/c/<lang>/<term>[/<pos>[/<sense>...]]``.
    """
    _check_common(uri)
    if not uri.startswith("/c/"):
        raise InvalidURI(uri, "a concept URI starts with '/c/'")
    parts = uri[3:].split("/")
    if len(parts) < 2:
        raise InvalidURI(uri, "expected /c/<lang>/<term>")
    lang, term, *rest = parts
    if not _LANG.fullmatch(lang):
        raise InvalidURI(uri, f"language code {lang!r} is malformed")
    if not term:
        raise InvalidURI(uri, "the term is empty")
    pos = None
    sense = None
    if rest:
        pos = rest[0]
        if pos not in PARTS_OF_SPEECH:
            raise InvalidURI(uri, f"part of speech {pos!r} is not one of n, v, a, s, r")
        if len(rest) > 1:
            if any(not piece for piece in rest[1:]):
                raise InvalidURI(uri, "the sense has an empty segment")
            sense = "/".join(rest[1:])
    return ConceptParts(uri=uri, lang=lang, term=term, pos=pos, sense=sense)


def parse_relation_uri(uri: str) -> str:
    """Check a relation URI such as ``/r/IsA`` or ``/r/dbpedia/genre``.

    Returns:
        The URI unchanged.

    Raises:
        InvalidURI: naming the URI, when it is not ``/r/<Name>[/<sub>...]``.
    """
    _check_common(uri)
    if not uri.startswith("/r/"):
        raise InvalidURI(uri, "a relation URI starts with '/r/'")
    for piece in uri[3:].split("/"):
        if not _RELATION_NAME.fullmatch(piece):
            raise InvalidURI(uri, f"relation name part {piece!r} is malformed")
    return uri


def edge_uri(relation: str, start: str, end: str) -> str:
    """Return the assertion URI ``/a/[/r/Rel/,/c/../,/c/../]`` of an edge."""
    return f"/a/[{relation}/,{start}/,{end}/]"


def parse_edge_uri(uri: str) -> tuple[str, str, str]:
    """Split an assertion URI into its relation, start and end URIs.

    The end may be an external URL for ``/r/ExternalURL`` edges, so only
    the relation and start are checked here.

    Raises:
        InvalidURI: naming the URI, when it is not ``/a/[rel/,start/,end/]``.
    """
    _check_common(uri)
    if not (uri.startswith("/a/[") and uri.endswith("/]")):
        raise InvalidURI(uri, "an edge URI looks like /a/[/r/Rel/,/c/../,/c/../]")
    pieces = uri[4:-2].split("/,")
    if len(pieces) != 3:
        raise InvalidURI(uri, "an edge URI has exactly three parts")
    relation, start, end = pieces
    try:
        parse_relation_uri(relation)
        parse_concept_uri(start)
    except InvalidURI as error:
        raise InvalidURI(uri, f"part {error.uri!r}: {error.reason}") from error
    if not end:
        raise InvalidURI(uri, "the end of the edge is empty")
    return relation, start, end


def is_symmetric(relation: str) -> bool:
    """Whether the relation holds in both directions (e.g. ``/r/Synonym``)."""
    return relation in SYMMETRIC_RELATIONS


def _check_common(uri: str) -> None:
    if not isinstance(uri, str) or not uri:
        raise InvalidURI(str(uri), "the URI is empty")
    if len(uri.encode("utf-8")) > _MAX_URI_BYTES:
        raise InvalidURI(uri[:60] + "...", f"longer than {_MAX_URI_BYTES} bytes")
    if any(ch.isspace() for ch in uri):
        raise InvalidURI(uri, "URIs contain no whitespace")
    if uri.endswith("/") and not uri.endswith("/]"):
        raise InvalidURI(uri, "URIs do not end with '/'")
