"""The visible checks learners run, one module per notebook (`coursekit/visible/<notebook>.py`).

Importing the package imports every module and wraps each `check_*` function with
`expect.guarded`, so that every visible check of every notebook answers with a message, never a
traceback of its own (see `expect`).
"""

import importlib
import pkgutil

from coursekit.visible.expect import guard_module

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "expect":
        guard_module(importlib.import_module(f"{__name__}.{_module.name}"))
