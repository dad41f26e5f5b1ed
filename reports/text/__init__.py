"""The exports' own text, one module per format; importing this package registers every section in
`i18n.TEXT`, the one translation table (each module registers its own, so importing one module alone
also works)."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
