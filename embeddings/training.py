"""The R-GCN training loop: validation, early stopping, checkpoints and resume.

A run lives in one folder: ``config.json`` (the RGCNConfig), ``checkpoint.pt``
(the newest state: model, optimizer, random generators, position in the
epoch), ``best.pt`` (the model with the best validation MRR), and at the end
``entities.npy`` / ``relations.npy`` with ``entities.txt`` / ``relations.txt``
and ``train.npy`` (what PredictEdges and the embedding set are made of),
``metrics.json`` and ``curve.png``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from embeddings.curves import save_training_curve
from embeddings.kg_datasets import TripleDataset
from embeddings.link_eval import KnownAnswers, evaluate_link_prediction
from embeddings.rgcn import RGCNLinkPredictor, message_edges
from embeddings.run_files import (
    BEST_FILE,
    CHECKPOINT_FILE,
    CONFIG_FILE,
    CURVE_FILE,
    ENTITIES_FILE,
    ENTITY_NAMES_FILE,
    METRICS_FILE,
    RELATION_NAMES_FILE,
    RELATIONS_FILE,
    TRAIN_FILE,
    save_torch,
    write_atomically,
)
from embeddings.training_config import RGCNConfig
from embeddings.training_steps import StepData, epoch_order, step_loss, steps_per_epoch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """One report of a run: after an epoch, and after each validation."""

    epoch: int
    step: int
    loss: float | None
    metrics: dict[str, Any] | None
    elapsed_s: float


@dataclass
class TrainingResult:
    """What a finished (or stopped) run reached."""

    epochs: int
    steps: int
    train_seconds: float
    seconds_per_epoch: float
    device: str
    stopped: str  # completed, early_stopped or cancelled
    best_epoch: int
    valid: dict[str, Any]
    test: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _State:
    epoch: int = 0
    step_in_epoch: int = 0
    global_step: int = 0
    order: torch.Tensor | None = None
    epoch_loss: float = 0.0
    epoch_steps: int = 0
    best_mrr: float = -1.0
    best_epoch: int = 0
    stale_evals: int = 0
    train_seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)


def pick_device(name: str) -> torch.device:
    """``cuda`` when asked for or (``auto``) when a GPU is present, else CPU."""
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


def select_relations(dataset: TripleDataset, relations: list[str]) -> TripleDataset:
    """The dataset restricted to some relations (all when the list is empty).

    Raises:
        DatasetError: a relation the dataset does not have.
    """
    if not relations:
        return dataset
    wanted = np.asarray([dataset.relation_index(name) for name in relations])

    def keep(triples: np.ndarray) -> np.ndarray:
        return triples[np.isin(triples[:, 1], wanted)]

    return TripleDataset(
        dataset.name,
        dataset.entities,
        dataset.relations,
        keep(dataset.train),
        keep(dataset.valid),
        keep(dataset.test),
        dataset.entity_ids,
    )


class RGCNTrainer:
    """Trains, validates and checkpoints one R-GCN run in ``run_dir``.

    Args:
        config: the run's configuration (written to ``run_dir/config.json``).
        dataset: the triples; must be the dataset ``config.dataset`` names.
        run_dir: the run's folder (created if missing).
        on_progress: called after every epoch and validation.
        should_stop: polled after every step; True cancels the run (its
            newest state is checkpointed first).
        show_progress: draw a progress bar of steps.
    """

    def __init__(
        self,
        config: RGCNConfig,
        dataset: TripleDataset,
        run_dir: Path,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        show_progress: bool = False,
    ) -> None:
        self.config = config
        self.dataset = select_relations(dataset, config.relations)
        self.run_dir = run_dir
        self._on_progress = on_progress
        self._should_stop = should_stop or (lambda: False)
        self._show_progress = show_progress
        self.device = pick_device(config.device)
        torch.manual_seed(config.seed)
        self.generator = torch.Generator().manual_seed(config.seed)
        data = self.dataset
        self.model = RGCNLinkPredictor(
            data.num_entities,
            data.num_relations,
            hidden=config.hidden,
            num_layers=config.num_layers,
            num_bases=config.num_bases if config.decomposition == "basis" else None,
            num_blocks=config.num_blocks if config.decomposition == "block" else None,
            dropout=config.dropout,
        ).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        train = torch.as_tensor(data.train, device=self.device)
        self.steps = StepData(
            train=train,
            full_edges=message_edges(train, data.num_relations, data.num_entities),
            queries=KnownAnswers.from_triples(data.train, data.num_relations),
            num_entities=data.num_entities,
            num_base_relations=data.num_relations,
        )
        self.known = KnownAnswers.from_triples(
            np.concatenate([data.train, data.valid, data.test]), data.num_relations
        )
        valid = data.valid
        if config.eval_valid_size and config.eval_valid_size < len(valid):
            chosen = np.random.default_rng(config.seed).choice(
                len(valid), config.eval_valid_size, replace=False
            )
            valid = valid[np.sort(chosen)]
        self._valid_subset = valid
        self._amp = config.amp and self.device.type == "cuda"
        self._scaler = torch.amp.GradScaler("cuda", enabled=self._amp)
        self._state = _State()
        run_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(
            run_dir / CONFIG_FILE, config.model_dump_json(indent=2).encode()
        )

    @classmethod
    def resume(
        cls,
        run_dir: Path,
        dataset: TripleDataset,
        **options: Any,
    ) -> RGCNTrainer:
        """A trainer that continues the run saved in ``run_dir``.

        The config comes from ``run_dir/config.json``; the model, optimizer,
        random generators and position from ``checkpoint.pt``, so the run
        follows the same trajectory as one that was never interrupted.

        Raises:
            FileNotFoundError: the folder holds no config or checkpoint.
        """
        config = RGCNConfig.model_validate_json((run_dir / CONFIG_FILE).read_text())
        trainer = cls(config, dataset, run_dir, **options)
        trainer._load_checkpoint(run_dir / CHECKPOINT_FILE)
        return trainer

    def fit(self) -> TrainingResult:
        """Train until the last epoch, early stopping or cancellation."""
        config, state = self.config, self._state
        per_epoch = steps_per_epoch(config, self.steps)
        stopped = "completed"
        total = config.epochs * per_epoch
        bar = tqdm(
            total=total, initial=state.global_step, disable=not self._show_progress
        )
        logger.info(
            "training_started dataset=%s device=%s entities=%d relations=%d "
            "train=%d steps_per_epoch=%d",
            self.dataset.name,
            self.device,
            self.dataset.num_entities,
            self.dataset.num_relations,
            len(self.dataset.train),
            per_epoch,
        )
        with bar:
            while state.epoch < config.epochs and stopped == "completed":
                if state.order is None:
                    state.order = epoch_order(config, self.steps, self.generator)
                while state.step_in_epoch < per_epoch:
                    loss = self._step(per_epoch)
                    bar.update(1)
                    bar.set_postfix(epoch=state.epoch + 1, loss=f"{loss:.4f}")
                    if self._due_checkpoint():
                        self._save_checkpoint()
                    if self._should_stop():
                        stopped = "cancelled"
                        break
                if stopped == "cancelled":
                    self._save_checkpoint()
                    break
                stopped = self._end_epoch()
        return self._finish(stopped)

    def _step(self, per_epoch: int) -> float:
        config, state = self.config, self._state
        assert state.order is not None
        size = -(-len(state.order) // per_epoch)
        items = state.order[
            state.step_in_epoch * size : (state.step_in_epoch + 1) * size
        ]
        started = time.perf_counter()
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            loss = step_loss(self.model, config, self.steps, items, self.generator)
        self._scaler.scale(loss).backward()  # type: ignore[no-untyped-call]
        self._scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.grad_clip)
        self._scaler.step(self.optimizer)
        self._scaler.update()
        value = float(loss.detach())
        state.train_seconds += time.perf_counter() - started
        state.epoch_loss += value
        state.epoch_steps += 1
        state.step_in_epoch += 1
        state.global_step += 1
        return value

    def _end_epoch(self) -> str:
        config, state = self.config, self._state
        loss = state.epoch_loss / max(1, state.epoch_steps)
        state.epoch += 1
        state.step_in_epoch, state.order = 0, None
        state.epoch_loss, state.epoch_steps = 0.0, 0
        record: dict[str, Any] = {"epoch": state.epoch, "loss": loss}
        logger.info(
            "epoch_done epoch=%d loss=%.5f train_s=%.1f",
            state.epoch,
            loss,
            state.train_seconds,
        )
        stopped = "completed"
        metrics = None
        if state.epoch % config.eval_every == 0 or state.epoch == config.epochs:
            metrics = self.evaluate(self._valid_subset)
            record["valid_mrr"] = metrics["mrr"]
            if metrics["mrr"] > state.best_mrr:
                state.best_mrr, state.best_epoch, state.stale_evals = (
                    metrics["mrr"],
                    state.epoch,
                    0,
                )
                save_torch(self.run_dir / BEST_FILE, self.model.state_dict())
            else:
                state.stale_evals += 1
                if state.stale_evals >= config.patience:
                    stopped = "early_stopped"
            logger.info(
                "validation epoch=%d mrr=%.4f hits_at_10=%.4f best_mrr=%.4f "
                "best_epoch=%d",
                state.epoch,
                metrics["mrr"],
                metrics["hits_at_10"],
                state.best_mrr,
                state.best_epoch,
            )
        state.history.append(record)
        if metrics is not None and not config.checkpoint_every:
            self._save_checkpoint()
        if self._on_progress is not None:
            self._on_progress(
                Progress(state.epoch, state.global_step, loss, metrics, self._elapsed())
            )
        return stopped

    @torch.no_grad()
    def entity_embeddings(self) -> torch.Tensor:
        """Every entity's embedding over the whole training graph, (N, hidden)."""
        self.model.eval()
        with self._autocast():
            entities: torch.Tensor = self.model.encoder(self.steps.full_edges)
        return entities.float()

    def evaluate(self, triples: np.ndarray) -> dict[str, Any]:
        """Filtered MRR / Hits@k of triples under the current model."""
        entities = self.entity_embeddings()
        decoder = self.model.decoder

        def score_all(heads: torch.Tensor, relations: torch.Tensor) -> torch.Tensor:
            return decoder.score_all(entities, heads, relations)

        return evaluate_link_prediction(
            score_all,
            triples,
            self.known,
            num_entities=self.dataset.num_entities,
            num_base_relations=self.dataset.num_relations,
            device=self.device,
        )

    def _finish(self, stopped: str) -> TrainingResult:
        state = self._state
        if (self.run_dir / BEST_FILE).is_file():
            self.model.load_state_dict(
                torch.load(self.run_dir / BEST_FILE, map_location=self.device)
            )
        valid = self.evaluate(self.dataset.valid) if len(self.dataset.valid) else {}
        test = self.evaluate(self.dataset.test) if len(self.dataset.test) else {}
        entities = self.entity_embeddings().cpu().numpy()
        relations = self.model.decoder.relation.detach().float().cpu().numpy()
        np.save(self.run_dir / ENTITIES_FILE, entities)
        np.save(self.run_dir / RELATIONS_FILE, relations)
        np.save(self.run_dir / TRAIN_FILE, self.dataset.train)
        names = {ENTITY_NAMES_FILE: self.dataset.entities}
        names[RELATION_NAMES_FILE] = self.dataset.relations
        for file_name, values in names.items():
            write_atomically(self.run_dir / file_name, "\n".join(values).encode())
        epochs = max(1, state.epoch)
        result = TrainingResult(
            epochs=state.epoch,
            steps=state.global_step,
            train_seconds=round(state.train_seconds, 2),
            seconds_per_epoch=round(state.train_seconds / epochs, 3),
            device=str(self.device),
            stopped=stopped,
            best_epoch=state.best_epoch,
            valid=valid,
            test=test,
            history=state.history,
        )
        write_atomically(
            self.run_dir / METRICS_FILE, json.dumps(asdict(result), indent=2).encode()
        )
        save_training_curve(state.history, self.run_dir / CURVE_FILE)
        logger.info(
            "training_finished stopped=%s epochs=%d test_mrr=%s train_s=%.1f",
            stopped,
            state.epoch,
            test.get("mrr"),
            state.train_seconds,
        )
        return result

    def _due_checkpoint(self) -> bool:
        every = self.config.checkpoint_every
        return bool(every) and self._state.global_step % every == 0

    def _save_checkpoint(self) -> None:
        state = self._state
        save_torch(
            self.run_dir / CHECKPOINT_FILE,
            {
                "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scaler": self._scaler.state_dict(),
                "generator": self.generator.get_state(),
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all()
                if torch.cuda.is_available()
                else [],
                "state": asdict(state),
            },
        )
        logger.debug("checkpoint_saved step=%d", state.global_step)

    def _load_checkpoint(self, path: Path) -> None:
        saved = torch.load(path, map_location=self.device, weights_only=False)
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self._scaler.load_state_dict(saved["scaler"])
        self.generator.set_state(saved["generator"])
        torch.set_rng_state(saved["torch_rng"])
        if saved["cuda_rng"]:
            torch.cuda.set_rng_state_all(saved["cuda_rng"])
        self._state = _State(**saved["state"])
        logger.info(
            "training_resumed epoch=%d step=%d",
            self._state.epoch,
            self._state.global_step,
        )

    def _autocast(self) -> AbstractContextManager[Any]:
        if not self._amp:
            return nullcontext()
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.autocast("cuda", dtype=dtype)

    def _elapsed(self) -> float:
        return self._state.train_seconds
