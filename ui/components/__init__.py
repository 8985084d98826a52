"""Custom Streamlit components: a Plotly chart updated in place (zoom survives updates) and a point canvas."""
