"""The Streamlit app's pages. Each module has one `render()`; logic lives in `analysis` and `layers`."""

import ui.text  # noqa: F401  registers the pages' text in the one translation table
