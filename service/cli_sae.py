"""``conceptkg sae ...``: register SAEs, upload their features, name and search them."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from service._generated.conceptkg.v1 import sae_pb2 as spb
from service.cli_common import emit, existing_files, query_parser
from service.client import NAMING_METHODS, ConceptKGClient
from service.sae_import import ExplanationSource, import_explanations
from service.settings import Settings

_METHOD_CHOICES = [m for m in NAMING_METHODS if m]


def register(commands: Any) -> None:
    """Add the ``sae`` command group to the ``conceptkg`` subcommands."""
    group = commands.add_parser("sae", help="sparse autoencoders and feature names")
    sae = group.add_subparsers(dest="sae_command", required=True)

    listed = _parser(sae, "list", "registered SAEs")
    listed.set_defaults(handler=_list)
    show = _parser(sae, "show", "one SAE: what is stored, its namings")
    show.add_argument("name")
    show.set_defaults(handler=_show)

    add = _parser(sae, "register", "register an SAE over a registered space")
    add.add_argument("space")
    add.add_argument("name")
    add.add_argument("--features", type=int, required=True, help="n_features")
    add.add_argument("--description", default="")
    add.set_defaults(handler=_register)

    upload = _parser(sae, "upload", "upload directions, snippets, explanations")
    upload.add_argument("name")
    upload.add_argument(
        "--directions", type=Path, help=".npy, float32 or float16 (n_features, d)"
    )
    upload.add_argument(
        "--snippets",
        type=Path,
        help='JSON lines {"feature": 3, "text": "...", "activation": 2.5}',
    )
    upload.add_argument(
        "--explanations", type=Path, help="TSV: feature<TAB>explanation per line"
    )
    upload.set_defaults(handler=_upload)

    name = _parser(sae, "name", "name features by nearest concepts (stored)")
    name.add_argument("name")
    _add_features_option(name)
    name.add_argument("--method", choices=_METHOD_CHOICES, default="")
    name.add_argument("--k", type=int, default=5)
    name.add_argument("--examples-weight", type=float, default=0.0)
    name.set_defaults(handler=_name)

    names = _parser(sae, "names", "stored names of a method's version")
    names.add_argument("name")
    _add_features_option(names)
    names.add_argument("--method", choices=_METHOD_CHOICES, default="")
    names.add_argument("--version", type=int, default=0, help="0 = newest")
    names.set_defaults(handler=_names)

    search = _parser(sae, "search", "features whose names or explanations match")
    search.add_argument("text", nargs="?", default="")
    search.add_argument("--concept", default="", help="a concept URI instead of text")
    search.add_argument("--sae", action="append", default=[], help="repeatable")
    search.add_argument("--method", choices=_METHOD_CHOICES, default="")
    search.add_argument("--k", type=int, default=10)
    search.add_argument("--names-only", action="store_true")
    search.set_defaults(handler=_search)

    explained = _parser(
        sae, "import-explanations", "upload and tag explanation files per layer"
    )
    explained.add_argument("path", type=Path, help="model/sae_set/layer/feature TSV")
    explained.add_argument("--layers", default="", help="e.g. 0,5,11 (default all)")
    defaults = ExplanationSource()
    explained.add_argument("--space-prefix", default=defaults.space)
    explained.add_argument("--sae-prefix", default=defaults.sae)
    explained.add_argument("--d-model", type=int, default=defaults.d_model)
    explained.add_argument("--n-features", type=int, default=defaults.n_features)
    explained.add_argument("--k", type=int, default=5)
    explained.set_defaults(handler=_import_explanations)


def _parser(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = query_parser(commands, name, help_text)
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per call (default 600)"
    )
    return parser


def _add_features_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--features", default="", help="comma-separated feature ids (default: all)"
    )


def _feature_ids(text: str) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise ValueError(
            f"--features must be comma-separated ids, got {text!r}"
        ) from error


def _client(args: argparse.Namespace) -> ConceptKGClient:
    return ConceptKGClient(args.server, timeout_s=args.timeout)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with _client(args) as client:
        saes = client.list_saes()
    text = "\n".join(_sae_line(s) for s in saes) or "(no SAEs)"
    return emit(args, {"saes": [_as_dict(s) for s in saes]}, text)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    with _client(args) as client:
        info = client.get_sae(args.name)
    return emit(args, _as_dict(info), _sae_text(info))


def _register(args: argparse.Namespace, settings: Settings) -> int:
    with _client(args) as client:
        info = client.register_sae(
            args.space, args.name, args.features, description=args.description
        )
    return emit(args, _as_dict(info), _sae_text(info))


def _upload(args: argparse.Namespace, settings: Settings) -> int:
    given = [p for p in (args.directions, args.snippets, args.explanations) if p]
    if not given:
        raise ValueError("give --directions, --snippets or --explanations")
    existing_files(given)
    directions = None
    if args.directions:
        directions = np.load(args.directions, allow_pickle=False)
    snippets = _read_snippets(args.snippets) if args.snippets else None
    explanations = _read_explanations(args.explanations) if args.explanations else None
    with _client(args) as client:
        response = client.upload_features(
            args.name,
            directions=directions,
            snippets=snippets,
            explanations=explanations,
            timeout_s=args.timeout,
        )
    text = (
        f"stored {response.directions} directions, {response.snippets} snippets, "
        f"{response.explanations} explanations\n{_sae_text(response.sae)}"
    )
    return emit(args, _as_dict(response), text)


def _name(args: argparse.Namespace, settings: Settings) -> int:
    with _client(args) as client:
        responses = list(
            client.name_features(
                args.name,
                _feature_ids(args.features),
                method=args.method,
                k=args.k,
                examples_weight=args.examples_weight,
            )
        )
    names = [n for r in responses for n in r.names]
    version = responses[0].version if responses else 0
    method = spb.NamingMethod.Name(responses[0].method) if responses else ""
    payload = {
        "method": method,
        "version": version,
        "names": [_as_dict(n) for n in names],
    }
    header = f"{method} version {version}: {len(names)} features named"
    return emit(args, payload, "\n".join([header, *map(_name_line, names)]))


def _names(args: argparse.Namespace, settings: Settings) -> int:
    with _client(args) as client:
        stored = client.feature_names(
            args.name,
            _feature_ids(args.features) or (),
            method=args.method,
            version=args.version,
        )
    run = stored.naming
    header = (
        f"{spb.NamingMethod.Name(run.method)} version {run.version}: "
        f"{run.features} features, k={run.k}"
    )
    return emit(
        args, _as_dict(stored), "\n".join([header, *map(_name_line, stored.names)])
    )


def _search(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.text) == bool(args.concept):
        raise ValueError("give a text or --concept, not both")
    with _client(args) as client:
        found = client.search_features(
            args.text,
            concept=args.concept,
            saes=args.sae,
            method=args.method,
            k=args.k,
            names_only=args.names_only,
        )
    lines = []
    for match in found:
        shown = match.explanation or ", ".join(c.label for c in match.name.concepts[:3])
        lines.append(
            f"{match.score:6.3f}  {match.sae} #{match.feature_id}  "
            f"[{match.matched}]  {shown}"
        )
    payload = {"features": [_as_dict(m) for m in found]}
    return emit(args, payload, "\n".join(lines) or "(no features)")


def _import_explanations(args: argparse.Namespace, settings: Settings) -> int:
    layers = _feature_ids(args.layers)
    source = ExplanationSource(
        space=args.space_prefix,
        sae=args.sae_prefix,
        d_model=args.d_model,
        n_features=args.n_features,
    )
    with _client(args) as client:
        reports = import_explanations(
            client,
            existing_files([args.path])[0],
            source=source,
            layers=layers,
            k=args.k,
            timeout_s=args.timeout,
        )
    total = sum(r.explanations for r in reports)
    covered = sum(r.covered for r in reports)
    payload = {
        "explanations": total,
        "coverage": covered / total if total else 0.0,
        "layers": [
            {
                "layer": r.layer,
                "explanations": r.explanations,
                "coverage": r.fraction,
                "common": r.common,
            }
            for r in reports
        ],
    }
    lines = [
        f"{total} explanations, {covered / max(total, 1):.1%} with a concept >= 0.6"
    ]
    for r in reports:
        common = ", ".join(f"{label} ({count})" for label, count in r.common[:5])
        lines.append(f"layer {r.layer}: {r.explanations}, {r.fraction:.1%}; {common}")
    return emit(args, payload, "\n".join(lines))


def _as_dict(message: Message) -> dict[str, Any]:
    """A message as JSON data, zeros included (feature 0 is a real id)."""
    data: dict[str, Any] = MessageToDict(
        message, always_print_fields_with_no_presence=True
    )
    return data


def _read_snippets(path: Path) -> dict[int, list[tuple[str, float]]]:
    snippets: dict[int, list[tuple[str, float]]] = {}
    for line_number, line in enumerate(
        path.read_text(encoding="utf-8").splitlines(), 1
    ):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            snippets.setdefault(int(row["feature"]), []).append(
                (str(row["text"]), float(row["activation"]))
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path} line {line_number}: {error!r}") from error
    for pairs in snippets.values():
        pairs.sort(key=lambda pair: -pair[1])
    return snippets


def _read_explanations(path: Path) -> dict[int, str]:
    explanations = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line_number, row in enumerate(csv.reader(handle, delimiter="\t"), 1):
            if not row:
                continue
            try:
                explanations[int(row[0])] = row[1]
            except (ValueError, IndexError) as error:
                raise ValueError(f"{path} line {line_number}: {error!r}") from error
    return explanations


def _sae_line(info: spb.SAEInfo) -> str:
    dtype = spb.DType.Name(info.dtype).removeprefix("DTYPE_").lower()
    return (
        f"{info.name}  space {info.space} (dim {info.d_model})  "
        f"{info.n_features} features  directions {info.directions} ({dtype})  "
        f"snippets {info.snippet_features}  explanations {info.explanations}"
    )


def _sae_text(info: spb.SAEInfo) -> str:
    lines = [_sae_line(info)]
    default = spb.NamingMethod.Name(info.default_method)
    lines.append(f"  default method: {default}")
    for run in info.namings:
        lines.append(
            f"  names: {spb.NamingMethod.Name(run.method)} v{run.version}, "
            f"{run.features} features, k={run.k}"
        )
    return "\n".join(lines)


def _name_line(name: spb.FeatureName) -> str:
    concepts = "  ".join(f"{c.label} ({c.score:.3f})" for c in name.concepts)
    return (
        f"#{name.feature_id:<6} {concepts}   "
        f"margin {name.margin:.3f}  confidence {name.confidence:.2f}"
    )
