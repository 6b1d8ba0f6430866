"""``conceptkg papers``: import papers (admin) and search them (over gRPC)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict

from service._generated.conceptkg.v1 import papers_pb2 as pb
from service.cli_common import emit, existing_files, open_database, query_parser
from service.client import ConceptKGClient
from service.settings import Settings


def register(commands: Any) -> None:
    """Add ``papers import``, ``search``, ``concepts``, ``for-concept`` and
    ``similar`` to the subcommands."""
    papers = commands.add_parser("papers", help="scientific papers and their concepts")
    paper_commands = papers.add_subparsers(dest="papers_command", required=True)
    imports = paper_commands.add_parser(
        "import", help="ingest a JSONL file of papers into the database (admin)"
    )
    imports.add_argument("path", type=Path)
    imports.add_argument("--json", action="store_true", help="print one JSON object")
    imports.set_defaults(handler=_import)

    search = query_parser(paper_commands, "search", "papers for a text query")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=10)
    search.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="year_min, year_max, venue or author; repeatable",
    )
    search.set_defaults(handler=_search)
    concepts = query_parser(paper_commands, "concepts", "the concepts of a paper")
    concepts.add_argument("id")
    concepts.add_argument("--k", type=int, default=20)
    concepts.set_defaults(handler=_concepts)
    for_concept = query_parser(
        paper_commands, "for-concept", "papers linked to a concept"
    )
    for_concept.add_argument("uri")
    for_concept.add_argument("--k", type=int, default=10)
    for_concept.set_defaults(handler=_for_concept)
    similar = query_parser(paper_commands, "similar", "papers like a paper or a text")
    similar.add_argument("id", nargs="?", default="", help="a stored paper id")
    similar.add_argument("--text", default="", help="free text instead of an id")
    similar.add_argument("--k", type=int, default=10)
    similar.set_defaults(handler=_similar)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from embeddings.build import build_index
    from embeddings.concept_linker import ConceptLinker
    from embeddings.incremental import extend_set, is_extendable
    from embeddings.paper_ingest import ingest_papers
    from embeddings.paper_records import read_jsonl
    from embeddings.sets import EmbeddingSetStore
    from graph.db import create_session_factory
    from service.index_loader import load_searcher

    papers = read_jsonl(existing_files([args.path])[0])
    with open_database(settings) as engine:
        sessions = create_session_factory(engine)
        searcher = load_searcher(settings, sessions)
        if searcher is None:
            raise ValueError(
                "papers need the concept index to link concepts; "
                "run: conceptkg index build"
            )
        report = ingest_papers(
            sessions, papers, ConceptLinker(searcher), searcher.encoder
        )
        with sessions() as session:
            info = EmbeddingSetStore(session).by_label(searcher.index.embedding_set)
        if report.concepts_created and is_extendable(info):
            # The new concepts get vectors and the saved index is rebuilt,
            # as `conceptkg index update` does.
            extend_set(sessions, info, searcher.encoder)
            with sessions() as session:
                build_index(
                    session,
                    info,
                    settings.index_folder(info.name, info.version),
                    kind=settings.index_kind,
                )
    values = {
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "links": report.links,
        "concepts_created": report.concepts_created,
        "edges_written": report.edges_written,
        "vectors": report.vectors,
        "papers": report.papers,
    }
    if args.json:
        sys.stdout.write(json.dumps({str(args.path): values}) + "\n")
    else:
        text = ", ".join(f"{key} {value}" for key, value in values.items())
        sys.stdout.write(f"{args.path}: {text}\n")
    return 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    filters = {}
    for item in args.filter:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--filter {item!r} is not KEY=VALUE")
        filters[key.strip()] = value
    with ConceptKGClient(args.server) as client:
        found = client.search_papers(args.query, k=args.k, filters=filters)
    lines = []
    if found.query_concepts:
        named = ", ".join(m.label for m in found.query_concepts)
        lines.append(f"query concepts: {named}")
    lines.extend(_hits_text(list(found.hits)))
    return emit(args, found, "\n".join(lines) or "no papers")


def _concepts(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        found = client.paper_concepts(args.id, k=args.k)
    lines = [f"{found.paper.id}  {found.paper.title}"]
    lines.extend(
        f"  {c.weight:7.3f}  {c.uri}  ({c.link}, {c.count}x {c.phrase!r})"
        for c in found.concepts
    )
    return emit(args, found, "\n".join(lines))


def _for_concept(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        found = client.papers_for_concept(args.uri, k=args.k)
    payload = {"papers": [MessageToDict(p) for p in found]}
    text = "\n".join(f"{p.weight:7.3f}  {p.paper.id}  {p.paper.title}" for p in found)
    return emit(args, payload, text or "no papers")


def _similar(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.id) == bool(args.text):
        raise ValueError("give a paper id or --text, not both or neither")
    with ConceptKGClient(args.server) as client:
        hits = client.similar_papers(paper_id=args.id, text=args.text, k=args.k)
    payload = {"hits": [MessageToDict(h) for h in hits]}
    return emit(args, payload, "\n".join(_hits_text(hits)) or "no papers")


def _hits_text(hits: list[pb.PaperHit]) -> list[str]:
    lines = []
    for rank, hit in enumerate(hits, start=1):
        year = f" ({hit.paper.year})" if hit.paper.year else ""
        lines.append(f"{rank:2d}. {hit.paper.id}  {hit.paper.title}{year}")
        late = f"  late {hit.late_interaction:.2f}" if hit.late_interaction else ""
        lines.append(
            f"    score {hit.score:.3f}  dense {hit.dense:.3f}  passage "
            f"{hit.passage:.3f}  bm25 {hit.bm25:.2f}  concept {hit.concept:.3f}{late}"
        )
        if hit.matches:
            lines.append("    concepts: " + ", ".join(_how(m) for m in hit.matches[:5]))
    return lines


def _how(match: pb.ConceptMatch) -> str:
    if match.via in ("direct", "shared"):
        return f"{match.label} ({match.via})"
    arrow = f"-{match.via}->" if match.direction == "out" else f"<-{match.via}-"
    return f"{match.label} ({match.source} {arrow})"
