"""GAN Classroom: entry point (navigation only). The pages live in pages/; to add one, add one line to PAGES."""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads (see gan_core/__init__.py)

import streamlit as st

from ui import browser, classroom, logs, owner_cookie, server, sidebar  # importing ui turns the widget guard on
from ui.i18n import t

st.set_page_config(page_title="GAN Classroom", page_icon="🎓", layout="wide")
logs.setup()  # gan_core's run lines on the server's stderr at $GAN_LOG_LEVEL
server.configure_threads()  # torch intra-op threads for serving: a core stays free for the web server
browser.sync_lang()
classroom.sync_teacher()  # ?teacher=<GAN_TEACHER_TOKEN> once: this browser is the teacher's

PAGES = [  # (file, title key, icon, url path)
    ("pages/train.py", "page.train", ":material/model_training:", "train"),
    ("pages/live_curves.py", "page.curves", ":material/show_chart:", "curves"),
    ("pages/compare.py", "page.compare", ":material/compare:", "compare-runs"),
    ("pages/own_data.py", "page.own_data", ":material/draw:", "own-data"),
    ("pages/step_explained.py", "page.step", ":material/slow_motion_video:", "step"),
    ("pages/discriminator.py", "page.disc", ":material/scatter_plot:", "features"),
    ("pages/latent_space.py", "page.latent", ":material/grid_view:", "latent"),
    ("pages/distribution_shift.py", "page.shift", ":material/compare_arrows:", "shift"),
    ("pages/augment.py", "page.augment", ":material/library_add:", "augment"),
    ("pages/attacks.py", "page.attacks", ":material/bolt:", "adversarial"),
]
page = st.navigation([st.Page(f, title=t(k), icon=i, url_path=u, default=n == 0)
                      for n, (f, k, i, u) in enumerate(PAGES)])
sidebar.render()
browser.browser_id()  # from the first run on, so the token's element below is there on every run, not just later
with st.sidebar:  # (not the main area: an element that appears there later shifts the page and resets its tabs)
    owner_cookie.keep_token()  # a new browser's owner token goes into its cookie: a reload still owns its runs
page.run()
