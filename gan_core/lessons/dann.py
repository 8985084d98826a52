"""Lesson 8 as a step-wise trainer a ``TrainingSession`` can drive: on the same minibatches it trains

* a **source-only** classifier (labelled source data only: the model that suffers from the shift),
* **DANN** (Ganin et al. 2016): the same classifier plus a domain head behind a gradient-reversal layer, fed
  labelled source and *unlabelled* target batches, so its features become useless for telling the domains apart,
* a **domain discriminator** on the raw inputs (adversarial validation): its held-out ROC AUC measures the shift.

Target labels are used only to evaluate. ``run_shift_experiment`` is the headless comparison behind
``python -m gan_core shift``.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gan_core.checks import DictConfig, choice, float_range, int_range, run_keys
from gan_core.classifiers import KINDS, build_classifier, evaluate_accuracy
from gan_core.config import LiveKnobs
from gan_core.data.dataset import Batcher
from gan_core.device import resolve_device
from gan_core.lessons.shift import (
    SHIFTS,
    build_shift_data,
    dann_lambda,
    grad_reverse,
    per_class_accuracy,
    roc_auc,
    thumbnails,
)
from gan_core.seeding import seeded

LIVE_KEYS = frozenset({"lr", "domain_weight", "warmup_steps", "batch_size", "eval_every", "log_every",
                       "snapshot_every", "checkpoint_every", "max_steps", "max_seconds"})
EVAL_ITEMS = 1000   # test items per domain behind the live curves
VIEW_ITEMS = 300    # items per domain in the feature projection
TOP_K = 10          # pictures of the most / least target-like inputs


@dataclass
class ShiftConfig(DictConfig):
    """Every knob of one distribution-shift run (images in [0, 1])."""

    dataset: str = "digits"
    data_root: str = ""
    shift: str = "rotate"
    strength: float = 0.5
    kind: str = "cnn"
    lr: float = 1e-3
    batch_size: int = 64
    domain_weight: float = 0.3    # lambda of the gradient reversal once warmed up (0.3: steadiest on digits)
    warmup_steps: int = 1000      # steps over which lambda rises from 0 (Ganin et al.'s schedule)
    seed: int = 0
    device: str = "auto"
    max_steps: int = 0
    max_seconds: float = 0.0
    log_every: int = 10
    snapshot_every: int = 100
    eval_every: int = 50
    checkpoint_every: int = 1000

    LIVE_KEYS = LIVE_KEYS

    def validate(self) -> ShiftConfig:
        """Raise ValueError naming the first bad key, its value and what is allowed; return self."""
        choice("shift", self.shift, SHIFTS)
        choice("kind", self.kind, KINDS)
        if not isinstance(self.dataset, str) or not self.dataset:
            raise ValueError(f"dataset={self.dataset!r} is not allowed; name a labelled image dataset")
        float_range("strength", self.strength, 0.0, 1.0)
        float_range("lr", self.lr, 1e-6, 1.0)
        float_range("domain_weight", self.domain_weight, 0.0, 10.0)
        int_range("batch_size", self.batch_size, 2, 4096)
        int_range("warmup_steps", self.warmup_steps, 0, 10**7)
        run_keys(self)
        return self


class DANNNet(nn.Module):
    """A classifier (``features`` -> ``head``) with a domain head on its features. Shapes: x (B, C, H, W) ->
    ``forward`` (B, classes), ``features`` (B, F), ``domain_logits(x, lambd)`` (B,) (1 = target)."""

    def __init__(self, classifier: nn.Module, hidden: int = 64):
        super().__init__()
        self.classifier = classifier
        width = classifier.head.in_features
        self.domain = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)

    def domain_logits(self, h: torch.Tensor, lambd: float) -> torch.Tensor:
        """The domain head on features ``h`` (B, F) behind gradient reversal of strength ``lambd``."""
        return self.domain(grad_reverse(h, lambd)).squeeze(1)


@dataclass(frozen=True)
class ShiftView:
    """A frozen picture of a shift run: features of both models projected to 2-D, per-class accuracies, the
    inputs the domain discriminator finds most and least target-like. Arrays are numpy copies."""

    kind: str
    step: int
    png: bytes | None = None
    domain: np.ndarray | None = None          # (n,) 0 = source, 1 = target, for both projections
    labels: np.ndarray | None = None          # (n,) class of each projected item
    proj_before: np.ndarray | None = None     # (n, 2) PCA of the source-only classifier's features
    proj_after: np.ndarray | None = None      # (n, 2) PCA of DANN's features
    probe_before: float = float("nan")        # held-out linear-probe accuracy telling the domains apart
    probe_after: float = float("nan")
    per_class: dict = field(default_factory=dict)   # {"so_source", "so_target", "dann_source", "dann_target"}
    class_names: tuple = ()
    domain_auc: float = float("nan")
    target_like: np.ndarray | None = None     # (k, H', W'[, 3]) uint8: source test items with the highest p(target)
    target_like_p: np.ndarray | None = None
    source_like: np.ndarray | None = None     # target test items with the lowest p(target)
    source_like_p: np.ndarray | None = None


class DANNTrainer(LiveKnobs):
    """Source-only classifier, DANN and domain discriminator trained in lockstep on the same batches."""

    def __init__(self, config: ShiftConfig, device: torch.device | str | None = None, data: Any = None):
        self.config = config.validate()
        self.device = resolve_device(device if device is not None else config.device)
        if data is None:
            data = build_shift_data(config.dataset, config.shift, config.strength, data_root=config.data_root,
                                    seed=config.seed)
        self.data = data.to(self.device)
        self.num_classes = data.num_classes
        shape = tuple(data.source_x.shape[1:])
        with seeded(config.seed):
            self.source_only = build_classifier(config.kind, shape, self.num_classes).to(self.device)
            self.dann = DANNNet(copy.deepcopy(self.source_only)).to(self.device)   # the same initial weights
            self.critic = build_classifier(config.kind, shape, 2).to(self.device)  # 0 = source, 1 = target
        self.opts = {name: torch.optim.Adam(net.parameters(), lr=config.lr)
                     for name, net in self.nets().items()}
        self.source = Batcher(self.data.source_x, self.data.source_y, config.batch_size, seed=config.seed + 1)
        self.target = Batcher(self.data.target_x, None, config.batch_size, seed=config.seed + 2)  # no labels
        n = min(EVAL_ITEMS, len(self.data.source_test_x), len(self.data.target_test_x))
        self.eval_sets = {"source": (self.data.source_test_x[:n], self.data.source_test_y[:n]),
                          "target": (self.data.target_test_x[:n], self.data.target_test_y[:n])}
        self.step_count = 0
        self.images_per_step = 2 * config.batch_size

    def nets(self) -> dict[str, nn.Module]:
        return {"source_only": self.source_only, "dann": self.dann, "critic": self.critic}

    @property
    def lambd(self) -> float:
        cfg = self.config
        return dann_lambda(self.step_count / cfg.warmup_steps if cfg.warmup_steps else 1.0, cfg.domain_weight)

    def _update(self, name: str, loss: torch.Tensor) -> None:
        opt = self.opts[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def step(self, part: str = "both", *, sync: bool = True) -> dict[str, float]:
        """One update of each of the three networks on one source batch and one target batch.

        Returns ``cls_loss``, ``domain_loss``, ``domain_acc`` (DANN's domain head on the batch), ``lambda``,
        ``so_loss``, ``critic_loss``; on evaluation steps (step 1 and every ``eval_every``) also the test
        accuracies and ``domain_auc`` (see :meth:`evaluate`). ``{}`` when not ``sync`` and not evaluating.
        """
        if part not in ("both", "d", "g"):
            raise ValueError(f"part={part!r} is not allowed; choose one of: both, d, g")
        xs, ys = self.source.next()
        xt, _ = self.target.next()
        b = len(xs)
        domain = torch.cat([torch.zeros(b, device=self.device), torch.ones(len(xt), device=self.device)])
        lam = self.lambd
        for net in self.nets().values():
            net.train()
        so_loss = F.cross_entropy(self.source_only(xs), ys)
        self._update("source_only", so_loss)
        if self.should_stop():   # between the three networks' updates: a Stop lands within one of them
            return {}
        h = self.dann.features(torch.cat([xs, xt]))                    # (2B, F)
        cls_loss = F.cross_entropy(self.dann.classifier.head(h[:b]), ys)
        d_logits = self.dann.domain_logits(h, lam)
        domain_loss = F.binary_cross_entropy_with_logits(d_logits, domain)
        self._update("dann", cls_loss + domain_loss)
        if self.should_stop():
            return {}
        critic_loss = F.cross_entropy(self.critic(torch.cat([xs, xt])), domain.long())
        self._update("critic", critic_loss)
        self.step_count += 1
        evaluate = self.step_count == 1 or self.step_count % self.config.eval_every == 0
        if not sync and not evaluate:
            return {}
        out = torch.stack([so_loss.detach(), cls_loss.detach(), domain_loss.detach(), critic_loss.detach(),
                           ((d_logits.detach() > 0).float() == domain).float().mean()]).tolist()
        metrics = dict(zip(("so_loss", "cls_loss", "domain_loss", "critic_loss", "domain_acc"), out, strict=True))
        metrics["lambda"] = lam
        if evaluate:
            metrics.update(self.evaluate())
        return metrics

    @torch.no_grad()
    def critic_scores(self, x: torch.Tensor) -> torch.Tensor:
        """p(target) of the domain discriminator for inputs ``x`` (N, C, H, W) -> (N,), eval mode restored."""
        was = self.critic.training
        self.critic.eval()
        try:
            return torch.cat([self.critic(x[i:i + 1000]).softmax(1)[:, 1] for i in range(0, len(x), 1000)])
        finally:
            self.critic.train(was)

    def evaluate(self, full: bool = False) -> dict[str, float]:
        """Test accuracies of both models on both domains and the discriminator's held-out ROC AUC.

        Keys: ``source_acc``, ``target_acc`` (DANN), ``so_source_acc``, ``so_target_acc`` (source only),
        ``domain_auc``. ``full``: every test item kept in ``data`` instead of the first EVAL_ITEMS.
        """
        d = self.data
        sets = {"source": (d.source_test_x, d.source_test_y), "target": (d.target_test_x, d.target_test_y)} \
            if full else self.eval_sets
        out = {}
        for dom, (x, y) in sets.items():
            out[f"{dom}_acc"] = evaluate_accuracy(self.dann, x, y)
            out[f"so_{dom}_acc"] = evaluate_accuracy(self.source_only, x, y)
        xs, xt = sets["source"][0], sets["target"][0]
        scores = torch.cat([self.critic_scores(xs), self.critic_scores(xt)]).cpu().numpy()
        out["domain_auc"] = roc_auc(scores, np.r_[np.zeros(len(xs)), np.ones(len(xt))])
        return out

    # ---- what the page draws --------------------------------------------------------------------
    @torch.no_grad()
    def view(self) -> ShiftView:
        """The frozen ``ShiftView`` of the current step (about 0.1 s on a laptop CPU)."""
        from threadpoolctl import threadpool_limits

        # one BLAS thread: tiny matrices, and on a busy 2-core machine OpenBLAS's spinning threads made this
        # PCA + probe take seconds instead of milliseconds (measured)
        with threadpool_limits(1):
            return self._view()

    def _view(self) -> ShiftView:
        from gan_core.lessons.features import linear_probe_accuracy, pca_2d

        (xs, ys), (xt, yt) = self.eval_sets["source"], self.eval_sets["target"]
        n = min(VIEW_ITEMS, len(xs), len(xt))
        proj, probe = {}, {}
        for name, net in (("before", self.source_only), ("after", self.dann)):
            was = net.training
            net.eval()
            fs, ft = net.features(xs[:n]).cpu().numpy(), net.features(xt[:n]).cpu().numpy()
            net.train(was)
            a, b, _ = pca_2d(fs, ft)
            proj[name] = np.concatenate([a, b]).astype(np.float32)
            probe[name] = linear_probe_accuracy(fs, ft, seed=0) if n >= 8 else float("nan")
        per_class = {}
        for prefix, net in (("so", self.source_only), ("dann", self.dann)):
            for dom, (x, y) in self.eval_sets.items():
                per_class[f"{prefix}_{dom}"] = per_class_accuracy(net, x, y, self.num_classes)
        ps, pt = self.critic_scores(xs).cpu(), self.critic_scores(xt).cpu()
        auc = roc_auc(torch.cat([ps, pt]).numpy(), np.r_[np.zeros(len(ps)), np.ones(len(pt))])
        top = ps.argsort(descending=True)[:TOP_K]     # source items that look most like the target
        bottom = pt.argsort()[:TOP_K]                # target items that look most like the source
        return ShiftView("shift", self.step_count, None, np.r_[np.zeros(n), np.ones(n)].astype(np.int8),
                         torch.cat([ys[:n], yt[:n]]).cpu().numpy(), proj["before"], proj["after"],
                         probe["before"], probe["after"], per_class, tuple(self.data.class_names), auc,
                         thumbnails(xs[top.to(xs.device)]), ps[top].numpy(),
                         thumbnails(xt[bottom.to(xt.device)]), pt[bottom].numpy())

    # ---- live changes and state -----------------------------------------------------------------
    def apply_config(self, new: ShiftConfig) -> None:
        """Make ``new`` (validated, differing only in ``LIVE_KEYS``) the config, at a step boundary."""
        self.config = new
        for opt in self.opts.values():
            for group in opt.param_groups:
                group["lr"] = new.lr
        self.source.batch_size = self.target.batch_size = new.batch_size
        self.images_per_step = 2 * new.batch_size

    def state_dict(self) -> dict[str, Any]:
        state = {"config": self.config.to_dict(), "step": self.step_count}
        for name, net in self.nets().items():
            state[name] = net.state_dict()
            state[f"opt_{name}"] = self.opts[name].state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, net in self.nets().items():
            net.load_state_dict(state[name])
            self.opts[name].load_state_dict(state[f"opt_{name}"])
        self.step_count = int(state["step"])


def run_shift_experiment(dataset: str = "digits", shift: str = "rotate", strength: float = 0.5,
                         seconds: float = 60.0, *, steps: int = 0, data_root: str = "", seed: int = 0,
                         device: Any = None, **overrides: Any) -> dict[str, Any]:
    """Train the three networks for ``seconds`` in all (data loading included), or until ``steps`` updates when
    that comes first (0 = time only; a step budget makes a run repeatable), and compare on the test sets.

    Returns ``{"source_only": {"source_acc", "target_acc"}, "dann": {...}, "domain_auc", "shift_cost"
    (source-only accuracy lost on the target), "dann_gain" (target accuracy DANN wins back), "steps", ...}``.
    """
    if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and 0 < seconds <= 86_400):
        raise ValueError(f"seconds={seconds!r} is out of range; allowed: a number above 0, at most 86400")
    start = time.perf_counter()
    cfg = ShiftConfig.from_dict(dict(dataset=dataset, shift=shift, strength=strength, data_root=data_root,
                                     seed=seed, eval_every=10**7, **overrides))
    trainer = DANNTrainer(cfg, device=device)
    budget = 0.95 * seconds          # the rest pays for the final evaluation
    while time.perf_counter() - start < budget and not (steps and trainer.step_count >= steps):
        trainer.step(sync=False)
    ev = trainer.evaluate(full=True)
    view = trainer.view()
    r3 = lambda v: round(float(v), 4)
    return {"dataset": dataset, "shift": shift, "strength": strength, "description": trainer.data.description,
            "seed": seed, "seconds": round(time.perf_counter() - start, 2), "steps": trainer.step_count,
            "source_only": {"source_acc": r3(ev["so_source_acc"]), "target_acc": r3(ev["so_target_acc"])},
            "dann": {"source_acc": r3(ev["source_acc"]), "target_acc": r3(ev["target_acc"])},
            "domain_auc": r3(ev["domain_auc"]),
            "shift_cost": r3(ev["so_source_acc"] - ev["so_target_acc"]),
            "dann_gain": r3(ev["target_acc"] - ev["so_target_acc"]),
            "feature_domain_probe": {"source_only": r3(view.probe_before), "dann": r3(view.probe_after)},
            "test_items": {"source": len(trainer.data.source_test_y), "target": len(trainer.data.target_test_y)}}
