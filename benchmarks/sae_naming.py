"""Benchmark: naming the features of a top-k SAE on MiniLM, end to end.

Usage::

    nice -n 10 .venv/bin/python benchmarks/sae_naming.py \\
        --database /tmp/fresh/var/conceptkg.db --index /tmp/fresh/var/indexes/text-v1

1. Token activations of MiniLM's own layer ``--layer`` (the text encoder is the
   model under study) over the SciFact abstracts; ``--heldout`` of the
   (``--docs`` sampled) documents are held out.
2. A top-k SAE (``--features``, ``--k``) trained on the training tokens on CPU,
   with a progress bar; fraction of variance explained on held-out tokens, and
   dead features (never firing on the training tokens).
3. The space -> concept alignment fitted through FitAlignment from
   (mean-pooled layer activation, sentence) pairs of training sentences.
4. RegisterSAE, UploadFeatures (decoder directions and the top-activating
   training snippets), then NameFeatures of every live feature by the
   direction, examples and combined methods, timed through the real server.
5. Explain -> simulate -> score on held-out tokens: the predicted activation
   of a token context is the cosine of its MiniLM embedding with the name's
   (the top concept's vector); the score is the correlation with the real
   activation over the feature's top held-out contexts and random held-out
   contexts. Baselines in the same run: a random concept as the name, and the
   feature's most frequent top-activating token as the name.
6. The GPT-2 small explanations imported as uploaded explanations, tagged
   with their nearest concepts: coverage (cosine >= 0.6) and the most common
   concepts per layer.

The concept vocabulary is the bundled CN-100K sample: built in a temporary
SQLite database, or copied from ``--database`` (a database ``make run``
built) with its index folder ``--index``. Logs go to stderr; the last line
of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from benchmarks.sae_naming_data import (  # noqa: E402
    Tokens,
    read_corpus,
    top_rows,
    word_pairs,
)
from benchmarks.sae_naming_eval import EvalSettings, evaluate  # noqa: E402
from benchmarks.sae_naming_indexes import (  # noqa: E402
    SAE_NAME,
    Run,
    name_with_other_indexes,
    timed_naming,
)
from embeddings.build import build_index, build_text_set  # noqa: E402
from embeddings.encoders import TextEncoder  # noqa: E402
from embeddings.index import ConceptIndex  # noqa: E402
from embeddings.layer_activations import LayerReader  # noqa: E402
from embeddings.sae_naming import DEFAULT_METHOD  # noqa: E402
from embeddings.sae_training import (  # noqa: E402
    TopKSAEConfig,
    train_topk_sae,
)
from embeddings.search import ConceptSearcher  # noqa: E402
from embeddings.sets import EmbeddingSetStore  # noqa: E402
from graph import migrate  # noqa: E402
from graph.db import create_db_engine, create_session_factory  # noqa: E402
from graph.importers import import_sample  # noqa: E402
from service.client import ConceptKGClient  # noqa: E402
from service.index_loader import apply_bf16_pass  # noqa: E402
from service.sae_import import ExplanationSource, import_explanations  # noqa: E402
from service.server import create_server  # noqa: E402
from service.settings import Settings  # noqa: E402

logger = logging.getLogger("benchmarks.sae_naming")

SHARED = REPO.parent / "shared" / "data"
METHODS = ("direction", "examples", "combined")


def parse_args() -> argparse.Namespace:
    """Command-line flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "scifact/corpus.jsonl")
    parser.add_argument(
        "--explanations",
        type=Path,
        default=SHARED / "gpt2-small-res-jb-explanations/explanations.tsv",
    )
    parser.add_argument("--database", type=Path, help="a built conceptkg.db to copy")
    parser.add_argument("--index", type=Path, help="its text index folder")
    parser.add_argument(
        "--naming-index", choices=["flat", "hnsw", "ivf"], default="flat"
    )
    parser.add_argument("--nprobe", type=int, default=16)
    parser.add_argument(
        "--naming-repeats",
        type=int,
        default=3,
        help="timed namings per method and index; the median rate is reported",
    )
    parser.add_argument("--ef-search", type=int, default=128, help="HNSW")
    parser.add_argument(
        "--bf16-pass",
        choices=["auto", "on", "off"],
        default="auto",
        help="the server's index_bf16_pass setting, for a flat naming index",
    )
    parser.add_argument(
        "--prefilter-dim",
        type=int,
        default=128,
        help="also name through a flat index with this first pass (0 = skip)",
    )
    parser.add_argument("--docs", type=int, default=1500, help="0 = all 5,183")
    parser.add_argument(
        "--sample-offset", type=int, default=0, help="start of the document sample"
    )
    parser.add_argument("--heldout", type=float, default=0.2)
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--features", type=int, default=4096)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--snippets", type=int, default=10, help="per feature")
    parser.add_argument("--before", type=int, default=8, help="context wordpieces")
    parser.add_argument("--after", type=int, default=2)
    parser.add_argument("--alignment-pairs", type=int, default=3000)
    parser.add_argument(
        "--alignment-words",
        type=int,
        default=0,
        help="single-word pairs added to the sentence pairs (0 = sentences only)",
    )
    parser.add_argument("--alpha", type=float, default=30.0)
    parser.add_argument("--name-k", type=int, default=10)
    parser.add_argument("--top-token-rows", type=int, default=20)
    parser.add_argument("--eval-top", type=int, default=5)
    parser.add_argument("--eval-random", type=int, default=15)
    parser.add_argument("--eval-pool", type=int, default=2000)
    parser.add_argument("--skip-explanations", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def space_name(args: argparse.Namespace) -> str:
    """The registered space of the studied layer."""
    return f"all-MiniLM-L6-v2/layer{args.layer}"


def prepare_concepts(
    args: argparse.Namespace, folder: Path, encoder: TextEncoder
) -> tuple[Engine, ConceptIndex]:
    """A migrated SQLite database with the sample graph's text set, and the
    index names come from (``--naming-index``)."""
    target = folder / "conceptkg.db"
    if args.database:
        shutil.copyfile(args.database, target)
    engine = create_db_engine(f"sqlite:///{target}")
    migrate.upgrade(engine)
    sessions = create_session_factory(engine)
    if not args.database:
        import_sample(engine, show_progress=True)
        build_text_set(sessions, encoder, show_progress=True)
    with sessions() as session:
        info = EmbeddingSetStore(session).latest("text")
        if args.index and args.naming_index == "flat":
            index = ConceptIndex.load(args.index, embedding_set=info.label)
        else:
            index = build_index(session, info, folder / "index", kind=args.naming_index)
    index.nprobe = args.nprobe
    index.ef_search = args.ef_search
    apply_bf16_pass(args.bf16_pass, index)
    return engine, index


def mean_and_error(values: np.ndarray) -> tuple[float, float]:
    """Mean and its standard error."""
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def main() -> int:
    """Run the benchmark; print the JSON line."""
    args = parse_args()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    began = time.perf_counter()
    run = collect_and_train(args)
    fve = run.trained.fve(run.held.batch.activations)
    with tempfile.TemporaryDirectory(prefix="sae-naming-") as tmp:
        encoder = TextEncoder()
        clock = time.perf_counter()
        engine, index = prepare_concepts(args, Path(tmp), encoder)
        run.seconds["concepts"] = time.perf_counter() - clock
        settings = Settings(
            host="127.0.0.1", port=0, max_message_bytes=64 * 1024 * 1024
        )
        index_kind = index.kind
        running = create_server(settings, engine, ConceptSearcher(index, encoder))
        client = ConceptKGClient(f"127.0.0.1:{running.port}", timeout_s=3600.0)
        try:
            alignment = fit_space_alignment(run, client)
            names, rates = upload_and_name(run, client)
            clock = time.perf_counter()
            evaluation = evaluate(
                EvalSettings(
                    args.eval_top,
                    args.eval_random,
                    args.eval_pool,
                    args.top_token_rows,
                ),
                run.rng,
                engine,
                index,
                encoder,
                run.trained,
                run.train,
                run.held,
                run.tops,
                names,
            )
            run.seconds["evaluation"] = time.perf_counter() - clock
            other_index = name_with_other_indexes(run, engine, index, encoder, names)
            explanations = (
                {} if args.skip_explanations else explanation_report(run, client)
            )
            default = client.get_sae(SAE_NAME).default_method
        finally:
            client.close()
            running.stop(0)
            engine.dispose()
    run.seconds["total"] = time.perf_counter() - began
    batch = run.train.batch
    summary: dict[str, Any] = {
        "features": args.features,
        "live_features": len(run.live),
        "fve": round(fve, 4),
        **evaluation.pop("scores"),
        "naming_features_per_s": rates[DEFAULT_METHOD],
        "dead_features": args.features - len(run.live),
        "train_fve": round(run.trained.train_fve, 4),
        "default_method": DEFAULT_METHOD,
        "default_method_enum": default,
        "naming_rates": rates,
        "naming_index": index_kind,
        "bf16_pass": index.bf16_pass is not None,
        "other_index_naming": other_index,
        "alignment": alignment,
        **evaluation,
        "explanations": explanations,
        "docs": {"train": run.corpus.train_docs, "heldout": run.corpus.heldout_docs},
        "sentences": {
            "train": len(run.corpus.train),
            "heldout": len(run.corpus.heldout),
        },
        "tokens": {
            "train": int(len(batch.activations)),
            "heldout": int(len(run.held.batch.activations)),
        },
        "seconds": {name: round(value, 1) for name, value in run.seconds.items()},
        "args": {
            k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
        },
    }
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


def collect_and_train(args: argparse.Namespace) -> Run:
    """Steps 1 and 2: token activations and the SAE."""
    clock = time.perf_counter()
    corpus = read_corpus(
        args.corpus,
        docs=args.docs,
        heldout_fraction=args.heldout,
        seed=args.seed,
        offset=args.sample_offset,
    )
    reader = LayerReader(layer=args.layer, max_tokens=args.max_tokens)
    train_batch = reader.read(corpus.train, show_progress=True)
    held_batch = reader.read(corpus.heldout, show_progress=True)
    activations_s = time.perf_counter() - clock
    logger.info(
        "activations train_tokens=%d heldout_tokens=%d seconds=%.0f",
        len(train_batch.activations),
        len(held_batch.activations),
        activations_s,
    )
    clock = time.perf_counter()
    config = TopKSAEConfig(
        n_features=args.features,
        k=args.k,
        epochs=args.epochs,
        lr=args.lr,
        seed=args.seed,
    )
    trained = train_topk_sae(train_batch.activations, config, show_progress=True)
    training_s = time.perf_counter() - clock
    values, indices = trained.activations(train_batch.activations)
    keep = max(args.snippets, args.top_token_rows)
    tops = top_rows(values, indices, train_batch.text_of, args.features, keep)
    window = {"before": args.before, "after": args.after}
    return Run(
        args=args,
        rng=np.random.default_rng(args.seed),
        corpus=corpus,
        reader=reader,
        train=Tokens(train_batch, reader.tokenizer, **window),
        held=Tokens(held_batch, reader.tokenizer, **window),
        trained=trained,
        tops=tops,
        seconds={"activations": activations_s, "sae_training": training_s},
    )


def fit_space_alignment(run: Run, client: ConceptKGClient) -> dict[str, Any]:
    """Step 3: register the layer's space and fit its alignment by the API."""
    batch = run.train.batch
    space = space_name(run.args)
    client.register_space(space, int(batch.activations.shape[1]))
    clock = time.perf_counter()
    # Only sentences the layer read whole: a truncated one's pooled vector
    # would not match the embedding of its full text.
    lengths = np.bincount(batch.text_of, minlength=len(run.corpus.train))
    whole = np.flatnonzero(lengths < run.args.max_tokens - 2)
    count = min(run.args.alignment_pairs, len(whole))
    rows = np.sort(run.rng.choice(whole, count, replace=False))
    vectors = batch.pooled[rows]
    texts = [run.corpus.train[int(row)] for row in rows]
    if run.args.alignment_words:
        word_vectors, words = word_pairs(
            batch, run.reader.tokenizer, run.args.alignment_words, run.rng
        )
        vectors = np.concatenate([vectors, word_vectors])
        texts += words
    fitted = client.fit_alignment(
        space, vectors.tolist(), texts, alpha=run.args.alpha, batch_size=500
    )
    run.seconds["alignment"] = time.perf_counter() - clock
    return {
        "pairs": int(fitted.pairs),
        "heldout_cosine": round(fitted.space.heldout_cosine, 4),
        "heldout_accuracy_at_1": round(fitted.space.heldout_accuracy_at_1, 4),
    }


def upload_and_name(
    run: Run, client: ConceptKGClient
) -> tuple[dict[str, dict[int, Any]], dict[str, float]]:
    """Step 4: register and upload the SAE, name every live feature three ways."""
    clock = time.perf_counter()
    client.register_sae(space_name(run.args), SAE_NAME, run.args.features)
    snippets = {
        feature: [
            (run.train.context(row), value) for row, value in rows[: run.args.snippets]
        ]
        for feature, rows in run.tops.items()
    }
    client.upload_features(
        SAE_NAME, directions=run.trained.decoder_directions(), snippets=snippets
    )
    run.seconds["upload"] = time.perf_counter() - clock
    names: dict[str, dict[int, Any]] = {}
    rates: dict[str, float] = {}
    for method in METHODS:
        names[method], rates[method], elapsed = timed_naming(run, client, method)
        run.seconds[f"naming_{method}"] = elapsed
    return names, rates


def explanation_report(run: Run, client: ConceptKGClient) -> dict[str, Any]:
    """Step 6: the GPT-2 small explanations, tagged, and their coverage."""
    clock = time.perf_counter()
    reports = import_explanations(
        client, run.args.explanations, source=ExplanationSource()
    )
    run.seconds["explanations"] = time.perf_counter() - clock
    total = sum(r.explanations for r in reports)
    return {
        "explanations": total,
        "coverage": round(sum(r.covered for r in reports) / total, 4),
        "layers": {
            str(r.layer): {
                "explanations": r.explanations,
                "coverage": round(r.fraction, 4),
                "common": r.common[:5],
            }
            for r in reports
        },
    }


if __name__ == "__main__":
    sys.exit(main())
