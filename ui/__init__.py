"""The Streamlit app's pages. Each module has one `render()`; logic lives in `analysis` and `layers`."""
