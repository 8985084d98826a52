"""Streamlit-side helpers shared by the pages: state (registry, current run), i18n, charts, controls, panels."""
