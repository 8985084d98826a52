import json
import math

import pytest

from gan_core.config import DATASETS, LIVE_KEYS, TrainConfig, coerce, list_presets, load_preset


def test_defaults_validate_for_every_dataset():
    for name in DATASETS:
        extra = {"data_root": "x.csv"} if name in ("points", "folder") else {}
        cfg = TrainConfig.for_dataset(name, **extra).validate()
        assert cfg.dataset == name


def test_json_round_trip():
    cfg = TrainConfig.for_dataset("quadratic", lr_g=3e-4, g_hidden=[8, 4], spectral_norm=True)
    again = TrainConfig.from_json(cfg.to_json())
    assert again == cfg
    assert json.loads(cfg.to_json())["g_hidden"] == [8, 4]


@pytest.mark.parametrize("key,value,needle", [
    ("dataset", "imagenet", "ring8"),            # lists the valid ones
    ("lr_g", float("nan"), "lr_g"),
    ("lr_d", -1.0, "lr_d"),
    ("lr_d", 0.0, "lr_d"),
    ("batch_size", 10**6, "batch_size"),
    ("loss", "bce", "minimax"),
    ("g_hidden", [], "g_hidden"),
    ("dropout_d", 1.5, "dropout_d"),
    ("d_steps", 0, "d_steps"),
])
def test_bad_values_name_key_and_allowed(key, value, needle):
    with pytest.raises(ValueError) as info:
        TrainConfig.from_dict({key: value}).validate()
    assert needle in str(info.value)
    assert key in str(info.value)


def test_unknown_key_and_wrong_type():
    with pytest.raises(ValueError, match="unknown config key 'lr'"):
        TrainConfig.from_dict({"lr": 0.1})
    with pytest.raises(ValueError, match="batch_size='many'"):
        TrainConfig.from_dict({"batch_size": "many"})
    with pytest.raises(ValueError, match="not a finite"):
        coerce("lr_g", "inf")


def test_coerce_strings_from_command_line():
    assert coerce("batch_size", "64") == 64
    assert coerce("spectral_norm", "true") is True
    assert coerce("g_hidden", "256,512") == [256, 512]
    assert math.isclose(coerce("lr_g", "2e-4"), 2e-4)


def test_dcgan_needs_images_and_points_need_root():
    with pytest.raises(ValueError, match="dcgan"):
        TrainConfig.for_dataset("ring8", model="dcgan").validate()
    with pytest.raises(ValueError, match="data_root"):
        TrainConfig.for_dataset("points").validate()


def test_presets_required_by_the_course_exist_and_validate():
    presets = list_presets()
    for name in ("quadratic-classic", "ring8-collapse", "ring8-wgan-gp", "digits-mlp", "mnist-mlp-classic",
                 "fashion-dcgan"):
        assert name in presets
        assert presets[name]["description"]   # both languages' texts: tests/app/test_i18n.py
        load_preset(name).validate()
    classic = load_preset("quadratic-classic")
    assert (classic.g_hidden, classic.d_hidden, classic.d_feature_dim) == ([16, 16], [16, 16], 2)
    assert classic.optimizer_d == "rmsprop" and classic.lr_d == 1e-3
    mlp = load_preset("mnist-mlp-classic")
    assert (mlp.latent_dim, mlp.g_hidden, mlp.d_hidden, mlp.batch_size) == (100, [256, 512, 1024], [512, 256], 64)
    with pytest.raises(ValueError, match="preset='nope'"):
        load_preset("nope")


def test_live_keys_are_fields():
    names = set(TrainConfig().to_dict())
    assert LIVE_KEYS <= names
