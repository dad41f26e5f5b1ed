"""Landpark's tests: importable as `tests.*` so that helpers (hostile inputs, bureau-shaped files, app helpers) are shared."""
