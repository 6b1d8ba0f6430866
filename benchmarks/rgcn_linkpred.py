"""R-GCN link prediction on a real benchmark, and the layer against RGCNConv.

Trains with the dataset's chosen config (``PRESETS``; ``--config`` and flags
override it) through the same trainer as ``conceptkg train rgcn``, evaluates
with the filtered protocol on the test split, and prints one JSON line:
``dataset, mrr, hits_at_1, hits_at_3, hits_at_10, epochs, train_seconds,
seconds_per_epoch, device`` and more.

``--compare`` (default on) also times full-graph training steps of this
project's layer and of torch-geometric's ``RGCNConv`` with the same model
size, in child processes of this run, each with and without the glibc
malloc tunables the workers use, on WN18RR (small enough for RGCNConv).

    .venv/bin/python benchmarks/rgcn_linkpred.py --dataset fb15k-237
    .venv/bin/python benchmarks/rgcn_linkpred.py --dataset wn18rr --epochs 50
    .venv/bin/python benchmarks/rgcn_linkpred.py --budget-minutes 120   # then test
    .venv/bin/python benchmarks/rgcn_linkpred.py --resume RUN_DIR --epochs 80

With ``--budget-minutes`` training stops after that long (``"stopped":
"cancelled"``) and the best validation checkpoint is tested as usual.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.training_launcher import MALLOC_TUNABLES  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
# The configs this benchmark reports; every field is an RGCNConfig field.
PRESETS: dict[str, dict[str, Any]] = {
    "fb15k-237": {
        "scoring": "one_to_n",
        "hidden": 200,
        "decomposition": "block",
        "num_blocks": 40,
        "batch_size": 2048,
        "lr": 0.01,
        "label_smoothing": 0.1,
        "dropout": 0.2,
        "edge_dropout": 0.3,
        "self_loop_dropout": 0.0,
        "regularization": 0.0,
        "epochs": 200,
        "eval_every": 2,
        "eval_valid_size": 2000,
        "patience": 5,
    },
    "wn18rr": {
        "scoring": "one_to_n",
        "hidden": 200,
        "decomposition": "basis",
        "num_bases": 4,
        "batch_size": 2048,
        "candidates": 4096,
        "lr": 0.01,
        "label_smoothing": 0.1,
        "dropout": 0.2,
        "edge_dropout": 0.3,
        "self_loop_dropout": 0.0,
        "regularization": 0.0,
        "epochs": 60,
        "eval_every": 4,
        "patience": 3,
    },
    "cn100k": {
        "scoring": "one_to_n",
        "hidden": 200,
        "decomposition": "basis",
        "num_bases": 10,
        "batch_size": 2048,
        "candidates": 4096,
        "lr": 0.01,
        "label_smoothing": 0.1,
        "dropout": 0.2,
        "edge_dropout": 0.3,
        "self_loop_dropout": 0.0,
        "regularization": 0.0,
        "epochs": 40,
        "eval_every": 4,
        "patience": 3,
    },
}


def time_layer_steps(layer: str, steps: int) -> dict[str, Any]:
    """Seconds per full-graph step (forward, backward, Adam) on WN18RR.

    Both layers get hidden 200, basis decomposition with 4 bases, one layer,
    inverse relations and a DistMult loss over all training triples with one
    negative each, so the work per step is the same model's.
    """
    import torch
    from torch_geometric.nn import RGCNConv

    from embeddings.kg_datasets import load_benchmark
    from embeddings.rgcn import RelationalGraphConv, message_edges

    torch.manual_seed(0)
    data = load_benchmark("wn18rr", DATA)
    train = torch.as_tensor(data.train)
    relations = 2 * data.num_relations
    edges = message_edges(train, data.num_relations, data.num_entities)
    embedding = torch.nn.Parameter(torch.randn(data.num_entities, 200) * 0.05)
    decoder = torch.nn.Parameter(torch.randn(relations, 200) * 0.05)
    if layer == "rgcnconv":
        conv: torch.nn.Module = RGCNConv(200, 200, relations, num_bases=4, aggr="mean")
    else:
        conv = RelationalGraphConv(200, 200, relations, num_bases=4)
    parameters = [embedding, decoder, *conv.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=0.01)
    negatives = train.clone()
    negatives[:, 2] = torch.randint(data.num_entities, (len(train),))
    scored = torch.cat([train, negatives])
    labels = torch.cat([torch.ones(len(train)), torch.zeros(len(train))])
    timings = []
    for _ in range(steps + 1):
        started = time.perf_counter()
        optimizer.zero_grad()
        if layer == "rgcnconv":
            h = conv(embedding, edges.edge_index, edges.edge_type)
        else:
            h = conv(embedding, edges)
        logits = (h[scored[:, 0]] * decoder[scored[:, 1]] * h[scored[:, 2]]).sum(1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
        loss.backward()
        optimizer.step()
        timings.append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "layer": layer,
        "seconds_per_step": round(sum(timings[1:]) / steps, 3),
        "first_step_s": round(timings[0], 3),
        "peak_rss_mb": round(peak_mb, 1),
    }


def compare_layers(steps: int) -> dict[str, Any]:
    """Run :func:`time_layer_steps` in child processes, with and without tunables."""
    result: dict[str, Any] = {"graph": "wn18rr", "hidden": 200, "num_bases": 4}
    for layer in ("ours", "rgcnconv"):
        for tuned in (True, False):
            environment = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
            if tuned:
                environment["GLIBC_TUNABLES"] = MALLOC_TUNABLES
            command = [sys.executable, __file__, "--time-layer", layer]
            command += ["--steps", str(steps)]
            output = subprocess.run(
                command, env=environment, capture_output=True, text=True, check=True
            ).stdout
            key = f"{layer}_{'tuned' if tuned else 'default_malloc'}"
            result[key] = json.loads(output.strip().splitlines()[-1])
    ours = result["ours_tuned"]["seconds_per_step"]
    result["rgcnconv_over_ours"] = round(
        result["rgcnconv_tuned"]["seconds_per_step"] / ours, 2
    )
    result["default_malloc_over_tuned"] = round(
        result["ours_default_malloc"]["seconds_per_step"] / ours, 2
    )
    return result


def train(args: argparse.Namespace) -> dict[str, Any]:
    """Train and evaluate the chosen config; the figures of the JSON line."""
    from embeddings.kg_datasets import load_benchmark
    from embeddings.run_files import CONFIG_FILE, write_atomically
    from embeddings.training import RGCNTrainer
    from embeddings.training_config import RGCNConfig

    started = time.perf_counter()
    budget_s = args.budget_minutes * 60.0

    def over_budget() -> bool:
        return bool(budget_s) and time.perf_counter() - started > budget_s

    # Past the budget the trainer cancels after the step in progress, then
    # tests its best validation checkpoint as at any other end.
    options: dict[str, Any] = {
        "should_stop": over_budget,
        "show_progress": args.progress,
    }
    if args.resume:
        run_dir = args.resume
        config_file = run_dir / CONFIG_FILE
        config = RGCNConfig.model_validate_json(config_file.read_text())
        if args.epochs:
            # The epoch cap is the one field a resumed run may change; the
            # rest must stay as trained for the trajectory to continue.
            config = config.model_copy(update={"epochs": args.epochs})
            write_atomically(config_file, config.model_dump_json(indent=2).encode())
        dataset = load_benchmark(config.dataset, DATA)
        trainer = RGCNTrainer.resume(run_dir, dataset, **options)
    else:
        values = {**PRESETS[args.dataset], "dataset": args.dataset}
        if args.config:
            values.update(json.loads(args.config))
        if args.epochs:
            values["epochs"] = args.epochs
        config = RGCNConfig.model_validate(values)
        dataset = load_benchmark(args.dataset, DATA)
        run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix=f"rgcn-{args.dataset}-"))
        trainer = RGCNTrainer(config, dataset, run_dir, **options)
    result = trainer.fit()
    return {
        "dataset": config.dataset,
        "mrr": round(result.test["mrr"], 4),
        "hits_at_1": round(result.test["hits_at_1"], 4),
        "hits_at_3": round(result.test["hits_at_3"], 4),
        "hits_at_10": round(result.test["hits_at_10"], 4),
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "stopped": result.stopped,
        "train_seconds": result.train_seconds,
        "seconds_per_epoch": result.seconds_per_epoch,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "device": result.device,
        "valid_mrr": round(result.valid["mrr"], 4),
        "test_by_direction": result.test["tail"] | {"head": result.test["head"]},
        "valid_curve": [
            (r["epoch"], round(r["valid_mrr"], 4))
            for r in result.history
            if "valid_mrr" in r
        ],
        "run_dir": str(run_dir),
        "config": config.model_dump(),
        "malloc_tunables": "GLIBC_TUNABLES" in os.environ,
    }


def evaluate_run(run_dir: Path) -> dict[str, Any]:
    """Test figures of a run's best model so far (for a run still in progress).

    Reads the run's config and ``best.pt`` and evaluates on the full test
    split; the training log holds the epochs and times that led there.
    """
    import torch

    from embeddings.kg_datasets import load_benchmark
    from embeddings.run_files import BEST_FILE, CONFIG_FILE
    from embeddings.training import RGCNTrainer
    from embeddings.training_config import RGCNConfig

    config = RGCNConfig.model_validate_json((run_dir / CONFIG_FILE).read_text())
    dataset = load_benchmark(config.dataset, DATA)
    with tempfile.TemporaryDirectory() as scratch:
        trainer = RGCNTrainer(config, dataset, Path(scratch))
    trainer.model.load_state_dict(torch.load(run_dir / BEST_FILE))
    test = trainer.evaluate(dataset.test)
    return {
        "dataset": config.dataset,
        "run_dir": str(run_dir),
        "mrr": round(test["mrr"], 4),
        "hits_at_1": round(test["hits_at_1"], 4),
        "hits_at_3": round(test["hits_at_3"], 4),
        "hits_at_10": round(test["hits_at_10"], 4),
        "partial": True,
    }


def main() -> int:
    """Parse flags, train (and compare), print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(PRESETS), default="fb15k-237")
    parser.add_argument("--config", help="JSON object of RGCNConfig overrides")
    parser.add_argument("--epochs", type=int, default=0)
    parser.add_argument("--run-dir", type=Path)
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue a run from its checkpoint (--epochs raises its epoch cap)",
    )
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=0.0,
        help="stop training after this long and test the best checkpoint; 0 = none",
    )
    parser.add_argument("--progress", action="store_true")
    parser.add_argument(
        "--no-compare", dest="compare", action="store_false", default=True
    )
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--time-layer", choices=["ours", "rgcnconv"])
    parser.add_argument(
        "--evaluate-run", type=Path, help="test figures of a run's best.pt so far"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    if args.time_layer:
        sys.stdout.write(json.dumps(time_layer_steps(args.time_layer, args.steps)))
        sys.stdout.write("\n")
        return 0
    if args.evaluate_run:
        sys.stdout.write(json.dumps(evaluate_run(args.evaluate_run)) + "\n")
        return 0
    if "GLIBC_TUNABLES" not in os.environ:
        # The workers train with these; so does this benchmark.
        environment = {**os.environ, "GLIBC_TUNABLES": MALLOC_TUNABLES}
        os.execve(sys.executable, [sys.executable, *sys.argv], environment)
    result = train(args)
    if args.compare:
        result["layer_comparison"] = compare_layers(args.steps)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
