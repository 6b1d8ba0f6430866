"""Linear maps of spaces kept in memory, checked against the newest alignment version.

Reading an alignment means reading and decoding its matrix (768 x 384 float32
is 1.2 MB); a naming request that names a space would otherwise pay that on
every call. The cache asks the database only for the newest version number, so
an alignment fitted by another server process is picked up on the next call.
"""

from __future__ import annotations

import logging
import threading

from embeddings.alignment import LinearMap
from embeddings.spaces import AlignmentNotFound, SpaceStore

logger = logging.getLogger(__name__)


class LinearMapCache:
    """The newest linear map of each space, by space name."""

    def __init__(self) -> None:
        self._maps: dict[str, tuple[int, LinearMap]] = {}
        self._lock = threading.Lock()

    def linear_map(self, spaces: SpaceStore, name: str) -> LinearMap:
        """The space's newest alignment as a map, from memory when still current.

        Raises:
            SpaceNotFound, AlignmentNotFound.
        """
        version = spaces.alignment_version(name)
        if version == 0:
            raise AlignmentNotFound(name)
        cached = self._maps.get(name)
        if cached is not None and cached[0] == version:
            return cached[1]
        # A version fitted between the two reads is cached under the older
        # number; the next call sees the newer number and reads it again.
        linear_map = spaces.linear_map(name)
        with self._lock:
            self._maps[name] = (version, linear_map)
        logger.info("linear_map_cached space=%s version=%d", name, version)
        return linear_map

    def clear(self) -> None:
        """Forget every cached map."""
        with self._lock:
            self._maps = {}
