"""``conceptkg train`` (foreground, on the database) and ``conceptkg runs`` (gRPC)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict

from service import cli_format_training as cli_format
from service.cli_common import emit, open_database, query_parser
from service.client import ConceptKGClient
from service.settings import Settings
from service.training_launcher import MALLOC_TUNABLES

# Command-line flags that set RGCNConfig fields of the same name.
_CONFIG_FLAGS: list[tuple[str, type, str]] = [
    ("epochs", int, "training epochs"),
    ("hidden", int, "embedding size"),
    ("num-layers", int, "R-GCN layers"),
    ("decomposition", str, "basis, block or none"),
    ("num-bases", int, "bases of the basis decomposition"),
    ("num-blocks", int, "blocks of the block-diagonal decomposition"),
    ("scoring", str, "negative_sampling or one_to_n"),
    ("negatives", int, "negatives per positive (negative_sampling)"),
    ("graph-batch-size", int, "training edges sampled per step; 0 = all"),
    ("batch-size", int, "queries per step (one_to_n)"),
    ("candidates", int, "entities scored per one_to_n batch; 0 = all"),
    ("lr", float, "learning rate"),
    ("edge-dropout", float, "share of message edges dropped per step"),
    ("eval-every", int, "epochs between validations"),
    ("eval-valid-size", int, "validation triples used while training; 0 = all"),
    ("patience", int, "validations without gain before stopping"),
    ("checkpoint-every", int, "steps between checkpoints; 0 = at validations"),
    ("seed", int, "random seed"),
    ("device", str, "auto, cpu or cuda"),
]


def register(commands: Any) -> None:
    """Add ``train`` and ``runs`` to the subcommands."""
    train = commands.add_parser("train", help="train graph embeddings (foreground)")
    kinds = train.add_subparsers(dest="train_kind", required=True)
    rgcn = kinds.add_parser("rgcn", help="R-GCN link prediction")
    _add_config_options(rgcn)
    rgcn.add_argument("--no-progress", action="store_true")
    rgcn.add_argument("--json", action="store_true", help="print one JSON object")
    rgcn.set_defaults(handler=_train)
    resume = kinds.add_parser("resume", help="continue a run from its checkpoint")
    resume.add_argument("run_id", type=int)
    resume.add_argument("--no-progress", action="store_true")
    resume.add_argument("--json", action="store_true", help="print one JSON object")
    resume.set_defaults(handler=_resume)

    runs = commands.add_parser("runs", help="training runs on the server (gRPC)")
    run_commands = runs.add_subparsers(dest="runs_command", required=True)
    start = query_parser(run_commands, "start", "queue an R-GCN run on the server")
    _add_config_options(start)
    start.set_defaults(handler=_runs_start)
    listing = query_parser(run_commands, "list", "the newest runs")
    listing.add_argument("--status", default="")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(handler=_runs_list)
    for name, handler, text in (
        ("show", _runs_show, "one run"),
        ("watch", _runs_watch, "progress of a run until it ends"),
        ("cancel", _runs_cancel, "stop a run after its current step"),
    ):
        command = query_parser(run_commands, name, text)
        command.add_argument("run_id", type=int)
        command.set_defaults(handler=handler)

    predict = query_parser(commands, "predict", "missing ends of edges, from a run")
    predict.add_argument("run_id", type=int)
    predict.add_argument("--relation", required=True)
    given = predict.add_mutually_exclusive_group(required=True)
    given.add_argument("--head", default="")
    given.add_argument("--tail", default="")
    predict.add_argument("--k", type=int, default=10)
    predict.add_argument("--exclude-known", action="store_true")
    predict.set_defaults(handler=_predict)


def reexec_with_malloc_tuning(argv: list[str]) -> None:
    """Restart this command with the glibc malloc tunables of the workers.

    Only for a process that trains in the foreground; returns (doing
    nothing) when they are already set. See service.training_launcher.
    """
    if "GLIBC_TUNABLES" in os.environ:
        return
    environment = {**os.environ, "GLIBC_TUNABLES": MALLOC_TUNABLES}
    command = [sys.executable, "-m", "service", *argv]
    os.execve(sys.executable, command, environment)


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", help="fb15k-237, wn18rr, cn100k or graph")
    parser.add_argument(
        "--config", type=Path, help="JSON file of RGCNConfig fields (flags win)"
    )
    parser.add_argument(
        "--relation",
        action="append",
        default=[],
        help="train on this relation only (repeatable)",
    )
    for flag, kind, text in _CONFIG_FLAGS:
        parser.add_argument(f"--{flag}", type=kind, help=text)


def _config_values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.config is not None:
        values.update(json.loads(args.config.read_text()))
    if args.dataset:
        values["dataset"] = args.dataset
    if args.relation:
        values["relations"] = args.relation
    for flag, _, _ in _CONFIG_FLAGS:
        value = getattr(args, flag.replace("-", "_"))
        if value is not None:
            values[flag.replace("-", "_")] = value
    if "dataset" not in values:
        raise ValueError("--dataset (or a config file with a dataset) is required")
    return values


def _train(args: argparse.Namespace, settings: Settings) -> int:
    from embeddings.runs import RunStore
    from embeddings.train_job import validate_config
    from graph.db import create_session_factory

    with open_database(settings) as engine:
        sessions = create_session_factory(engine)
        config = validate_config(_config_values(args), sessions, settings.datasets_dir)
        with sessions.begin() as session:
            run = RunStore(session).create(
                "rgcn",
                config.dataset,
                config.model_dump(),
                str(settings.runs_folder() / "{id}"),
            )
        return _run_foreground(args, settings, sessions, run.id)


def _resume(args: argparse.Namespace, settings: Settings) -> int:
    from embeddings.runs import RunStore
    from graph.db import create_session_factory

    with open_database(settings) as engine:
        sessions = create_session_factory(engine)
        with sessions.begin() as session:
            RunStore(session).requeue(args.run_id)
        return _run_foreground(args, settings, sessions, args.run_id)


def _run_foreground(
    args: argparse.Namespace, settings: Settings, sessions: Any, run_id: int
) -> int:
    from embeddings.train_job import run_training_job

    sys.stderr.write(f"run {run_id}: training in the foreground (Ctrl-C stops)\n")
    try:
        run = run_training_job(
            sessions,
            run_id,
            data_root=settings.datasets_dir,
            show_progress=not args.no_progress,
        )
    except KeyboardInterrupt:
        sys.stderr.write(f"run {run_id} interrupted; resume: conceptkg train resume\n")
        raise
    payload = {"run_id": run.id, "status": run.status, **run.metrics}
    return emit(
        args, payload, cli_format.run_result_text(run.id, run.status, run.metrics)
    )


def _runs_start(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        run = client.start_training(_config_values(args))
    return emit(args, run, f"run {run.id} queued ({run.dataset}); status {run.status}")


def _runs_list(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        runs = client.list_runs(limit=args.limit, status=args.status)
    payload = {"runs": [MessageToDict(run) for run in runs]}
    return emit(args, payload, cli_format.runs_text(runs))


def _runs_show(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        run = client.get_run(args.run_id)
    return emit(args, run, cli_format.run_text(run))


def _runs_watch(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        for progress in client.watch_run(args.run_id):
            if args.json:
                emit(args, progress, "")
            else:
                sys.stdout.write(cli_format.progress_text(progress) + "\n")
                sys.stdout.flush()
    return 0


def _runs_cancel(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        run = client.cancel_run(args.run_id)
    return emit(args, run, f"run {run.id}: {run.status} (cancel requested)")


def _predict(args: argparse.Namespace, settings: Settings) -> int:
    with ConceptKGClient(args.server) as client:
        edges = client.predict_edges(
            args.run_id,
            args.relation,
            head=args.head,
            tail=args.tail,
            k=args.k,
            exclude_known=args.exclude_known,
        )
    payload = {"edges": [MessageToDict(edge) for edge in edges]}
    return emit(args, payload, cli_format.predictions_text(edges))
