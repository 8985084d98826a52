"""GAN-made training data (gan_core.lessons.augment): the labelled subset, the experiment's phases and arms, labels
that match what the conditional generator was asked for, a session driving it, and the ``augment`` command."""
import json

import numpy as np
import pytest
import torch

from gan_core.classifiers import build_classifier, evaluate_accuracy, load_split, to_unit, train_classifier
from gan_core.data.dataset import Dataset
from gan_core.lessons.augment import AugmentConfig, AugmentTrainer, gan_config, labelled_subset
from gan_core.runtime.session import TrainingSession
from gan_core.trainer import Trainer


def tiny(**kw):
    return AugmentConfig(**{"seeds": 2, "labels_per_class": 3, "gan_steps": 6, "clf_steps": 5,
                            "gen_per_class": 4, "eval_every": 5, "kind": "mlp", "device": "cpu", **kw})


def test_labelled_subset_takes_k_of_every_class():
    y = torch.arange(200) % 10
    idx = labelled_subset(y, 5, 10, seed=0)
    assert len(idx) == 50 and len(set(idx.tolist())) == 50
    assert torch.equal(torch.bincount(y[idx], minlength=10), torch.full((10,), 5))
    assert torch.equal(idx, labelled_subset(y, 5, 10, seed=0))
    assert not torch.equal(idx, labelled_subset(y, 5, 10, seed=1))
    with pytest.raises(ValueError, match="labels_per_class=21"):
        labelled_subset(y, 21, 10, seed=0)


def test_config_budget_and_errors():
    cfg = AugmentConfig(seeds=3, gan_steps=100, clf_steps=50).validate()
    assert cfg.total_steps == 450 and cfg.max_steps == 450
    assert AugmentConfig.from_dict({"labels_per_class": "7"}).labels_per_class == 7
    with pytest.raises(ValueError, match="labels_per_class=0"):
        AugmentConfig(labels_per_class=0).validate()
    with pytest.raises(ValueError, match="unknown config key 'labels'"):
        AugmentConfig.from_dict({"labels": 3})
    with pytest.raises(ValueError, match="labels_per_class=500"):
        AugmentTrainer(AugmentConfig(labels_per_class=500, device="cpu"))   # digits has ~140 per class


def test_experiment_walks_through_gan_and_classifier_phases():
    tr = AugmentTrainer(tiny())
    assert tr.phase == "gan" and tr.gan.num_classes == 10 and len(tr.gan.data.x) == 30
    assert tr.gan.data.x.min() >= -1 and tr.gan.data.x.max() <= 1
    seen = []
    for _ in range(6):
        seen.append(tr.step())
    assert tr.phase == "classify" and "loss_d" in seen[0]
    # generated images carry the class they were generated for; the "what not to do" arm shuffles them
    assert torch.equal(tr.gen_y, torch.arange(10).repeat_interleave(4))
    assert torch.equal(tr.gen_y_random.sort().values, tr.gen_y.sort().values)
    assert tr.gen_x.shape == (40, 1, 8, 8) and 0 <= tr.gen_x.min() and tr.gen_x.max() <= 1
    first = {a: m.state_dict() for a, m in tr.models.items()}
    assert all(torch.equal(first["real_only"][k], first["augmented"][k]) for k in first["real_only"])
    out = [tr.step() for _ in range(5)]
    assert {"loss_real_only", "loss_augmented", "loss_random_labels"} <= set(out[0])
    assert {"acc_real_only", "acc_augmented", "seed_real_only_acc", "seed_label_agreement"} <= set(out[-1])
    assert len(tr.results) == 1 and tr.phase == "gan" and tr.round == 1
    while tr.phase != "done":
        tr.step(sync=False)
    summary = tr.summary()
    assert summary["seeds_done"] == 2 and tr.step_count == tiny().validate().total_steps
    for key in ("real_only_acc", "augmented_acc", "random_labels_acc", "label_agreement"):
        assert 0 <= summary[key] <= 1 and summary[f"{key}_std"] >= 0
    assert tr.step() == {}


def test_a_session_runs_the_whole_experiment(runs_dir):
    cfg = tiny(seeds=1, snapshot_every=4, log_every=1)
    sess = TrainingSession(cfg, run_dir=runs_dir / "aug", trainer_factory=AugmentTrainer).start()
    assert sess.wait(60)
    snap = sess.snapshot()
    assert snap.state == "finished" and snap.step == 11, snap.error
    assert snap.view.extras["summary"]["seeds_done"] == 1
    series = sess.series(["loss_d", "acc_augmented", "seed_augmented_acc"])
    assert np.isfinite(series["loss_d"]).sum() >= 5 and np.isfinite(series["seed_augmented_acc"]).sum() == 1


def test_the_conditional_generator_honours_its_labels():
    """A classifier trained on real digits recognises the class the generator was asked for, far above chance."""
    torch.manual_seed(0)
    x, y, _ = load_split("digits", train=True)
    x_test, y_test, _ = load_split("digits", train=False)
    judge = build_classifier("mlp", (1, 8, 8), 10)
    train_classifier(judge, x, y, steps=150, seed=0)
    assert evaluate_accuracy(judge, x_test, y_test) > 0.85
    data = Dataset("digits", "images", x * 2 - 1, y, 10, tuple("0123456789"))
    gan = Trainer(gan_config("digits", len(x), seed=0, device="cpu"), data=data, device="cpu")
    for _ in range(300):      # about 2 s of CPU; the labels are honoured from about step 200 on (0.7 there)
        gan.step(sync=False)
    labels = torch.arange(10).repeat_interleave(30)
    fakes = to_unit(gan.sample(len(labels), seed=1, labels=labels))
    agreement = evaluate_accuracy(judge, fakes, labels)
    assert agreement > 0.5, agreement                     # chance is 0.1


def test_augment_command(capsys):
    from gan_core.cli import main

    assert main(["augment", "--dataset", "digits", "--labels-per-class", "3", "--seeds", "1", "--seconds", "3",
                 "--kind", "mlp", "--device", "cpu", "--threads", "1"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("real_only_acc", "augmented_acc", "random_labels_acc", "label_agreement", "gain", "per_seed"):
        assert key in out
    assert out["seeds_done"] == 1 and out["seconds"] < 8


@pytest.mark.parametrize("argv, bad", [(["--labels-per-class", "0"], "--labels-per-class 0"),
                                       (["--seeds", "99"], "--seeds 99"), (["--seconds", "-1"], "--seconds -1")])
def test_bad_command_line_exits_2(argv, bad, capsys):
    from gan_core.cli import main

    assert main(["augment", *argv]) == 2
    err = capsys.readouterr().err
    assert bad in err and len(err.strip().splitlines()) == 1
