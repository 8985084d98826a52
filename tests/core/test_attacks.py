"""gan_core.attacks and gan_core.lessons.adversarial: properties on tiny seeded classifiers (sklearn digits)."""
import io
import math
import threading
import time

import pytest
import torch
import torch.nn.functional as F

from gan_core.attacks import accuracy_vs_eps, attack_discriminator, fgsm, pgd
from gan_core.classifiers import build_classifier, evaluate_accuracy, load_split, train_classifier
from gan_core.lessons.adversarial import AdversarialTrainer, AdvTrainConfig


@pytest.fixture(scope="module")
def digits():
    x, y, _ = load_split("digits", train=True)
    x_test, y_test, _ = load_split("digits", train=False)
    return x[:800], y[:800], x_test[:200], y_test[:200]


@pytest.fixture(scope="module")
def trained(digits):
    x, y, x_test, y_test = digits
    torch.manual_seed(0)
    model = build_classifier("mlp", (1, 8, 8), 10)
    train_classifier(model, x, y, epochs=20, lr=3e-3, seed=0)
    assert evaluate_accuracy(model, x_test, y_test) > 0.85
    return model


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
@pytest.mark.parametrize("eps", [0.03, 0.1, 0.5])
def test_linf_bound_and_clip(trained, digits, attack, eps):
    _, _, x, y = digits
    if attack == "fgsm":
        x_adv = fgsm(trained, x, y, eps=eps)
    else:
        x_adv = pgd(trained, x, y, eps=eps, alpha=eps / 3, steps=5, generator=torch.Generator().manual_seed(0))
    assert x_adv.shape == x.shape and not x_adv.requires_grad
    assert (x_adv - x).abs().max() <= eps + 1e-6
    assert x_adv.min() >= 0 and x_adv.max() <= 1
    assert (x_adv - x).abs().max() > 0


def test_eps_zero_returns_the_input(trained, digits):
    _, _, x, y = digits
    assert torch.equal(fgsm(trained, x, y, eps=0), x)
    assert torch.equal(pgd(trained, x, y, eps=0.0, alpha=0.01, steps=3), x)


def test_pgd_is_at_least_as_strong_as_fgsm(trained, digits):
    _, _, x, y = digits
    eps = 0.1
    acc_fgsm = evaluate_accuracy(trained, fgsm(trained, x, y, eps=eps), y)
    x_pgd = pgd(trained, x, y, eps=eps, alpha=eps / 4, steps=10, generator=torch.Generator().manual_seed(0))
    acc_pgd = evaluate_accuracy(trained, x_pgd, y)
    assert acc_pgd <= acc_fgsm < evaluate_accuracy(trained, x, y)


def test_targeted_pgd_reaches_its_target(trained, digits):
    _, _, x, y = digits
    target = (y + 1) % 10
    x_adv = pgd(trained, x, target, eps=0.4, alpha=0.04, steps=30, targeted=True)
    hit = (trained(x_adv).argmax(1) == target).float().mean().item()
    assert hit > 0.7


def test_accuracy_falls_with_eps(trained, digits):
    _, _, x, y = digits
    eps_list = [0.0, 0.02, 0.05, 0.1, 0.2, 0.3]
    for attack in ("pgd", "fgsm"):
        accs = accuracy_vs_eps(trained, x, y, eps_list, attack=attack, steps=10)
        assert accs[0] == pytest.approx(evaluate_accuracy(trained, x, y))
        assert all(b <= a + 0.02 for a, b in zip(accs[:-1], accs[1:], strict=True)), accs
        assert accs[-1] < accs[0] - 0.5


def test_mode_and_parameter_grads_untouched(trained, digits):
    _, _, x, y = digits
    params = list(trained.parameters())
    trained.zero_grad(set_to_none=True)
    params[0].grad = torch.full_like(params[0], 0.5)     # one parameter with a grad, the others without
    for mode in (True, False):
        trained.train(mode)
        fgsm(trained, x, y, eps=0.1)
        pgd(trained, x, y, eps=0.1, alpha=0.02, steps=3)
        accuracy_vs_eps(trained, x, y, [0.05], steps=2)
        assert trained.training is mode
    assert torch.equal(params[0].grad, torch.full_like(params[0], 0.5))
    assert all(p.grad is None for p in params[1:])
    params[0].grad = None
    trained.eval()


def test_attacking_while_another_thread_trains(digits):
    x, y, x_test, y_test = digits
    torch.manual_seed(1)
    model = build_classifier("cnn", (1, 8, 8), 10)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    stop, errors, steps = threading.Event(), [], [0]

    def train():
        try:
            while not stop.is_set():
                idx = torch.randint(0, len(x), (64,))
                loss = F.cross_entropy(model(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                steps[0] += 1
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=train, daemon=True)
    thread.start()
    attacks, deadline = 0, time.monotonic() + 1.0
    try:
        while time.monotonic() < deadline:
            x_adv = pgd(model, x_test[:64], y_test[:64], eps=0.1, alpha=0.025, steps=3)
            fgsm(model, x_test[:64], y_test[:64], eps=0.1)
            assert (x_adv - x_test[:64]).abs().max() <= 0.1 + 1e-6
            attacks += 1
    finally:
        stop.set()
        thread.join(5)
    assert not errors, errors
    assert attacks > 0 and steps[0] > 0


@pytest.mark.parametrize("kwargs, word", [
    (dict(eps=-0.1), "eps=-0.1"), (dict(eps=float("nan")), "eps=nan"), (dict(eps=float("inf")), "eps=inf"),
    (dict(alpha=0.0), "alpha=0.0"), (dict(alpha=-1), "alpha=-1"), (dict(steps=0), "steps=0"),
    (dict(steps=2.5), "steps=2.5"), (dict(clip=(1.0, 0.0)), r"clip=\(1.0, 0.0\)"),
    (dict(clip=(0.5, 0.5)), r"clip=\(0.5, 0.5\)"),
])
def test_bad_arguments_raise(trained, digits, kwargs, word):
    _, _, x, y = digits
    args = {"eps": 0.1, "alpha": 0.01, "steps": 2, **kwargs}
    with pytest.raises(ValueError, match=word):
        pgd(trained, x, y, **args)
    if "alpha" not in kwargs and "steps" not in kwargs:
        with pytest.raises(ValueError, match=word):
            fgsm(trained, x, y, eps=args["eps"], clip=args.get("clip", (0, 1)))


def test_bad_inputs_raise(trained, digits):
    _, _, x, y = digits
    with pytest.raises(ValueError, match="y with shape"):
        fgsm(trained, x, y[:-1], eps=0.1)
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        pgd(trained, bad, y, eps=0.1, alpha=0.01, steps=1)
    with pytest.raises(ValueError, match="outside clip"):
        fgsm(trained, x * 2 - 1, y, eps=0.1)                 # GAN-range images given to a [0, 1] classifier
    with pytest.raises(ValueError, match="'cw'"):
        accuracy_vs_eps(trained, x, y, [0.1], attack="cw")


def test_discriminator_attack_moves_the_logit(digits):
    from gan_core.config import TrainConfig
    from gan_core.models import build_discriminator

    x, _, _, _ = digits
    real = x[:256] * 2 - 1                                  # GAN range [-1, 1]
    torch.manual_seed(0)
    disc = build_discriminator(TrainConfig.for_dataset("digits"), (1, 8, 8))
    opt = torch.optim.Adam(disc.parameters(), lr=1e-3)
    for _ in range(30):                                     # tell digits from uniform noise
        fake = torch.rand_like(real) * 2 - 1
        loss = F.binary_cross_entropy_with_logits(disc(real), torch.ones(len(real))) + \
            F.binary_cross_entropy_with_logits(disc(fake), torch.zeros(len(fake)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    disc.train()
    fake = torch.rand(128, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        d_fake, d_real = disc(fake).mean().item(), disc(real[:128]).mean().item()
    fooled = attack_discriminator(disc, fake, towards_real=True, eps=0.1, alpha=0.025, steps=10)
    doubted = attack_discriminator(disc, real[:128], towards_real=False, eps=0.1, alpha=0.025, steps=10)
    assert (fooled - fake).abs().max() <= 0.1 + 1e-6 and fooled.min() >= -1 and fooled.max() <= 1
    with torch.no_grad():
        assert disc(fooled).mean().item() > d_fake + 1.0
        assert disc(doubted).mean().item() < d_real - 1.0
    assert disc.training


# ---- adversarial training ----------------------------------------------------------------------------------
def _finite(metrics):
    return all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())


@pytest.mark.parametrize("method", ["pgd", "fgsm_rs", "standard"])
def test_trainer_step_returns_finite_metrics(method):
    cfg = AdvTrainConfig(method=method, batch_size=64, attack_steps=3, eval_every=2, adv_fraction=0.5)
    trainer = AdversarialTrainer(cfg, device="cpu")
    first = trainer.step()
    assert {"loss", "train_acc", "lr", "clean_acc", "pgd_acc"} <= set(first) and _finite(first)
    assert trainer.step(sync=False) and trainer.step(sync=False) == {}   # step 2 evaluates, step 3 does not
    assert trainer.step_count == 3 and trainer.images_per_step == 64 and trainer.view() is None


def test_apply_changes_is_live_and_strict():
    trainer = AdversarialTrainer(AdvTrainConfig(batch_size=32, attack_steps=2, optimizer="sgd"), device="cpu")
    trainer.step()
    diff = trainer.apply_changes(lr=0.01, eps=0.2, momentum=0.5, method="fgsm_rs")
    assert diff["lr"] == (1e-3, 0.01)
    assert all(g["lr"] == 0.01 and g["momentum"] == 0.5 for g in trainer.optimizer.param_groups)
    assert trainer.config.eps == 0.2 and _finite(trainer.step())
    for bad, word in ((dict(dataset="mnist"), "dataset"), (dict(bogus=1), "bogus"), (dict(eps=-1.0), "eps=-1.0"),
                      (dict(method="cw"), "method='cw'")):
        with pytest.raises(ValueError, match=word):
            trainer.apply_changes(**bad)
    assert trainer.config.lr == 0.01


def test_config_validation_and_round_trip():
    cfg = AdvTrainConfig(eps=0.2, method="fgsm_rs")
    assert AdvTrainConfig.from_dict(cfg.to_dict()) == cfg
    assert AdvTrainConfig.from_dict({"eps": "0.3", "attack_steps": "5"}).validate().attack_steps == 5
    # JSON may carry 7.0 for an integer knob (this raised AttributeError before it shared LessonConfig's coercion)
    assert AdvTrainConfig.from_dict({"attack_steps": 7.0}).attack_steps == 7
    with pytest.raises(ValueError, match="unknown config key 'nope'"):
        AdvTrainConfig.from_dict({"nope": 1})
    assert AdvTrainConfig(alpha=0.0, eps=0.2).step_size == pytest.approx(0.05)
    for bad, word in ((dict(method="x"), "method='x'"), (dict(attack_steps=0), "attack_steps=0"),
                      (dict(adv_fraction=1.5), "adv_fraction=1.5"), (dict(kind="rnn"), "kind='rnn'")):
        with pytest.raises(ValueError, match=word):
            AdvTrainConfig(**bad).validate()
    with pytest.raises(ValueError, match="nope"):
        AdvTrainConfig.from_dict({"nope": 1})


def test_state_dict_round_trip():
    cfg = AdvTrainConfig(batch_size=32, attack_steps=2)
    a = AdversarialTrainer(cfg, device="cpu")
    for _ in range(3):
        a.step()
    buffer = io.BytesIO()
    torch.save(a.state_dict(), buffer)
    buffer.seek(0)
    b = AdversarialTrainer(cfg, device="cpu")
    b.load_state_dict(torch.load(buffer, weights_only=True))
    assert b.step_count == 3
    assert a.step()["loss"] == pytest.approx(b.step()["loss"], rel=1e-5)
