"""Helpers shared by the ``conceptkg`` subcommand modules.

A command group lives in its own module (``service/cli_<group>.py``) with a
``register(commands)`` function that adds its parsers; each parser sets a
``handler(args, settings) -> exit code``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from sqlalchemy import Engine

from graph import migrate
from graph.db import create_db_engine
from service.client import DEFAULT_ADDRESS
from service.settings import Settings

EXIT_ERROR = 1
EXIT_USAGE = 2


def query_parser(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """Add a subcommand that talks gRPC: it takes ``--server`` and ``--json``."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.add_argument(
        "--server",
        default=DEFAULT_ADDRESS,
        help=f"host:port (default {DEFAULT_ADDRESS})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def emit(args: argparse.Namespace, payload: Message | dict[str, Any], text: str) -> int:
    """Print one JSON object with ``--json``, else the text; returns exit code 0."""
    if args.json:
        data = payload if isinstance(payload, dict) else MessageToDict(payload)
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    return 0


@contextmanager
def open_database(settings: Settings, *, upgraded: bool = True) -> Iterator[Engine]:
    """An engine on the configured database, disposed afterwards.

    With ``upgraded``, refuses a database that is not at the newest schema.
    """
    engine = create_db_engine(settings.resolved_database_url())
    try:
        if upgraded and not migrate.is_current(engine):
            raise ValueError(
                "the database schema is not current; run: conceptkg db upgrade"
            )
        yield engine
    finally:
        engine.dispose()


def existing_files(paths: list[Path]) -> list[Path]:
    """The paths, when every one is a file.

    Raises:
        FileNotFoundError: naming the missing ones.
    """
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}")
    return paths
