"""``conceptkg index``: build and update embedding sets and their FAISS index."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from embeddings.concept_text import DEFAULT_TEXT_MODE, TEXT_MODES
from service.cli_common import open_database
from service.settings import Settings


def register(commands: Any) -> None:
    """Add ``index build`` and ``index update`` to the subcommands."""
    index = commands.add_parser("index", help="concept vectors and index (admin)")
    index_commands = index.add_subparsers(dest="index_command", required=True)
    build = index_commands.add_parser(
        "build", help="encode concepts into an embedding set and index it"
    )
    build.add_argument(
        "--set",
        default="text",
        help="text (concept texts encoded) or fused (text retrofitted over the graph)",
    )
    build.add_argument(
        "--text",
        choices=TEXT_MODES,
        default=DEFAULT_TEXT_MODE,
        help="what a concept's text is: its label, label plus a gloss of its "
        "strongest edges, or its label through prompt templates (short queries "
        f"are then prompted too; default {DEFAULT_TEXT_MODE})",
    )
    build.add_argument(
        "--kind", choices=["auto", "flat", "hnsw", "ivf"], help="default: settings"
    )
    build.add_argument(
        "--if-missing", action="store_true", help="only when no ready set exists"
    )
    build.add_argument("--no-progress", action="store_true")
    build.set_defaults(handler=_index_build)
    update = index_commands.add_parser(
        "update",
        help="encode concepts added since the newest set was built, then reindex",
    )
    update.add_argument("--set", default="", help="set name (default: settings)")
    update.add_argument(
        "--kind", choices=["auto", "flat", "hnsw", "ivf"], help="default: settings"
    )
    update.set_defaults(handler=_index_update)


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    from embeddings.build import build_index, build_text_set
    from embeddings.encoders import TextEncoder
    from embeddings.fused import build_fused_set
    from embeddings.sets import EmbeddingSetNotFound, EmbeddingSetStore
    from graph.db import create_session_factory

    if args.set not in ("text", "fused"):
        raise ValueError(f"--set must be 'text' or 'fused', got {args.set!r}")
    with open_database(settings) as engine:
        sessions = create_session_factory(engine)
        with sessions() as session:
            sets = EmbeddingSetStore(session)
            ready = {s.name for s in sets.list_sets() if s.ready}
            if args.if_missing and args.set in ready:
                sys.stdout.write(f"set {args.set!r} exists; index not rebuilt\n")
                return 0
            try:
                text = sets.latest("text") if args.set == "fused" else None
            except EmbeddingSetNotFound:
                text = None
        if text is None:
            text = build_text_set(
                sessions,
                TextEncoder(settings.model_path),
                text_mode=args.text,
                show_progress=not args.no_progress,
            )
        info = text if args.set == "text" else build_fused_set(sessions, text)
        folder = settings.index_folder(info.name, info.version)
        with sessions() as session:
            kind = args.kind or settings.index_kind
            index = build_index(session, info, folder, kind=kind)
    sys.stdout.write(
        f"index of {info.label}: {index.count} vectors, dim {index.dim}, "
        f"{index.kind}, saved in {folder}\n"
    )
    return 0


def _index_update(args: argparse.Namespace, settings: Settings) -> int:
    from embeddings.build import build_index
    from embeddings.encoders import TextEncoder
    from embeddings.incremental import extend_set
    from embeddings.sets import EmbeddingSetStore
    from graph.db import create_session_factory

    with open_database(settings) as engine:
        sessions = create_session_factory(engine)
        with sessions() as session:
            info = EmbeddingSetStore(session).latest(args.set or settings.concept_set)
        ids, _ = extend_set(sessions, info, TextEncoder(settings.model_path))
        folder = settings.index_folder(info.name, info.version)
        with sessions() as session:
            kind = args.kind or settings.index_kind
            index = build_index(session, info, folder, kind=kind)
    sys.stdout.write(
        f"{info.label}: {len(ids)} new concepts encoded; index of {index.count} "
        f"vectors saved in {folder}\n"
    )
    return 0
