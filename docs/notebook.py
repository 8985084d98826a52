# %% [markdown]
# # GAN Classroom from Python: train a run, read its metrics with pandas, plot them
#
# A notebook in plain Python: open it in VS Code or PyCharm (run the cells marked `# %%`), in Jupyter
# (with jupytext installed: right-click, "Open With", "Notebook"), or run it whole: `python docs/notebook.py`.
# `tests/test_export.py` executes it, so it keeps working.
#
# `TrainConfig` holds every knob (the same names as the dashboard's knobs and `--set KEY=VALUE`);
# `TrainingSession` trains in a background thread and writes a run folder, the same folder the dashboard
# lists: open it there with `?run=<folder name>`, or export it for TensorBoard with
# `python -m gan_core export <run folder> --tensorboard tb/`.

# %%
import os

import plotly.express as px

from gan_core import TrainConfig, TrainingSession
from gan_core.runtime.store import metrics_frame

STEPS = int(os.environ.get("GAN_NOTEBOOK_STEPS", "1500"))  # a few seconds on a laptop CPU

# %% [markdown]
# ## Train
# The ring of 8 Gaussians (lesson 4), with the settings that learn best on it. `wait()` blocks until the run
# ends; `session.snapshot()` shows its progress meanwhile (`.state`, `.step`, `.metrics`), and
# `session.update(lr_g=...)` turns a knob while it trains, as the dashboard's sliders do.

# %%
config = TrainConfig.for_dataset("ring8", max_steps=STEPS, log_every=10)
session = TrainingSession(config).start()
session.wait()
snap = session.snapshot()
print(f"{snap.state}: {snap.step} steps in {snap.elapsed:.1f} s, run folder {session.run_dir}")

# %% [markdown]
# ## Read the metrics
# `metrics_frame` reads any run folder (also one the dashboard or `python -m gan_core train` wrote) into a
# DataFrame: one row per logged step, one column per metric (`loss_d`, `loss_g`, `d_real`, `d_fake`, the
# gradient norms, the learning rates, and the evaluation figures of runs that have them).

# %%
frame = metrics_frame(session.run_dir)
print(frame[["loss_d", "loss_g", "d_real", "d_fake"]].describe().round(3))
frame.tail()

# %% [markdown]
# ## Plot
# The two losses against the step. At the equilibrium of the original GAN, D outputs 1/2 everywhere and its
# loss is 2 ln 2 = 1.386 (`loss_d` is the sum of its real and fake terms).

# %%
fig = px.line(frame, y=["loss_d", "loss_g"], labels={"value": "loss", "variable": ""},
              title=f"ring8, {snap.step} steps")
fig.add_hline(y=1.386, line_dash="dot", annotation_text="2 ln 2")
fig  # noqa: B018  (a notebook draws the chart here; fig.write_html("losses.html") saves it for a browser)
