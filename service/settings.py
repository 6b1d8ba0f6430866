"""Service settings, read from CONCEPTKG_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the server and the admin commands.

    Every field can be set as ``CONCEPTKG_<FIELD>`` in the environment.
    """

    model_config = SettingsConfigDict(env_prefix="CONCEPTKG_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Folder for the embedded database."
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite at <data_dir>/conceptkg.db.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=50051, ge=0, le=65535)
    max_workers: int = Field(default=8, ge=1)
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=1000, ge=1)
    max_batch_size: int = Field(
        default=10000, ge=1, description="Concepts or edges per write message."
    )
    max_message_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_subgraph_nodes: int = Field(default=2000, ge=1)
    max_subgraph_edges: int = Field(default=10000, ge=1)
    max_subgraph_hops: int = Field(default=3, ge=1)
    max_path_hops: int = Field(default=6, ge=1)
    max_paths: int = Field(default=10, ge=1)
    shutdown_grace_s: float = Field(default=5.0, ge=0)
    model_path: Path | None = Field(
        default=None,
        description="Local sentence-transformers folder; empty = bundled MiniLM.",
    )
    concept_set: str = Field(default="text", description="Embedding set to serve.")
    index_kind: Literal["auto", "flat", "hnsw", "ivf"] = "auto"
    index_ef_search: int = Field(
        default=128, ge=1, le=4096, description="HNSW candidates per query."
    )
    index_nprobe: int = Field(
        default=16, ge=1, le=65536, description="IVF lists searched per query."
    )
    index_prefilter_dim: int = Field(
        default=0,
        ge=0,
        description="Flat index: principal components of a first pass for batch "
        "searches, re-ranked exactly; 0 = exact only.",
    )
    index_bf16_pass: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Flat index: a bfloat16 first pass for batch searches, proven "
        "exact per query; auto = on where the CPU multiplies bfloat16 natively.",
    )
    max_k: int = Field(default=100, ge=1, le=1000)
    max_text_chars: int = Field(default=2000, ge=1)
    max_name_batch: int = Field(default=4096, ge=1)
    max_alignment_pairs: int = Field(default=200_000, ge=8)
    coarse_min_isa_children: int = Field(
        default=5, ge=1, description="IsA children that make a concept coarse."
    )
    salience_weight: float = Field(
        default=0.1, ge=0, description="Weight of the degree prior in SearchConcepts."
    )
    datasets_dir: Path = Field(
        default=Path(__file__).resolve().parents[1].parent / "shared" / "data",
        description="Benchmark datasets for training (fb15k-237/, wn18rr/, ...).",
    )
    max_training_workers: int = Field(
        default=1, ge=1, description="Training runs that may run at once."
    )
    max_sae_features: int = Field(
        default=1 << 20, ge=1, description="Most features of one SAE."
    )
    max_snippets_per_feature: int = Field(default=64, ge=1)
    max_sae_upload_bytes: int = Field(
        default=2 * 1024**3, ge=1, description="Direction bytes per upload stream."
    )
    log_level: str = "INFO"

    def index_folder(self, name: str, version: int) -> Path:
        """Where the FAISS index of one embedding set version is saved."""
        return self.data_dir / "indexes" / f"{name}-v{version}"

    def runs_folder(self) -> Path:
        """Where training runs keep their checkpoints and results."""
        return (self.data_dir / "runs").resolve()

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'conceptkg.db').resolve()}"
