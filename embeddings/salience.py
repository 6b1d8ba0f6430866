"""Re-rank nearest concepts: a graph salience prior and folding of label variants.

Graph labels are noisy: plain nearest neighbours of "puppy" in CN-100K are
puppy, puppy dog, pup, your puppy, canine, and only then dog. Two rules put
canonical, well-connected concepts first:

- a concept whose label is another candidate's label behind a determiner or
  possessive ("your puppy", "the dog") is dropped in favour of that candidate;
- the order uses cosine + weight * salience, where salience is the concept's
  degree on a log scale in [0, 1]. Reported scores stay plain cosine.
"""

from __future__ import annotations

import math

from embeddings.search import Hit

# Words that only specify a noun phrase; a label that starts with one of them
# names the same concept as the rest of the label.
DETERMINERS = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "some", "any",
        "my", "your", "his", "her", "its", "our", "their",
    }
)  # fmt: skip


def head_label(label: str) -> str:
    """The label without leading determiners: "your puppy" -> "puppy"."""
    words = label.split()
    while len(words) > 1 and words[0].lower() in DETERMINERS:
        words = words[1:]
    return " ".join(words)


class SalienceRanker:
    """Re-ranks hits by cosine plus a degree prior, folding label variants.

    Args:
        degrees: edges per concept id (concepts without edges may be absent).
        weight: how much a maximal salience adds to the cosine, >= 0.
    """

    def __init__(self, degrees: dict[int, int], *, weight: float = 0.1) -> None:
        if weight < 0:
            raise ValueError(f"weight must be >= 0, got {weight}")
        self._degrees = degrees
        self._scale = math.log1p(max(degrees.values(), default=0)) or 1.0
        self.weight = weight

    def salience(self, concept_id: int) -> float:
        """log(1 + degree) / log(1 + largest degree), in [0, 1]."""
        return math.log1p(self._degrees.get(concept_id, 0)) / self._scale

    def rerank(self, hits: list[Hit], labels: dict[int, str], k: int) -> list[Hit]:
        """The best ``k`` of ``hits`` after folding variants and adding salience.

        Args:
            hits: candidates, e.g. the 4k nearest by cosine.
            labels: label of each candidate's concept id.
            k: how many to keep.
        """
        candidates = [h for h in hits if h.concept_id in labels]
        present = {labels[h.concept_id] for h in candidates}
        kept = [
            hit
            for hit in candidates
            if (head := head_label(labels[hit.concept_id])) == labels[hit.concept_id]
            or head not in present
        ]
        ranked = sorted(
            kept,
            key=lambda h: -(h.score + self.weight * self.salience(h.concept_id)),
        )
        return ranked[:k]
