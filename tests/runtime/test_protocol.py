"""The four trainers a TrainingSession drives meet gan_core/runtime/protocol.py, and every live knob of every one
of them, changed through ``session.update``, reaches the optimiser, the model or the batcher the next step uses."""
import math
from dataclasses import fields

import pytest
from torch import nn
from waiting import wait_for

from gan_core.config import TrainConfig
from gan_core.lessons.adversarial import AdversarialTrainer, AdvTrainConfig
from gan_core.lessons.augment import AugmentConfig, AugmentTrainer
from gan_core.lessons.dann import DANNTrainer, ShiftConfig
from gan_core.runtime.protocol import RunConfig, SessionTrainer, check_trainer
from gan_core.runtime.session import TrainingSession
from gan_core.trainer import Trainer


def _one(values):
    """The value every optimiser group / batcher holds, or the differing values themselves."""
    values = set(values)
    return values.pop() if len(values) == 1 else tuple(sorted(values))


def _config(key):
    return lambda tr: getattr(tr.config, key)


RUN_KEYS = {"eval_every": 7, "log_every": 3, "snapshot_every": 11, "checkpoint_every": 13, "max_steps": 500,
            "max_seconds": 900.0}
BOOKKEEPING = {key: (value, _config(key)) for key, value in RUN_KEYS.items()}   # read by the session's loop

# trainer name -> (config, factory, {live key: (new value, what the trainer's next step uses)})
GAN = (TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=200, batch_size=16, log_every=1,
                               optimizer_d="sgd", optimizer_g="adam", momentum=0.1, ema=0.0, device="cpu"),
       None,
       {"lr_g": (3e-4, lambda tr: _one(g["lr"] for g in tr.opt_g.param_groups)),
        "lr_d": (2e-4, lambda tr: _one(g["lr"] for g in tr.opt_d.param_groups)),
        "beta1": (0.3, lambda tr: tr.opt_g.param_groups[0]["betas"][0]),           # Adam's G
        "beta2": (0.95, lambda tr: tr.opt_g.param_groups[0]["betas"][1]),
        "momentum": (0.7, lambda tr: tr.opt_d.param_groups[0]["momentum"]),      # SGD's D
        "weight_decay": (0.01, lambda tr: _one(g["weight_decay"] for o in (tr.opt_d, tr.opt_g)
                                               for g in o.param_groups)),
        "batch_size": (24, lambda tr: tr.batcher.batch_size),
        "d_steps": (3, lambda tr: tr.images_per_step // tr.batcher.batch_size - tr.config.g_steps),
        "g_steps": (2, lambda tr: tr.images_per_step // tr.batcher.batch_size - tr.config.d_steps),
        "dropout_d": (0.25, lambda tr: _one(m.p for m in tr.discriminator.modules() if isinstance(m, nn.Dropout))),
        "ema": (0.9, lambda tr: tr.config.ema if tr.ema_generator is not None else "no EMA copy"),
        "lr_decay": (0.5, _config("lr_decay")), "loss": ("hinge", _config("loss")),
        "label_smoothing": (0.1, _config("label_smoothing")), "instance_noise": (0.05, _config("instance_noise")),
        "gp_weight": (5.0, _config("gp_weight")), "clip_value": (0.05, _config("clip_value")),
        "grad_clip": (1.5, _config("grad_clip")), **BOOKKEEPING})
ADVERSARIAL = (AdvTrainConfig(batch_size=16, attack_steps=1, kind="mlp", optimizer="sgd", eval_every=1000,
                              device="cpu"),
               AdversarialTrainer,
               {"lr": (0.02, lambda tr: _one(g["lr"] for g in tr.optimizer.param_groups)),
                "momentum": (0.5, lambda tr: _one(g["momentum"] for g in tr.optimizer.param_groups)),
                "batch_size": (8, lambda tr: len(tr.next_batch()[0])),
                "eps": (0.2, _config("eps")), "alpha": (0.05, _config("alpha")),
                "attack_steps": (2, _config("attack_steps")), "adv_fraction": (0.5, _config("adv_fraction")),
                "method": ("fgsm_rs", _config("method")), **BOOKKEEPING})
DANN = (ShiftConfig(batch_size=16, kind="mlp", eval_every=1000, warmup_steps=10, device="cpu"),
        DANNTrainer,
        {"lr": (5e-4, lambda tr: _one(g["lr"] for o in tr.opts.values() for g in o.param_groups)),
         "batch_size": (8, lambda tr: _one((tr.source.batch_size, tr.target.batch_size))),
         "domain_weight": (0.5, _config("domain_weight")), "warmup_steps": (0, _config("warmup_steps")),
         **BOOKKEEPING})
AUGMENT = (AugmentConfig(seeds=1, labels_per_class=3, gan_steps=50, clf_steps=5, gen_per_class=4, kind="mlp",
                         device="cpu"),
           AugmentTrainer,
           {k: v for k, v in BOOKKEEPING.items() if k != "max_steps"})
TRAINERS = {"gan": GAN, "adversarial": ADVERSARIAL, "dann": DANN, "augment": AUGMENT}


@pytest.mark.parametrize("name", list(TRAINERS))
def test_every_live_key_reaches_what_the_next_step_uses(name, runs_dir):
    config, factory, probes = TRAINERS[name]
    assert set(probes) == type(config).LIVE_KEYS   # a new live knob needs its probe here
    sess = TrainingSession(config, run_dir=runs_dir / name, trainer_factory=factory)
    sess.step(1)
    assert wait_for(lambda: sess.snapshot().state == "paused" and sess.snapshot().step == 1, timeout=60), \
        sess.snapshot().error
    for key, (value, _) in probes.items():
        assert sess.update(**{key: value}) == {key: value}
    assert wait_for(lambda: sess.trainer.config.max_seconds == 900.0)   # every update applied, in order
    with sess.between_steps() as trainer:
        reached = {key: probe(trainer) for key, (_, probe) in probes.items()}
    assert reached == {key: value for key, (value, _) in probes.items()}
    assert {k: sess.config.to_dict()[k] for k in probes} == {k: v for k, (v, _) in probes.items()}
    assert {k: sess.snapshot().config[k] for k in probes} == {k: v for k, (v, _) in probes.items()}
    sess.step(1)   # the next step trains with all of them
    assert wait_for(lambda: sess.snapshot().step == 2 and sess.snapshot().state == "paused", timeout=60)
    assert sess.snapshot().error is None and all(math.isfinite(v) for v in sess.snapshot().metrics.values())
    sess.stop()
    recorded = {k for e in sess.events() if e["kind"] == "update" for k in e["detail"]}
    assert recorded == set(probes)


def test_adversarial_training_takes_its_own_lr_live(runs_dir):
    """The defect the implicit protocol hid: an adversarial run's config had no LIVE_KEYS, so update(lr=...) was
    refused with the GAN's live knobs although the trainer takes lr."""
    sess = TrainingSession(ADVERSARIAL[0], run_dir=runs_dir / "adv", trainer_factory=AdversarialTrainer)
    assert sess.live_keys == AdvTrainConfig.LIVE_KEYS and "lr_g" not in sess.live_keys
    assert sess.update(lr=1e-4) == {"lr": 1e-4}
    with pytest.raises(ValueError, match="kind cannot change.*live knobs: adv_fraction, alpha"):
        sess.update(kind="cnn")
    sess.stop()


@pytest.mark.parametrize("name", list(TRAINERS))
def test_each_trainer_and_config_meets_the_protocol(name):
    config, factory, _ = TRAINERS[name]
    trainer = (factory or Trainer)(config)
    assert isinstance(trainer, SessionTrainer) and check_trainer(trainer) is trainer
    assert isinstance(config, RunConfig) and trainer.live_keys == type(config).LIVE_KEYS
    assert type(config).LIVE_KEYS <= {f.name for f in fields(config)}
    assert trainer.should_stop() is False   # on its own a trainer never stops early


def test_a_live_change_is_validated_once(runs_dir, monkeypatch):
    sess = TrainingSession(GAN[0], run_dir=runs_dir / "once")
    sess.step(1)
    assert wait_for(lambda: sess.snapshot().state == "paused" and sess.snapshot().step == 1)
    calls = []
    validate = TrainConfig.validate
    monkeypatch.setattr(TrainConfig, "validate", lambda self: calls.append(1) or validate(self))
    sess.update(lr_g=5e-4)
    assert wait_for(lambda: sess.trainer.opt_g.param_groups[0]["lr"] == 5e-4)
    assert len(calls) == 1
    sess.stop()


def test_a_trainer_missing_part_of_the_protocol_fails_at_start_naming_it(runs_dir):
    class Half:
        def __init__(self, config):
            self.config, self.step_count, self.images_per_step = config, 0, 1

        def step(self, part="both", *, sync=True):
            return {}

    sess = TrainingSession(GAN[0], run_dir=runs_dir / "half", trainer_factory=Half).start()
    assert wait_for(lambda: sess.snapshot().state == "failed")
    assert "Half cannot be driven by a TrainingSession" in sess.snapshot().error
    assert "apply_config" in sess.snapshot().error and "load_state_dict" in sess.snapshot().error
