"""Distribution shift (gan_core.lessons.shift, .dann): transforms, ROC AUC, gradient reversal, the lockstep
trainer in a session, and the ``shift`` command. Tiny seeded budgets: the file runs in well under a minute."""
import json

import numpy as np
import pytest
import torch

from gan_core.lessons import shift
from gan_core.lessons.dann import DANNTrainer, ShiftConfig, run_shift_experiment
from gan_core.runtime.session import TrainingSession


def images(n=12, c=1, h=8, seed=0):
    return torch.rand(n, c, h, h, generator=torch.Generator().manual_seed(seed))


# ---- gradient reversal --------------------------------------------------------------------------------
@pytest.mark.parametrize("lambd", [1.0, 0.7, 0.0, 3.5])
def test_gradient_reversal_flips_the_gradient_sign_exactly(lambd):
    x = torch.randn(5, 3, requires_grad=True)
    w = torch.randn(5, 3)
    y = shift.grad_reverse(x, lambd)
    assert torch.equal(y, x)                       # identity on the way forward
    (y * w).sum().backward()
    assert torch.equal(x.grad, -lambd * w)         # d(y.w)/dx = w, reversed and scaled


def test_gradient_reversal_reverses_a_whole_network_gradient():
    torch.manual_seed(0)
    net, head = torch.nn.Linear(4, 6), torch.nn.Linear(6, 1)
    x = torch.randn(8, 4)
    grads = []
    for wrap in (lambda h: h, lambda h: shift.grad_reverse(h, 1.0)):
        net.zero_grad()
        head.zero_grad()
        head(wrap(net(x))).pow(2).mean().backward()
        grads.append((net.weight.grad.clone(), head.weight.grad.clone()))
    assert torch.equal(grads[1][0], -grads[0][0])  # the features before it get the opposite gradient
    assert torch.equal(grads[1][1], grads[0][1])   # the head behind it learns as usual


def test_dann_lambda_schedule():
    assert shift.dann_lambda(0.0) == 0.0
    assert shift.dann_lambda(1.0, 2.0) == pytest.approx(2.0, abs=1e-3)
    assert 0 < shift.dann_lambda(0.1) < shift.dann_lambda(0.3) < 1


# ---- shifts ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [s for s in shift.SHIFTS if s != "dataset"])
@pytest.mark.parametrize("strength", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("shape", [(6, 1, 8, 8), (3, 1, 28, 28), (2, 3, 32, 32)])
def test_shifts_keep_shape_dtype_and_range(name, strength, shape):
    x = torch.rand(shape, generator=torch.Generator().manual_seed(1))
    out = shift.apply_shift(x, name, strength, seed=3)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1
    if strength == 0:
        assert torch.equal(out, x)
    else:
        assert not torch.equal(out, x)
    assert torch.equal(out, shift.apply_shift(x, name, strength, seed=3))   # seeded: reproducible


def test_rotation_by_90_degrees_is_a_pixel_permutation():
    x = images(4, h=8)
    out = shift.rotate(x, 90.0)
    assert any(torch.allclose(out, torch.rot90(x, k, dims=(2, 3)), atol=1e-5) for k in (1, -1))


def test_invert_blur_and_contrast_do_what_they_say():
    x = images(50)
    assert torch.equal(shift.apply_shift(x, "invert", 1.0), 1 - x)
    half = shift.apply_shift(x, "invert", 0.5, seed=0)
    flipped = [(half[i] == 1 - x[i]).all().item() for i in range(len(x))]
    assert 10 < sum(flipped) < 40
    tv = lambda t: (t[..., 1:, :] - t[..., :-1, :]).abs().mean()
    assert tv(shift.apply_shift(x, "blur", 1.0)) < 0.5 * tv(x)
    low = shift.apply_shift(x, "contrast", 1.0)
    assert low.std() < 0.3 * x.std() and low.mean() > x.mean()


def test_bad_shift_and_strength_are_refused():
    x = images()
    with pytest.raises(ValueError, match="shift='spin'"):
        shift.apply_shift(x, "spin", 0.5)
    with pytest.raises(ValueError, match="strength=1.5"):
        shift.apply_shift(x, "rotate", 1.5)
    with pytest.raises(ValueError, match="build_shift_data"):
        shift.apply_shift(x, "dataset", 0.5)
    with pytest.raises(ValueError, match="shape"):
        shift.apply_shift(torch.rand(3, 8, 8), "rotate", 0.5)


def test_resize_digits_between_frames():
    small = images(3, h=8)
    big = shift.resize_digits(small, 28)
    assert big.shape == (3, 1, 28, 28) and big[..., :4, :].abs().max() == 0   # MNIST style: empty border
    back = shift.resize_digits(big, 8)
    assert back.shape == (3, 1, 8, 8) and 0 <= back.min() and back.max() <= 1


def test_shift_data_halves_and_shifted_test_copy():
    d = shift.build_shift_data("digits", "rotate", 0.5, seed=0)
    assert len(d.source_x) + len(d.target_x) in (1437, 1436) and d.num_classes == 10
    assert torch.equal(d.target_test_x, shift.rotate(d.source_test_x, 30.0))
    assert torch.equal(d.source_test_y, d.target_test_y) and "rotated by 30 degrees" in d.description
    with pytest.raises(ValueError, match="digits or mnist"):
        shift.build_shift_data("fashion_mnist", "dataset", 0.5)


def test_dataset_shift_swaps_in_the_paired_set(monkeypatch):
    from gan_core import classifiers

    real = classifiers.load_split

    def fake(name, data_root="", *, train):
        if name != "mnist":
            return real(name, data_root, train=train)
        n = 300 if train else 100
        return torch.rand(n, 1, 28, 28), torch.arange(n) % 10, 10

    monkeypatch.setattr(classifiers, "load_split", fake)
    d = shift.build_shift_data("digits", "dataset", 1.0)
    assert d.target_x.shape[1:] == (1, 8, 8) and len(d.target_x) == 300 and len(d.target_test_x) == 100
    assert "mnist" in d.description


# ---- measuring the shift --------------------------------------------------------------------------------
def test_roc_auc_extremes_ties_and_sklearn():
    from sklearn.metrics import roc_auc_score

    assert shift.roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert shift.roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert shift.roc_auc([0.5] * 6, [0, 1] * 3) == 0.5
    rng = np.random.default_rng(0)
    s, y = rng.integers(0, 5, 200).astype(float), rng.integers(0, 2, 200)
    assert shift.roc_auc(s, y) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    with pytest.raises(ValueError, match="both groups"):
        shift.roc_auc([0.1, 0.2], [1, 1])


def test_domain_auc_of_identical_domains_is_near_one_half():
    d = shift.build_shift_data("digits", "rotate", 0.0, seed=0)   # two random halves, no shift
    auc = shift.domain_auc(d.source_x, d.target_x, steps=100, seed=0)
    assert abs(auc - 0.5) < 0.1, auc
    rotated = shift.domain_auc(d.source_x, shift.rotate(d.target_x, 30.0), steps=100, seed=0)
    assert rotated > 0.9, rotated


# ---- the lockstep trainer -----------------------------------------------------------------------------
def tiny(**kw):
    return ShiftConfig(**{"eval_every": 5, "batch_size": 32, "warmup_steps": 10, "device": "cpu", **kw})


def test_trainer_steps_evaluates_and_draws():
    tr = DANNTrainer(tiny())
    first = tr.step()
    for key in ("so_loss", "cls_loss", "domain_loss", "critic_loss", "domain_acc", "lambda", "source_acc",
                "target_acc", "so_source_acc", "so_target_acc", "domain_auc"):
        assert key in first and np.isfinite(first[key])
    assert first["lambda"] == 0.0 and tr.step(sync=False) == {}
    for _ in range(2):
        tr.step(sync=False)
    assert "target_acc" in tr.step(sync=False)          # step 5 evaluates even when not syncing
    v = tr.view()
    n = len(v.domain)
    assert v.proj_before.shape == v.proj_after.shape == (n, 2) and set(np.unique(v.domain)) == {0, 1}
    assert set(v.per_class) == {"so_source", "so_target", "dann_source", "dann_target"}
    assert v.per_class["so_source"].shape == (10,) and 0 <= v.domain_auc <= 1
    assert v.target_like.shape == (10, 56, 56) and v.target_like.dtype == np.uint8
    assert np.all(np.diff(v.target_like_p) <= 0) and np.all(np.diff(v.source_like_p) >= 0)


def test_target_labels_never_reach_training():
    tr = DANNTrainer(tiny())
    assert tr.target.y is None
    tr.data.target_y.fill_(-1)   # poisoned labels: cross-entropy would fail if any step used them
    for _ in range(3):
        tr.step()


def test_live_changes_state_roundtrip_and_config_errors():
    tr = DANNTrainer(tiny())
    assert tr.apply_changes(lr=5e-4, domain_weight=0.5) == {"lr": (1e-3, 5e-4), "domain_weight": (0.3, 0.5)}
    assert all(g["lr"] == 5e-4 for o in tr.opts.values() for g in o.param_groups)
    with pytest.raises(ValueError, match="shift cannot change"):
        tr.apply_changes(shift="blur")
    tr.step()
    other = DANNTrainer(tiny())
    other.load_state_dict(tr.state_dict())
    assert other.step_count == 1 and torch.equal(other.dann.domain[0].weight, tr.dann.domain[0].weight)
    with pytest.raises(ValueError, match="strength=2"):
        ShiftConfig(strength=2.0).validate()
    with pytest.raises(ValueError, match="unknown config key 'angle'"):
        ShiftConfig.from_dict({"angle": 3})
    assert ShiftConfig.from_dict({"strength": "0.25", "max_steps": "10"}).max_steps == 10


def test_a_session_drives_the_trainer(runs_dir):
    cfg = tiny(max_steps=12, log_every=2, snapshot_every=6)
    sess = TrainingSession(cfg, run_dir=runs_dir / "shift-run", trainer_factory=DANNTrainer).start()
    assert sess.wait(60)
    snap = sess.snapshot()
    assert snap.state == "finished", snap.error
    series = sess.series(["target_acc", "domain_loss"])
    assert np.isfinite(series["domain_loss"]).sum() >= 5 and np.isfinite(series["target_acc"]).sum() >= 2
    assert snap.view.kind == "shift" and snap.view.step == 12
    with pytest.raises(ValueError, match="dataset cannot change"):
        sess.update(dataset="mnist")


# ---- the experiment and its command -------------------------------------------------------------------
def test_experiment_reports_both_models(capsys):
    from gan_core.cli import main

    assert main(["shift", "--dataset", "digits", "--shift", "rotate", "--strength", "0.5", "--seconds", "3",
                 "--device", "cpu", "--threads", "1"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for model in ("source_only", "dann"):
        assert set(out[model]) == {"source_acc", "target_acc"}
    assert 0 <= out["domain_auc"] <= 1 and out["steps"] > 0 and out["seconds"] < 6


@pytest.mark.parametrize("argv, bad", [(["--shift", "spin"], "spin"), (["--strength", "2"], "--strength 2"),
                                       (["--seconds", "0"], "--seconds 0"), (["--dataset", "cars"], "cars")])
def test_bad_command_line_exits_2(argv, bad, capsys):
    from gan_core.cli import main

    assert main(["shift", "--seconds", "1", *argv]) == 2
    err = capsys.readouterr().err
    assert bad in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_rotation_costs_the_source_only_classifier_and_dann_wins_some_back():
    """The README's target on a fixed step budget (repeatable): about a minute of one CPU core."""
    r = run_shift_experiment("digits", "rotate", 0.5, 600.0, steps=1000, device="cpu")
    assert r["steps"] == 1000
    assert r["shift_cost"] >= 0.10, r
    assert r["dann_gain"] > 0, r
