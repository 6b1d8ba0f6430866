"""The word-relatedness benchmark's graph: CN-100K and WN18RR in one graph.

Relation weighting schemes of the retrofit, the graph read from the shared
data (one node per concept term, one per WordNet synset, a ``wn_lemma`` edge
from each synset to the concept of its lemma) and its restriction to the
neighbourhood of the evaluation words. Used by ``benchmarks/wordsim.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from graph.uri import standardize_text

logger = logging.getLogger("benchmarks.wordsim")

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CN100K = SHARED_DATA / "conceptnet-cn100k" / "cn100k"
WN18RR = SHARED_DATA / "wn18rr"

_WN_CLEAN = {
    "wn_lemma": 1.0,
    "wn_hypernym": 1.0,
    "wn_instance_hypernym": 1.0,
    "wn_similar_to": 1.0,
    "wn_verb_group": 1.0,
    "wn_also_see": 0.5,
    "wn_derivationally_related_form": 0.5,
}
_CN_CLEAN = {
    "IsA": 1.0,
    "InstanceOf": 1.0,
    "DefinedAs": 1.0,
    "Synonym": 1.0,
    "RelatedTo": 0.5,
    "PartOf": 0.5,
    "MadeOf": 0.5,
    "SymbolOf": 0.5,
    "HasA": 0.3,
    "UsedFor": 0.3,
    "CapableOf": 0.3,
    "ReceivesAction": 0.2,
    "CreatedBy": 0.2,
    "Causes": 0.2,
    "HasSubevent": 0.1,
    "HasPrerequisite": 0.1,
    # AtLocation, HasProperty, Desires, MotivatedByGoal, the Not* relations
    # and the rest: weight 0, dropped.
}
_CN_RELATIONS = (
    "IsA AtLocation UsedFor CapableOf HasProperty HasSubevent HasPrerequisite "
    "Causes HasA ReceivesAction MotivatedByGoal DefinedAs Desires PartOf "
    "NotDesires NotCapableOf CausesDesire HasFirstSubevent HasLastSubevent MadeOf "
    "NotHasProperty SymbolOf NotIsA CreatedBy NotHasA RelatedTo InstanceOf "
    "InheritsFrom DesireOf NotMadeOf LocationOfAction LocatedNear"
).split()
_WN_RELATIONS = (
    "wn_lemma wn_hypernym wn_instance_hypernym wn_similar_to wn_verb_group "
    "wn_also_see wn_derivationally_related_form wn_has_part wn_member_meronym "
    "wn_synset_domain_topic_of wn_member_of_domain_usage wn_member_of_domain_region"
).split()

SCHEMES: dict[str, dict[str, float]] = {
    # The textbook run: CN-100K alone, every relation weight 1.
    "uniform_cn": {name: 1.0 for name in _CN_RELATIONS},
    # Every relation of both graphs, weight 1.
    "uniform_all": {name: 1.0 for name in _CN_RELATIONS + _WN_RELATIONS},
    # WordNet alone, clean relations.
    "wordnet_clean": dict(_WN_CLEAN),
    # Clean relations of both, weighted; noisy and negated ones dropped.
    "clean": {**_WN_CLEAN, **_CN_CLEAN},
    # Synonymy and hypernymy only.
    "strict": {
        "wn_lemma": 1.0,
        "wn_hypernym": 1.0,
        "wn_similar_to": 1.0,
        "IsA": 1.0,
        "InstanceOf": 1.0,
        "DefinedAs": 1.0,
        "Synonym": 1.0,
    },
}


@dataclass(frozen=True)
class Graph:
    """Nodes (concepts first, then synsets), their texts, and typed edges."""

    names: list[str]
    concept_count: int
    lemma_texts: list[str]
    gloss_texts: list[str]
    sources: np.ndarray
    targets: np.ndarray
    relations: np.ndarray

    def texts(self, synset_text: str) -> list[str]:
        """Node texts when synsets are encoded from ``lemma`` or ``gloss``."""
        return self.lemma_texts if synset_text == "lemma" else self.gloss_texts


def load_graph() -> Graph:
    """Read CN-100K (all splits) and WN18RR (all splits) into one graph."""
    cn_edges: list[tuple[str, str, str]] = []
    for split in ("train", "valid", "test"):
        for line in (CN100K / f"{split}.txt").read_text(encoding="utf-8").splitlines():
            relation, head, tail = line.split("\t")
            head, tail = standardize_text(head), standardize_text(tail)
            if head and tail and head != tail:
                cn_edges.append((relation, head, tail))

    offsets: list[str] = []
    synset_lemmas: list[str] = []
    glosses: list[str] = []
    for line in (WN18RR / "entity2text.txt").read_text(encoding="utf-8").splitlines():
        offset, text = line.split("\t", 1)
        lemma = standardize_text(text.split(",", 1)[0])
        if lemma:
            offsets.append(offset)
            synset_lemmas.append(lemma)
            glosses.append(text.strip())

    terms = {term for _, head, tail in cn_edges for term in (head, tail)}
    concepts = sorted(terms | set(synset_lemmas))
    concept_row = {term: row for row, term in enumerate(concepts)}
    synset_row = {off: len(concepts) + i for i, off in enumerate(offsets)}

    sources: list[int] = []
    targets: list[int] = []
    relations: list[str] = []
    for relation, head, tail in cn_edges:
        sources.append(concept_row[head])
        targets.append(concept_row[tail])
        relations.append(relation)
    for offset, lemma in zip(offsets, synset_lemmas, strict=True):
        sources.append(synset_row[offset])
        targets.append(concept_row[lemma])
        relations.append("wn_lemma")
    for split in ("train", "valid", "test"):
        for line in (WN18RR / f"{split}.txt").read_text(encoding="utf-8").splitlines():
            head, relation, tail = line.split("\t")
            if head in synset_row and tail in synset_row:
                sources.append(synset_row[head])
                targets.append(synset_row[tail])
                relations.append("wn" + relation)
    concept_texts = [term.replace("_", " ") for term in concepts]
    graph = Graph(
        names=concepts + [f"wn:{offset}" for offset in offsets],
        concept_count=len(concepts),
        lemma_texts=concept_texts
        + [lemma.replace("_", " ") for lemma in synset_lemmas],
        gloss_texts=concept_texts + glosses,
        sources=np.asarray(sources, dtype=np.int64),
        targets=np.asarray(targets, dtype=np.int64),
        relations=np.asarray(relations, dtype=object),
    )
    logger.info(
        "graph_loaded concepts=%d synsets=%d edges=%d",
        len(concepts),
        len(offsets),
        len(relations),
    )
    return graph


def restrict_graph(graph: Graph, seeds: np.ndarray, hops: int) -> Graph:
    """The subgraph induced by the nodes near ``seeds``.

    Kept: the nodes within ``hops`` edges of a seed (edges count in both
    directions, whatever their relation), plus the WordNet neighbours of every
    synset kept, so that a word's senses bring their hypernyms along (a word's
    hypernym synset is two edges away from it). ``hops=0`` keeps the whole
    graph.
    """
    if hops == 0:
        return graph
    n = len(graph.names)
    keep = np.zeros(n, dtype=bool)
    keep[seeds] = True
    for _ in range(hops):
        reached = keep[graph.sources] | keep[graph.targets]
        keep[graph.sources[reached]] = True
        keep[graph.targets[reached]] = True
    synsets = keep.copy()
    synsets[: graph.concept_count] = False
    between = (graph.sources >= graph.concept_count) & (
        graph.targets >= graph.concept_count
    )
    reached = between & (synsets[graph.sources] | synsets[graph.targets])
    keep[graph.sources[reached]] = True
    keep[graph.targets[reached]] = True
    new_row = np.full(n, -1, dtype=np.int64)
    new_row[keep] = np.arange(int(keep.sum()))
    edges = keep[graph.sources] & keep[graph.targets]
    rows = np.flatnonzero(keep)
    subgraph = Graph(
        names=[graph.names[i] for i in rows],
        concept_count=int(keep[: graph.concept_count].sum()),
        lemma_texts=[graph.lemma_texts[i] for i in rows],
        gloss_texts=[graph.gloss_texts[i] for i in rows],
        sources=new_row[graph.sources[edges]],
        targets=new_row[graph.targets[edges]],
        relations=graph.relations[edges],
    )
    logger.info(
        "graph_restricted hops=%d concepts=%d synsets=%d edges=%d",
        hops,
        subgraph.concept_count,
        len(rows) - subgraph.concept_count,
        len(subgraph.relations),
    )
    return subgraph
