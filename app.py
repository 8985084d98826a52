"""GAN Classroom: entry point (navigation only). The pages live in pages/."""
import streamlit as st

st.set_page_config(page_title="GAN Classroom", page_icon="🎓", layout="wide")
st.title("GAN Classroom")
st.write("The dashboard is being built; runs on disk:")
from gan_core.store import list_runs  # noqa: E402

st.dataframe(list_runs())
