"""gan_core.lessons.attack_views: one attacked image, the eps curves, the GAN discriminator attack (tiny models)."""
import numpy as np
import pytest
import torch

from gan_core import TrainConfig, Trainer
from gan_core.classifiers import build_classifier, load_split, train_classifier
from gan_core.lessons import attack_views as av


@pytest.fixture(scope="module")
def model_and_data():
    x, y, _ = load_split("digits", train=True)
    x_test, y_test, _ = load_split("digits", train=False)
    torch.manual_seed(0)
    model = build_classifier("mlp", (1, 8, 8), 10)
    train_classifier(model, x[:800], y[:800], epochs=20, lr=3e-3, seed=0)
    return model, x_test, y_test


@pytest.mark.parametrize("method", av.METHODS)
def test_attack_one_stays_in_the_ball_and_reports_probabilities(model_and_data, method):
    model, x, y = model_and_data
    r = av.attack_one(model, x[0], int(y[0]), method=method, eps=0.1, alpha=0.02, steps=10)
    assert r.original.shape == r.adversarial.shape == r.delta.shape == (8, 8)
    assert r.linf <= 0.1 + 1e-6 and np.abs(r.delta).max() <= 0.1 + 1e-6
    assert 0 <= r.adversarial.min() and r.adversarial.max() <= 1
    assert r.probs_before.shape == r.probs_after.shape == (10,)
    assert np.isclose(r.probs_before.sum(), 1, atol=1e-5) and r.pred_before == int(r.probs_before.argmax())


def test_targeted_attack_reaches_its_target(model_and_data):
    model, x, y = model_and_data
    target = (int(y[0]) + 1) % 10
    r = av.attack_one(model, x[0], int(y[0]), eps=0.3, alpha=0.03, steps=40, target=target)
    assert r.pred_after == target


def test_curves_fall_with_eps_and_pgd_is_stronger(model_and_data):
    model, x, y = model_and_data
    c = av.eps_curves(model, *av.fixed_subset(x, y, 100), eps_list=(0.0, 0.1, 0.3))
    assert c["fgsm"][0] == c["pgd"][0] and c["pgd"][2] <= c["pgd"][1] <= c["pgd"][0]
    assert all(p <= f + 0.05 for p, f in zip(c["pgd"], c["fgsm"], strict=True))


@pytest.mark.parametrize("kwargs,word", [(dict(eps=1.5), "eps"), (dict(eps=-0.1), "eps"), (dict(alpha=0), "alpha"),
                                         (dict(steps=0), "steps"), (dict(eps=float("nan")), "eps")])
def test_bad_knobs_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        av.check_knobs(**{"eps": 0.1, "alpha": 0.01, "steps": 5, **kwargs})


@pytest.mark.parametrize("conditional", [False, True])
def test_discriminator_attack_moves_d_both_ways(conditional):
    tr = Trainer(TrainConfig(dataset="digits", g_hidden=[32, 32], d_hidden=[32, 32], conditional=conditional,
                             device="cpu"))
    for _ in range(10):
        tr.step()
    r = av.attack_gan_discriminator(tr, eps=0.1, alpha=0.02, steps=10)
    assert r.d_fake[1] > r.d_fake[0] and r.d_real[1] < r.d_real[0]
    assert np.abs(r.fake_adv - r.fake).max() <= 0.1 + 1e-5 and r.fake.shape == (8, 8)


def test_discriminator_attack_refuses_points():
    tr = Trainer(TrainConfig(dataset="ring8", g_hidden=[8], d_hidden=[8], device="cpu"))
    with pytest.raises(ValueError, match="2-D points"):
        av.attack_gan_discriminator(tr, eps=0.1, alpha=0.02, steps=2)
