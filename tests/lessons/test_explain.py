"""gan_core.lessons.explain: one real iteration in slow motion, identical to Trainer.step, with arrays per stage."""
import numpy as np
import pytest
import torch

from gan_core.config import TrainConfig
from gan_core.lessons.explain import STAGES, explain_step
from gan_core.trainer import Trainer


def tiny(**kw):
    base = dict(g_hidden=[16, 16], d_hidden=[16, 16], batch_size=64, n_points=512, seed=3)
    return TrainConfig.for_dataset(kw.pop("dataset", "ring8"), **{**base, **kw})


def _params(tr):
    return [p.detach().clone() for p in list(tr.generator.parameters()) + list(tr.discriminator.parameters())]


@pytest.mark.parametrize("kw", [{}, {"loss": "wgan_gp", "d_steps": 2}, {"loss": "minimax", "dropout_d": 0.2},
                                {"dataset": "quadratic"}])
def test_explain_step_is_exactly_one_trainer_step(kw):
    a, b = Trainer(tiny(**kw), device="cpu"), Trainer(tiny(**kw), device="cpu")
    torch.manual_seed(0)
    a.step("both")
    torch.manual_seed(0)
    stages = explain_step(b)
    assert [s.key for s in stages] == list(STAGES)
    assert a.step_count == b.step_count == 1
    for pa, pb in zip(_params(a), _params(b), strict=True):
        assert torch.equal(pa, pb)
    # the wrappers are gone: the class's methods are used again
    assert "d_update" not in b.__dict__ and "next" not in b.batcher.__dict__


def test_stage_arrays_tell_the_story():
    tr = Trainer(tiny(loss="nonsaturating", d_steps=1), device="cpu")  # one D update: G reuses D's fakes
    for _ in range(3):
        tr.step()
    stages = {s.key: s for s in explain_step(tr, grid=20)}
    assert stages["noise"].arrays["z"].shape == (64, 2)
    fakes = stages["fakes"].arrays["fake"]
    assert fakes.shape == (64, 2) and stages["fakes"].arrays["real"].shape == (64, 2)
    assert stages["d_scores"].arrays["logits"].shape == (20, 20)
    change = stages["d_gradients"].arrays["logit_change"]
    assert change.shape == (20, 20) and np.abs(change).max() > 0          # D's update changed its verdict
    assert np.array_equal(stages["d_update"].arrays["real"], stages["fakes"].arrays["real"])
    g = stages["g_gradients"].arrays
    assert g["grad"].shape == (64, 2) and np.isfinite(g["grad"]).all()
    upd = stages["g_update"].arrays
    assert np.array_equal(upd["fake_before"], fakes)                       # the same fakes D saw (reuse)
    assert not np.allclose(upd["fake"], upd["fake_before"])                # one G update moves the fakes ...
    assert np.array_equal(upd["real"], stages["fakes"].arrays["real"])     # ... never the real points
    v = stages["g_update"].values
    assert v["moved"] > 0 and np.isfinite(v["loss_d"]) and np.isfinite(v["loss_g"]) and v["step"] == 4


def test_images_are_refused():
    cfg = TrainConfig.for_dataset("digits", g_hidden=[8], d_hidden=[8], batch_size=8)
    with pytest.raises(ValueError, match="2-D"):
        explain_step(Trainer(cfg, device="cpu"))
