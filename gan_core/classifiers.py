"""Small image classifiers: the model attacked in lesson 6, adversarially trained in lesson 7, and the feature
extractor behind the classifier-feature FID in ``metrics.py``.

Classifiers take images in [0, 1] (attacks clip to (0, 1)); GAN-range data in [-1, 1] maps by ``(x + 1) / 2``
(see :func:`to_unit`). ``get_classifier`` trains one model per dataset and kind once, then serves it from an
in-process cache and from ``<runs_root>/_cache/classifiers/`` on disk.
"""
from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.device import resolve_device
from gan_core.paths import classifier_cache_dir
from gan_core.seeding import seeded

KINDS = ("cnn", "mlp")
CACHE_VERSION = 2   # 2: trained for TRAIN_EPOCHS; version 1 trained for a number of seconds
# Epochs get_classifier trains per dataset when it has to train. A count, not a time: the classifier is FID's
# feature space, so the same weights must come out on a busy and on an idle machine (a 60-second budget gave
# Fashion-MNIST 2 epochs on a loaded 2-core machine and 7 on an idle one, and lesson 3's FID of the same
# samples nearly doubled). One epoch of Fashion-MNIST takes ~9 s on one idle CPU thread here.
TRAIN_EPOCHS = {"digits": 30, "mnist": 5, "fashion_mnist": 5, "cifar10": 5}
# ... but at least MIN_STEPS batches of 128 (up to 30 epochs): the offline MNIST subset has 8,330 training digits,
# 5 epochs of which gave 94.8% test accuracy, 30 epochs (29 s on one idle thread) 97.3%.
MIN_STEPS, MAX_EPOCHS = 2000, 30
BATCH_SIZE = 128   # train_classifier's batches
_MEMORY: dict[tuple[str, str, str, str], tuple[nn.Module, float]] = {}
_LOCK = threading.Lock()
_KEY_LOCKS: dict[tuple[str, str, str, str], threading.Lock] = {}


class CNNClassifier(nn.Module):
    """Two stride-2 4x4 convolutions and a two-layer head (the small MNIST model of Wong, Rice and Kolter 2020,
    twice as wide). Strided convolutions instead of max-pooling: several times faster on a CPU, where every
    PGD step costs a forward and a backward pass. Fits 4x4 to 32x32 inputs (H, W -> H/4, W/4)."""

    def __init__(self, in_shape: tuple[int, int, int], num_classes: int, width: int = 32, hidden: int = 128):
        super().__init__()
        c, h, w = in_shape
        self.conv = nn.Sequential(
            nn.Conv2d(c, width, 4, stride=2, padding=1), nn.ReLU(),          # (B, width, H/2, W/2)
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.ReLU(),  # (B, 2 width, H/4, W/4)
            nn.Flatten(),
        )
        self.fc = nn.Sequential(nn.Linear(2 * width * (h // 2 // 2) * (w // 2 // 2), hidden), nn.ReLU())
        self.head = nn.Linear(hidden, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate layer. Shape: (B, C, H, W) -> (B, hidden)."""
        return self.fc(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits. Shape: (B, C, H, W) -> (B, num_classes)."""
        return self.head(self.features(x))


class MLPClassifier(nn.Module):
    """Flatten, two hidden ReLU layers, linear head."""

    def __init__(self, in_shape: tuple[int, ...], num_classes: int, hidden: tuple[int, int] = (256, 128)):
        super().__init__()
        n_in = 1
        for d in in_shape:
            n_in *= d
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(n_in, hidden[0]), nn.ReLU(),
                                  nn.Linear(hidden[0], hidden[1]), nn.ReLU())
        self.head = nn.Linear(hidden[1], num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate layer. Shape: (B, *in_shape) -> (B, hidden[1])."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits. Shape: (B, *in_shape) -> (B, num_classes)."""
        return self.head(self.body(x))


def build_classifier(kind: str, in_shape: Any, num_classes: int | None = None) -> nn.Module:
    """A fresh classifier.

    Args:
        kind: ``"cnn"`` or ``"mlp"``.
        in_shape: item shape ``(C, H, W)`` (H, W >= 4 for the CNN), or a ``Dataset`` (its ``item_shape`` and
            ``num_classes`` are used).
        num_classes: number of logits; taken from the dataset when ``in_shape`` is one.
    Returns:
        ``nn.Module`` with ``forward(x) -> (B, num_classes)`` logits and ``features(x) -> (B, F)``.
    """
    if hasattr(in_shape, "item_shape"):
        num_classes = in_shape.num_classes if num_classes is None else num_classes
        in_shape = in_shape.item_shape
    shape = tuple(int(d) for d in in_shape)
    if num_classes is None or int(num_classes) < 2:
        raise ValueError(f"num_classes={num_classes!r} is not allowed; a classifier needs at least 2 classes")
    if kind == "cnn":
        if len(shape) != 3 or shape[1] < 4 or shape[2] < 4:
            raise ValueError(f"in_shape={shape!r} does not suit kind='cnn'; give (C, H, W) with H, W >= 4")
        return CNNClassifier(shape, int(num_classes))  # type: ignore[arg-type]
    if kind == "mlp":
        return MLPClassifier(shape, int(num_classes))
    raise ValueError(f"kind={kind!r} is not allowed; choose one of: {', '.join(KINDS)}")


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """Map GAN-range images in [-1, 1] to the classifiers' [0, 1]. Shape: unchanged."""
    return ((x + 1) / 2).clamp(0, 1)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Predicted labels in eval mode (the model's mode is restored). Shape: (N, ...) -> (N,) int64."""
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(x[i:i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
    finally:
        model.train(was_training)


def evaluate_accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> float:
    """Fraction of ``x`` (N, ...) in [0, 1] classified as ``y`` (N,)."""
    if len(x) == 0:
        return float("nan")
    return (predict(model, x, batch_size) == y.to(x.device)).float().mean().item()


def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: float = 0.0,
                     steps: int = 0, seconds: float = 0.0, lr: float = 1e-3, batch_size: int = BATCH_SIZE,
                     weight_decay: float = 0.0, seed: int = 0) -> dict[str, float]:
    """Train ``model`` in place with Adam on cross-entropy until the first of epochs/steps/seconds runs out;
    the model is left in eval mode.

    Args:
        model: a classifier (on the same device as ``x``).
        x: images in [0, 1], shape (N, C, H, W); y: labels, shape (N,).
        epochs, steps, seconds: budgets; 0 means unlimited, but at least one must be set.
        lr, batch_size, weight_decay: optimiser settings. seed: the batch order.
    Returns:
        ``{"steps", "seconds", "loss", "train_acc"}`` (loss and accuracy averaged over the last epoch seen).
    """
    if epochs <= 0 and steps <= 0 and seconds <= 0:
        raise ValueError("train_classifier needs a budget: set epochs, steps or seconds to a positive value")
    if batch_size < 1 or not lr > 0:
        raise ValueError(f"batch_size={batch_size!r} and lr={lr!r} must be positive")
    n = len(x)
    max_steps = steps if steps > 0 else None
    if epochs > 0:
        by_epochs = max(1, int(epochs * -(-n // batch_size)))
        max_steps = by_epochs if max_steps is None else min(max_steps, by_epochs)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    start, done = time.perf_counter(), 0
    loss_sum, correct, seen = 0.0, 0, 0
    while True:
        order = torch.randperm(n, generator=gen).to(x.device)
        loss_sum, correct, seen = 0.0, 0, 0
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            xb, yb = x[idx], y[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            done += 1
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
            out_of_time = seconds > 0 and time.perf_counter() - start >= seconds
            if (max_steps is not None and done >= max_steps) or out_of_time:
                model.eval()
                return {"steps": float(done), "seconds": time.perf_counter() - start,
                        "loss": loss_sum / seen, "train_acc": correct / seen}


def load_split(dataset: str, data_root: str = "", *, train: bool) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Images in [0, 1] (N, C, H, W), labels (N,) and the class count of one split of a labelled image set."""
    from gan_core.data.builtin import load_dataset

    data = load_dataset(dataset, data_root, train=train)
    if data.kind != "images" or data.y is None or data.num_classes < 2:
        raise ValueError(f"dataset={dataset!r} has no labelled images; a classifier needs one such as digits, "
                         "mnist, fashion_mnist or cifar10")
    return to_unit(data.x.float()), data.y.long(), int(data.num_classes)


def get_classifier(dataset: str, data_root: str = "", kind: str = "cnn", device: Any = None,
                   seconds: float | None = None) -> tuple[nn.Module, float]:
    """The classifier of ``dataset``, trained once and then cached in memory and on disk.

    Args:
        dataset: a labelled image dataset name (``digits``, ``mnist``, ``fashion_mnist``, ``cifar10``, ...).
        data_root: where the dataset lives (passed to ``load_dataset``); part of the cache key.
        kind: ``"cnn"`` or ``"mlp"``.
        device: where the model goes (``None`` = auto).
        seconds: a training budget in seconds when it has to train, for tests; by default it trains for
            ``TRAIN_EPOCHS`` of the dataset (5 for another dataset; at least MIN_STEPS batches, at most
            MAX_EPOCHS epochs), whatever the time.
    Returns:
        ``(model, test_acc)``: the model in eval mode with frozen parameters (``requires_grad=False``; share it,
        do not train it), and its accuracy on the dataset's test split.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not allowed; choose one of: {', '.join(KINDS)}")
    dev = resolve_device(device)
    key = (dataset, str(data_root), kind, str(dev))
    with _LOCK:
        if key in _MEMORY:
            return _MEMORY[key]
        key_lock = _KEY_LOCKS.setdefault(key, threading.Lock())
    with key_lock:  # one trainer per key even when several threads ask at once; other keys do not wait
        if key in _MEMORY:
            return _MEMORY[key]
        path = classifier_cache_dir() / f"{_slug(dataset, data_root)}-{kind}-v{CACHE_VERSION}.pt"
        model, acc = _load_cached(path, kind, dev)
        if model is None:
            model, acc = _train_and_save(path, dataset, data_root, kind, dev, seconds)
        model.eval().requires_grad_(False)
        with _LOCK:
            _MEMORY[key] = (model, acc)
        return model, acc


def clear_memory_cache() -> None:
    """Forget the in-process cache (tests; after deleting the disk cache)."""
    with _LOCK:
        _MEMORY.clear()


def _slug(dataset: str, data_root: str) -> str:
    if not data_root:
        return dataset
    import hashlib

    return f"{dataset}-{hashlib.sha1(str(Path(data_root).resolve()).encode()).hexdigest()[:8]}"


def _load_cached(path: Path, kind: str, dev: torch.device) -> tuple[nn.Module | None, float]:
    if not path.exists():
        return None, float("nan")
    try:
        blob = torch.load(path, map_location=dev, weights_only=True)
        with seeded(0):   # its initial weights are overwritten, but drawn: not from a training run's stream
            model = build_classifier(kind, tuple(blob["in_shape"]), int(blob["num_classes"]))
        model.load_state_dict(blob["state_dict"])
        return model.to(dev), float(blob["test_acc"])
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, EOFError, pickle.UnpicklingError):
        return None, float("nan")  # stale or torn cache file: retrain and overwrite it


def _train_and_save(path: Path, dataset: str, data_root: str, kind: str, dev: torch.device,
                    seconds: float | None) -> tuple[nn.Module, float]:
    x, y, k = load_split(dataset, data_root, train=True)
    x_test, y_test, _ = load_split(dataset, data_root, train=False)
    with seeded(0):  # seeded initial weights; the global RNG is left as it was
        model = build_classifier(kind, tuple(x.shape[1:]), k).to(dev)
    if seconds is None:
        batches = -(-len(x) // BATCH_SIZE)
        epochs = min(MAX_EPOCHS, max(TRAIN_EPOCHS.get(dataset, 5), -(-MIN_STEPS // batches)))
        train_classifier(model, x.to(dev), y.to(dev), epochs=epochs, seed=0)
    else:
        train_classifier(model, x.to(dev), y.to(dev), epochs=30, seconds=float(seconds), seed=0)
    acc = evaluate_accuracy(model, x_test.to(dev), y_test.to(dev))
    blob = {"state_dict": {k_: v.detach().cpu() for k_, v in model.state_dict().items()},
            "test_acc": acc, "kind": kind, "in_shape": list(x.shape[1:]), "num_classes": k,
            "dataset": dataset, "version": CACHE_VERSION}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    torch.save(blob, tmp)
    os.replace(tmp, path)
    return model, acc
