"""gan_core.classifiers: shapes, training on a few hundred digits, the two-level cache of get_classifier."""
import pytest
import torch

from gan_core import classifiers
from gan_core.classifiers import (
    build_classifier,
    evaluate_accuracy,
    get_classifier,
    load_split,
    predict,
    to_unit,
    train_classifier,
)


@pytest.fixture(scope="module")
def digits():
    x, y, k = load_split("digits", train=True)
    x_test, y_test, _ = load_split("digits", train=False)
    return x, y, x_test, y_test, k


@pytest.mark.parametrize("kind", ["cnn", "mlp"])
@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28), (3, 32, 32)])
def test_shapes_logits_and_features(kind, shape):
    torch.manual_seed(0)
    model = build_classifier(kind, shape, 10)
    x = torch.rand(4, *shape)
    assert model(x).shape == (4, 10)
    feats = model.features(x)
    assert feats.dim() == 2 and feats.shape[0] == 4
    assert torch.allclose(model.head(feats), model(x))


def test_build_accepts_a_dataset(digits):
    from gan_core.data.builtin import load_dataset

    model = build_classifier("mlp", load_dataset("digits"))
    assert model(torch.rand(2, 1, 8, 8)).shape == (2, 10)


@pytest.mark.parametrize("args, word", [(("rnn", (1, 8, 8), 10), "rnn"), (("cnn", (1, 2, 2), 10), "in_shape"),
                                        (("mlp", (1, 8, 8), 1), "num_classes")])
def test_bad_arguments_raise(args, word):
    with pytest.raises(ValueError, match=word):
        build_classifier(*args)


def test_to_unit_maps_gan_range():
    x = torch.tensor([-1.0, 0.0, 1.0])
    assert torch.equal(to_unit(x), torch.tensor([0.0, 0.5, 1.0]))


def test_training_learns_digits_and_restores_nothing_else(digits):
    x, y, x_test, y_test, k = digits
    assert 0 <= x.min() and x.max() <= 1 and k == 10
    torch.manual_seed(0)
    model = build_classifier("cnn", (1, 8, 8), 10)
    before = evaluate_accuracy(model, x_test, y_test)
    info = train_classifier(model, x[:600], y[:600], epochs=15, lr=3e-3, seed=0)
    after = evaluate_accuracy(model, x_test, y_test)
    assert info["steps"] == 15 * 5 and after > 0.85 > before
    model.train()
    predict(model, x_test[:10])
    assert model.training  # predict restores the mode


def test_training_needs_a_budget(digits):
    x, y, *_ = digits
    with pytest.raises(ValueError, match="budget"):
        train_classifier(build_classifier("mlp", (1, 8, 8), 10), x, y)


def test_get_classifier_caches_on_disk_and_in_memory(runs_dir, monkeypatch):
    classifiers.clear_memory_cache()
    model, acc = get_classifier("digits", kind="mlp", device="cpu", seconds=1.0)
    files = list((runs_dir / "_cache" / "classifiers").glob("*.pt"))
    assert len(files) == 1 and acc > 0.8
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert get_classifier("digits", kind="mlp", device="cpu")[0] is model      # in-process: same object

    classifiers.clear_memory_cache()

    def no_training(*args, **kwargs):
        raise AssertionError("the second call must load from disk, not train")

    monkeypatch.setattr(classifiers, "train_classifier", no_training)
    loaded, acc2 = get_classifier("digits", kind="mlp", device="cpu")
    assert loaded is not model and acc2 == acc
    x, y, *_ = load_split("digits", train=False)
    assert evaluate_accuracy(loaded, x, y) == pytest.approx(acc)
    classifiers.clear_memory_cache()


def test_the_fid_classifier_is_the_same_on_a_busy_machine(runs_dir, monkeypatch):
    """FID's feature space must not depend on the machine's load: by default get_classifier trains for
    TRAIN_EPOCHS, not for a time, so a slow clock (every step 10 s late) gives the same weights."""
    def weights():
        classifiers.clear_memory_cache()
        for f in (runs_dir / "_cache" / "classifiers").glob("*.pt"):
            f.unlink()
        model, _ = get_classifier("digits", kind="mlp", device="cpu")
        return {k: v.clone() for k, v in model.state_dict().items()}

    idle = weights()
    ticks = iter(range(0, 10**9, 10))
    monkeypatch.setattr(classifiers.time, "perf_counter", lambda: float(next(ticks)))
    busy = weights()
    assert idle.keys() == busy.keys() and all(torch.equal(idle[k], busy[k]) for k in idle)
    classifiers.clear_memory_cache()


def test_torn_cache_file_is_retrained(runs_dir):
    classifiers.clear_memory_cache()
    folder = runs_dir / "_cache" / "classifiers"
    folder.mkdir(parents=True)
    (folder / f"digits-mlp-v{classifiers.CACHE_VERSION}.pt").write_bytes(b"not a checkpoint")
    model, acc = get_classifier("digits", kind="mlp", device="cpu", seconds=0.5)
    assert acc > 0.5
    assert torch.load(folder / f"digits-mlp-v{classifiers.CACHE_VERSION}.pt", weights_only=True)["test_acc"] == acc
    classifiers.clear_memory_cache()


def test_get_classifier_rejects_unknown_kind():
    with pytest.raises(ValueError, match="'svm'"):
        get_classifier("digits", kind="svm")
