"""Load the concept index and encoder the server answers from, at start-up."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from embeddings.bf16_pass import bf16_is_native
from embeddings.build import load_or_rebuild_index
from embeddings.concept_text import templates_in
from embeddings.encoders import TextEncoder
from embeddings.incremental import text_params_of
from embeddings.index import ConceptIndex
from embeddings.search import ConceptSearcher
from embeddings.sets import EmbeddingSetNotFound, EmbeddingSetStore
from service.settings import Settings

logger = logging.getLogger(__name__)


def load_searcher(
    settings: Settings, sessions: sessionmaker[Session]
) -> ConceptSearcher | None:
    """The searcher over the newest ready set named ``settings.concept_set``.

    Returns None (and the concept RPCs answer FAILED_PRECONDITION) when no
    such set exists yet; `conceptkg index build` creates one.
    """
    with sessions() as session:
        try:
            info = EmbeddingSetStore(session).latest(settings.concept_set)
        except EmbeddingSetNotFound:
            logger.warning(
                "concept_index_absent set=%s hint='run: conceptkg index build'",
                settings.concept_set,
            )
            return None
        folder = settings.index_folder(info.name, info.version)
        index = load_or_rebuild_index(session, info, folder, kind=settings.index_kind)
        templates = templates_in(text_params_of(session, info))
    index.ef_search = settings.index_ef_search
    index.nprobe = settings.index_nprobe
    if settings.index_prefilter_dim and index.kind == "flat":
        index.enable_prefilter(settings.index_prefilter_dim)
    elif settings.index_prefilter_dim:
        logger.warning(
            "prefilter_ignored kind=%s hint='a prefilter needs the flat index'",
            index.kind,
        )
    apply_bf16_pass(settings.index_bf16_pass, index)
    encoder = TextEncoder(settings.model_path)
    if str(encoder.model_path) != info.model:
        logger.warning(
            "encoder_differs_from_set set=%s set_model=%s encoder=%s",
            info.label,
            info.model,
            encoder.model_path,
        )
    return ConceptSearcher(index, encoder, query_templates=templates)


def apply_bf16_pass(wanted: str, index: ConceptIndex) -> bool:
    """Enable the bfloat16 first pass of batch search as the setting
    ``index_bf16_pass`` asks (``on``, ``off``, or ``auto``: where the CPU
    multiplies bfloat16 natively); True when it is enabled.
    """
    if wanted == "off" or (wanted == "auto" and not bf16_is_native()):
        return False
    if index.kind != "flat":
        if wanted == "on":
            logger.warning(
                "bf16_pass_ignored kind=%s hint='it needs the flat index'",
                index.kind,
            )
        return False
    index.enable_bf16_pass()
    return index.bf16_pass is not None
