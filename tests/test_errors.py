"""One error tree: every exception class the product defines derives from LandparkError, and product code
raises no bare built-in error that a front door could not tell from a bug."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import analysis
import i18n
import layers
import maps
import reports
import spatial
from spatial.errors import InputError, LandparkError, UsageError

PACKAGES = (spatial, layers, analysis, maps, reports, i18n)
# Built-ins that product code may still raise: protocol errors (__getattr__) and import-time self-checks.
ALLOWED = {"AttributeError", "NotImplementedError", "AssertionError", "StopIteration"}
BUILTIN_ERRORS = {name for name in dir(__builtins__ if isinstance(__builtins__, dict) else __builtins__)
                  if name.endswith("Error")} | {"Exception"}


def _modules():
    for package in PACKAGES:
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            yield importlib.import_module(info.name)


def test_every_product_exception_derives_from_the_root():
    outside = []
    for module in _modules():
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__
                    and not issubclass(obj, LandparkError)):
                outside.append(f"{module.__name__}.{name}")
    assert outside == []


def test_product_code_raises_no_bare_builtin_error():
    found = []
    for module in _modules():
        path = Path(module.__file__)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                name = node.exc.func.id
                if name in BUILTIN_ERRORS and name not in ALLOWED:
                    found.append(f"{path.name}:{node.lineno} raise {name}")
    assert found == []


def test_the_tree_has_its_documented_shape():
    from analysis.siting import RequestError
    from layers.readers import SourceCRSError
    from reports.fonts import MissingFontError
    from spatial.crs import CRSError

    assert issubclass(InputError, ValueError) and issubclass(UsageError, ValueError)
    assert issubclass(CRSError, InputError) and issubclass(SourceCRSError, CRSError)
    assert issubclass(RequestError, UsageError)
    assert issubclass(MissingFontError, LandparkError)


@pytest.mark.parametrize("call", [
    lambda: importlib.import_module("maps.choropleth").classify([1.0, 2.0, 3.0], scheme="nonsense"),
    lambda: importlib.import_module("analysis.siting.mcda").normalise_weights([-1.0, 2.0]),
])
def test_a_bad_argument_is_a_usage_error(call):
    with pytest.raises(UsageError):
        call()
