"""Fixtures of the embeddings tests: the real text encoder, loaded once."""

from __future__ import annotations

import pytest

from embeddings.encoders import TextEncoder


@pytest.fixture(scope="session")
def encoder() -> TextEncoder:
    """The bundled all-MiniLM-L6-v2 on the CPU; read-only, so shared by all tests."""
    return TextEncoder(device="cpu")
