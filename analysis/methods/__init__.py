"""Method files: how a county scores, ranks and classes its firms (docs/method-format.md)."""

from analysis.methods.catalogue import INLINE, PRESETS_DIR, list_methods, load_method, method_from_settings, preset_paths
from analysis.methods.method_file import Method, method_from_dict, read_method

__all__ = ["INLINE", "PRESETS_DIR", "Method", "list_methods", "load_method", "method_from_dict", "method_from_settings",
           "preset_paths", "read_method"]
