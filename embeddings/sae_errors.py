"""Domain errors of the sparse-autoencoder registry; each keeps the bad value.

EmbeddingError (embeddings/errors.py)
├── InvalidVectors        bad shapes, dtypes, NaN/Inf, duplicate feature ids
├── SAENotFound           no SAE registered under that name
├── SAEConflict           a name taken by an SAE of another space or size
├── DirectionsExist       an SAE whose decoder directions are already stored
├── FeatureDataMissing    a feature without what a naming method needs
└── NamingNotFound        no stored names by that method (or version)
"""

from __future__ import annotations

from embeddings.errors import EmbeddingError


class SAENotFound(EmbeddingError):
    """No sparse autoencoder is registered under the name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"sae {name!r} is not registered")
        self.name = name


class SAEConflict(EmbeddingError):
    """A registration whose name is taken with another space or feature count."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(f"sae {name!r} is already registered {existing}")
        self.name = name
        self.existing = existing


class DirectionsExist(EmbeddingError):
    """A second upload of decoder directions for the same SAE."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"sae {name!r} already has its decoder directions; "
            "register a new SAE for other weights"
        )
        self.name = name


class FeatureDataMissing(EmbeddingError):
    """A feature that lacks the directions, snippets or explanation a method needs."""

    def __init__(self, sae: str, feature_id: int, needed: str) -> None:
        super().__init__(f"feature {feature_id} of sae {sae!r} has no {needed}")
        self.sae = sae
        self.feature_id = feature_id
        self.needed = needed


class NamingNotFound(EmbeddingError):
    """No stored names of an SAE by that method (and version)."""

    def __init__(self, sae: str, method: str, version: int) -> None:
        which = f"version {version}" if version else "any version"
        super().__init__(f"sae {sae!r} has no names by method {method!r} ({which})")
        self.sae = sae
        self.method = method
        self.version = version
