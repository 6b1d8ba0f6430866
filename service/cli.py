"""The ``conceptkg`` command: admin commands on the database, queries over gRPC."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import grpc
from google.protobuf.json_format import MessageToDict

from embeddings.errors import EmbeddingError
from graph import migrate
from graph.errors import GraphError
from graph.importers import (
    ImportReport,
    import_conceptnet,
    import_sample,
    import_triples,
)
from service import cli_format, cli_index, cli_papers, cli_sae, cli_train
from service.cli_common import (
    EXIT_ERROR,
    EXIT_USAGE,
    emit,
    existing_files,
    open_database,
    query_parser,
)
from service.client import ConceptKGClient
from service.settings import Settings

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if argv is None and args.command == "train":
        cli_train.reexec_with_malloc_tuning(sys.argv[1:])
    try:
        settings = Settings()
    except ValueError as error:
        sys.stderr.write(f"error: invalid CONCEPTKG_* setting: {error}\n")
        return EXIT_USAGE
    logging.basicConfig(
        level=args.log_level or settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings)
    except grpc.RpcError as error:
        code = error.code()
        detail = error.details()
        sys.stderr.write(f"error: {code.name}: {detail}\n")
        return EXIT_ERROR
    except (GraphError, EmbeddingError, FileNotFoundError, ValueError) as error:
        # pydantic's ValidationError is a ValueError: bad settings land here.
        sys.stderr.write(f"error: {error}\n")
        return EXIT_ERROR
    except RuntimeError as error:
        # e.g. the server cannot bind its address.
        sys.stderr.write(f"error: {error}\n")
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="conceptkg", description="ConceptNet-style knowledge graph service."
    )
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING (default: settings)")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema (admin)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        handler=_db_upgrade
    )
    down = db_commands.add_parser("downgrade", help="migrate down to a revision")
    down.add_argument("revision", help="revision id, or 'base' to drop everything")
    down.set_defaults(handler=_db_downgrade)

    imports = commands.add_parser("import", help="load data into the database (admin)")
    import_commands = imports.add_subparsers(dest="import_command", required=True)
    conceptnet = import_commands.add_parser(
        "conceptnet", help="ConceptNet 5 assertion files (.csv or .csv.gz)"
    )
    conceptnet.add_argument("paths", nargs="+", type=Path)
    conceptnet.add_argument("--lang", help="keep edges whose ends both have this lang")
    _add_import_options(conceptnet)
    conceptnet.set_defaults(handler=_import_conceptnet)
    triples = import_commands.add_parser("triples", help="head/relation/tail files")
    triples.add_argument("paths", nargs="+", type=Path)
    triples.add_argument("--format", required=True, choices=["cn100k", "tsv"])
    triples.add_argument("--lang", default="en", help="language of free-text nodes")
    triples.add_argument("--dataset", default="/d/conceptkg/triples")
    _add_import_options(triples)
    triples.set_defaults(handler=_import_triples)
    sample = import_commands.add_parser("sample", help="the bundled CN-100K sample")
    sample.add_argument(
        "--if-empty", action="store_true", help="only when the graph has no edges"
    )
    sample.add_argument("--json", action="store_true", help="print one JSON object")
    sample.add_argument("--no-progress", action="store_true", help="no progress bar")
    sample.set_defaults(handler=_import_sample)

    cli_index.register(commands)
    cli_train.register(commands)
    cli_papers.register(commands)

    serve = commands.add_parser("serve", help="serve gRPC until Ctrl-C")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    concept = query_parser(commands, "concept", "show one concept")
    concept.add_argument("uri")
    concept.set_defaults(handler=_concept)
    edges = query_parser(commands, "edges", "list edges, strongest first")
    edges.add_argument("--start", default="")
    edges.add_argument("--end", default="")
    edges.add_argument("--rel", default="", help="relation URI, e.g. /r/IsA")
    edges.add_argument("--node", default="", help="concept at either end")
    edges.add_argument("--dataset", default="")
    edges.add_argument("--limit", type=int, default=20)
    edges.add_argument("--page-token", default="")
    edges.set_defaults(handler=_edges)
    neighbors = query_parser(commands, "neighbors", "concepts linked to a concept")
    neighbors.add_argument("uri")
    neighbors.add_argument("--rel", default="")
    neighbors.add_argument("--direction", choices=["both", "out", "in"], default="both")
    neighbors.add_argument("--limit", type=int, default=20)
    neighbors.set_defaults(handler=_neighbors)
    path = query_parser(commands, "path", "cheapest paths between two concepts")
    path.add_argument("start")
    path.add_argument("end")
    path.add_argument("--max-hops", type=int, default=4)
    path.add_argument("--max-paths", type=int, default=1)
    path.set_defaults(handler=_path)
    subgraph = query_parser(commands, "subgraph", "k-hop neighborhood of a concept")
    subgraph.add_argument("uri")
    subgraph.add_argument("--hops", type=int, default=1)
    subgraph.add_argument("--max-nodes", type=int, default=50)
    subgraph.add_argument("--rel", default="")
    subgraph.set_defaults(handler=_subgraph)
    search = query_parser(commands, "search", "concepts nearest to a text")
    search.add_argument("text")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--lang", default="")
    search.add_argument(
        "--plain", action="store_true", help="rank by cosine alone (no salience prior)"
    )
    search.add_argument("--near", default="", help="only concepts near this URI")
    search.add_argument("--near-hops", type=int, default=0)
    search.add_argument(
        "--isa", default="", help="only concepts that are a kind of URI"
    )
    search.set_defaults(handler=_search)
    related = query_parser(commands, "related", "concepts nearest to a concept")
    related.add_argument("uri")
    related.add_argument("--k", type=int, default=10)
    related.add_argument("--lang", default="")
    related.set_defaults(handler=_related)
    name = query_parser(commands, "name", "nearest concepts of directions (.npy)")
    name.add_argument("vectors", type=Path, help=".npy file, shape (n, dim)")
    name.add_argument("--space", default="", help="registered space; '' = concepts")
    name.add_argument("--k", type=int, default=5)
    name.add_argument("--sign-ambiguous", action="store_true")
    name.set_defaults(handler=_name)
    spaces = query_parser(commands, "spaces", "registered spaces and alignments")
    spaces.set_defaults(handler=_spaces)
    health = query_parser(commands, "health", "standard gRPC health check")
    health.set_defaults(handler=_health)
    stats = query_parser(commands, "stats", "sizes of the graph")
    stats.add_argument("--top", type=int, default=10)
    stats.set_defaults(handler=_stats)
    cli_sae.register(commands)
    return parser


def _add_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=int, default=20000, help="rows per commit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


# Admin commands ---------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings, upgraded=False) as engine:
        migrate.upgrade(engine)
        url = engine.url.render_as_string()
    sys.stdout.write(f"database upgraded: {url}\n")
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings, upgraded=False) as engine:
        migrate.downgrade(engine, args.revision)
    sys.stdout.write(f"database downgraded to {args.revision}\n")
    return 0


def _import_conceptnet(args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings) as engine:
        reports = {
            str(path): import_conceptnet(
                engine,
                path,
                lang=args.lang,
                batch_size=args.batch_size,
                show_progress=not args.no_progress,
            )
            for path in existing_files(args.paths)
        }
    return _print_reports(reports, as_json=args.json)


def _import_triples(args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings) as engine:
        reports = {
            str(path): import_triples(
                engine,
                path,
                triple_format=args.format,
                lang=args.lang,
                dataset=args.dataset,
                batch_size=args.batch_size,
                show_progress=not args.no_progress,
            )
            for path in existing_files(args.paths)
        }
    return _print_reports(reports, as_json=args.json)


def _import_sample(args: argparse.Namespace, settings: Settings) -> int:
    from graph.db import create_session_factory
    from graph.store import GraphStore

    with open_database(settings) as engine:
        with create_session_factory(engine)() as session:
            empty = GraphStore(session).is_empty()
        if args.if_empty and not empty:
            sys.stdout.write("graph is not empty; sample not loaded\n")
            return 0
        report = import_sample(engine, show_progress=not args.no_progress)
    return _print_reports({"sample": report}, as_json=args.json)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from service.runner import serve_forever

    # `is not None`, so that --port 0 (any free port) is kept.
    given = (("host", args.host), ("port", args.port))
    overrides = {k: v for k, v in given if v is not None}
    checked = Settings.model_validate({**settings.model_dump(), **overrides})
    return serve_forever(checked)


# Query commands ---------------------------------------------------------------


def _concept(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        concept = client.get_concept(args.uri)
    return emit(args, concept, cli_format.concept_text(concept))


def _edges(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        page = client.query_edges(
            start=args.start,
            end=args.end,
            relation=args.rel,
            node=args.node,
            dataset=args.dataset,
            limit=args.limit,
            page_token=args.page_token,
        )
    return emit(args, page, cli_format.edges_text(page))


def _neighbors(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        found = client.neighbors(
            args.uri, relation=args.rel, direction=args.direction, limit=args.limit
        )
    payload = {"neighbors": [MessageToDict(n) for n in found]}
    return emit(args, payload, cli_format.neighbors_text(found))


def _path(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        paths = client.shortest_paths(
            args.start, args.end, max_hops=args.max_hops, max_paths=args.max_paths
        )
    payload = {"paths": [MessageToDict(p) for p in paths]}
    return emit(args, payload, cli_format.paths_text(args.start, args.end, paths))


def _subgraph(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        graph = client.subgraph(
            args.uri, hops=args.hops, max_nodes=args.max_nodes, relation=args.rel
        )
    return emit(args, graph, cli_format.subgraph_text(graph))


def _search(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        found = client.search_concepts(
            args.text,
            k=args.k,
            lang=args.lang,
            plain=args.plain,
            near=args.near,
            near_hops=args.near_hops,
            isa=args.isa,
        )
    return emit(args, found, cli_format.scored_text(list(found.concepts)))


def _related(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        found = client.related_concepts(args.uri, k=args.k, lang=args.lang)
    payload = {"concepts": [MessageToDict(c) for c in found]}
    return emit(args, payload, cli_format.scored_text(found))


def _name(args: argparse.Namespace, settings: Settings) -> int:
    import numpy as np

    vectors = np.load(existing_files([args.vectors])[0], allow_pickle=False)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    if vectors.ndim != 2:
        raise ValueError(f"{args.vectors} holds shape {vectors.shape}, not (n, dim)")
    with ConceptKGClient(args.server) as client:
        names = list(
            client.stream_name_directions(
                vectors.tolist(),
                space=args.space,
                k=args.k,
                sign_ambiguous=args.sign_ambiguous,
            )
        )
    payload = {"names": [MessageToDict(n) for n in names]}
    return emit(args, payload, cli_format.names_text(names))


def _spaces(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        found = client.list_spaces()
    payload = {"spaces": [MessageToDict(s) for s in found]}
    return emit(args, payload, cli_format.spaces_text(found))


def _health(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        status = client.health()
    payload = {"status": status}
    code = 0 if status == "SERVING" else EXIT_ERROR
    emit(args, payload, status)
    return code


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        stats = client.stats(top=args.top)
    return emit(args, stats, cli_format.stats_text(stats))


# Helpers ----------------------------------------------------------------------


def _print_reports(reports: dict[str, ImportReport], *, as_json: bool) -> int:
    if as_json:
        data = {name: cli_format.report_dict(r) for name, r in reports.items()}
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        for name, report in reports.items():
            sys.stdout.write(cli_format.report_text(name, report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
