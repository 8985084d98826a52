"""The plane over time as a GIF (ui/plane_gif.py): one frame per snapshot, the same axes and colour scale on
every frame, gradient arrows with real heads, and the frames of a real run."""
import io

import numpy as np
import pytest
from PIL import Image

from gan_core.views import View
from ui import plane_gif as pg


def _view(step, fake, grad, span=2.0, logit=1.0):
    grid = np.linspace(-span, span, 8)
    return View(kind="points", step=step, real=np.array([[1.0, 1.0]]), fake=np.asarray(fake, float),
                grad=np.asarray(grad, float), grid_x=grid, grid_y=grid, logits=np.full((8, 8), logit))


def _pixel(img, x, y, box):
    xmin, xmax, ymin, ymax = box
    return img.getpixel((round(pg.LEFT + (x - xmin) / (xmax - xmin) * pg.PLOT),
                         round(pg.TOP + (ymax - y) / (ymax - ymin) * pg.PLOT)))


def test_every_frame_has_the_same_axes_and_colour_scale():
    views = [_view(10, [[0, 0]], [[1, 0]], span=1.0, logit=0.5), _view(20, [[0, 0]], [[1, 0]], span=3.0, logit=-6.0)]
    assert pg.axes_of(views) == (-3.0, 3.0, -3.0, 3.0)      # the union of the grids, for every frame
    assert pg.logit_limit(views) == 6.0 and pg.logit_limit(views[:1]) == pg.LOGIT_FLOOR
    gif = Image.open(io.BytesIO(pg.plane_gif(views)))
    assert gif.n_frames == 2 and gif.info["loop"] == 0
    sizes = set()
    for k in range(gif.n_frames):
        gif.seek(k)
        sizes.add(gif.size)
    assert len(sizes) == 1
    first = pg.frame(views[0], pg.axes_of(views), pg.logit_limit(views))
    assert _pixel(first, -2.5, -2.5, pg.axes_of(views)) == (255, 255, 255)   # off the first grid: no verdict drawn
    assert _pixel(first, 0.5, -0.5, pg.axes_of(views)) != (255, 255, 255)    # on it: D's (pale) verdict
    with pytest.raises(ValueError):
        pg.plane_gif([View(kind="images", step=0)])


def test_gradient_arrows_have_heads_at_their_tips():
    tip = pg.arrow_head(0, 0, 10, 0, length=4)
    assert tip[0] == (10, 0) and tip[1][0] == tip[2][0] == 6 and sorted([tip[1][1], tip[2][1]]) == [-2, 2]
    up = pg.arrow_head(5, 5, 5, -5, length=4)                 # pointing up the image: the base lies below the tip
    assert up[0] == (5, -5) and up[1][1] == up[2][1] == -1
    box = (-2.0, 2.0, -2.0, 2.0)
    img = pg.frame(_view(0, [[-1.0, 0.0]], [[1.0, 0.0]]), box, 2.0)
    end = -1.0 + pg.ARROW * (box[1] - box[0])                   # the longest arrow of a frame: ARROW of the span
    assert _pixel(img, end - 0.03, 0.0, box) == pg.ARROW_RGB    # the head's filled triangle just before the tip
    half = pg.HEAD / 2 / pg.PLOT * (box[1] - box[0])            # its half width, in data units
    near_tip = end - 0.8 * pg.HEAD / pg.PLOT * (box[1] - box[0])
    assert _pixel(img, near_tip, 0.6 * half, box) == pg.ARROW_RGB   # wider than the one-pixel shaft


def test_the_gif_of_a_real_run():
    import torch

    from gan_core import TrainConfig, Trainer

    torch.manual_seed(0)
    tr = Trainer(TrainConfig.for_dataset("ring8", g_hidden=[8], d_hidden=[8], n_points=300, batch_size=16,
                                         device="cpu", threads=1))
    views = []
    for _ in range(3):
        tr.step()
        views.append(tr.view())
    gif = Image.open(io.BytesIO(pg.plane_gif(views, lang="zh")))
    assert gif.n_frames == 3
