import pytest
import torch

from gan_core.config import TrainConfig
from gan_core.models import build_discriminator, build_generator

CASES = [("ring8", (2,), "mlp"), ("digits", (1, 8, 8), "mlp"), ("mnist", (1, 28, 28), "mlp"),
         ("mnist", (1, 28, 28), "dcgan"), ("cifar10", (3, 32, 32), "dcgan"), ("digits", (1, 8, 8), "dcgan")]


@pytest.mark.parametrize("dataset,shape,model", CASES)
@pytest.mark.parametrize("conditional", [False, True])
def test_shapes(dataset, shape, model, conditional):
    cfg = TrainConfig.for_dataset(dataset, model=model, conditional=conditional, dcgan_width=8)
    g, d = build_generator(cfg, shape, 10), build_discriminator(cfg, shape, 10)
    z, y = torch.randn(4, cfg.latent_dim), torch.randint(0, 10, (4,))
    x = g(z, y if conditional else None)
    assert x.shape == (4, *shape)
    if len(shape) == 3:
        assert x.min() >= -1 and x.max() <= 1  # tanh output, the data's range
    logits = d(x, y if conditional else None)
    assert logits.shape == (4,)


@pytest.mark.parametrize("model,shape", [("mlp", (2,)), ("dcgan", (1, 28, 28))])
def test_feature_layer_of_two_units(model, shape):
    cfg = TrainConfig.for_dataset("ring8" if model == "mlp" else "mnist", d_feature_dim=2, dcgan_width=8)
    d = build_discriminator(cfg, shape)
    assert d.features(torch.randn(5, *shape)).shape == (5, 2)


def test_spectral_norm_bounds_the_weights():
    cfg = TrainConfig.for_dataset("ring8", spectral_norm=True)
    d = build_discriminator(cfg, (2,))
    d.train()
    for _ in range(20):  # power iteration converges during forward passes
        d(torch.randn(8, 2))
    first = d.body[0]
    sigma = torch.linalg.matrix_norm(first.weight, ord=2)
    assert sigma.item() == pytest.approx(1.0, rel=0.05)


def test_dropout_and_minibatch_std_switches():
    cfg = TrainConfig.for_dataset("ring8", dropout_d=0.3, minibatch_std=True)
    d = build_discriminator(cfg, (2,))
    assert any(isinstance(m, torch.nn.Dropout) for m in d.modules())
    assert d.head.in_features == cfg.d_hidden[-1] + 1
