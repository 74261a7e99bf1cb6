"""Run ``sphinx-build`` and print how long the build spent in cliche's own code.

    python benchmarks/share.py -q -b html docs docs/_build    # prints "own 1.234"
    python benchmarks/share.py --detail -q -b html docs docs/_build

``--detail`` also prints, after the sum, the seconds counted at each entry
point, largest first (``  1.234  HistoryDirective.run``): where to look first.

A Sphinx build's time is mostly Sphinx's and docutils': reading, resolving,
writing, indexing.  What the extension adds runs through a known set of
entry points: its directives, post-transforms, domain, node visitors and
event handlers.  Each is wrapped here before Sphinx loads the extension, and
a call's time counts once, at the outermost entry point, with everything it
calls (reading the revision files, building the docutils nodes it returns,
running ``dot`` for its graphs).  The sum is printed on stdout when the build
ends; Sphinx's own output goes to stderr with ``-q``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import sys
import time
from collections.abc import Callable
from typing import Any

from sphinx.cmd.build import main as sphinx_build
from sphinx.domains import Domain
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

import sphinxcontrib_cliche.sphinx as face

#: Every module of the extension's Sphinx face: their classes and event handlers
#: are its entry points.
MODULES = tuple(
    importlib.import_module(f"{face.__name__}.{module.name}")
    for module in pkgutil.iter_modules(face.__path__)
)
#: Methods through which Sphinx calls into a directive, transform or domain.
METHODS = (
    "run",
    "apply",
    "resolve_xref",
    "resolve_any_xref",
    "merge_domaindata",
    "clear_doc",
    "get_objects",
)
#: Module-level functions that ``setup()`` hands to Sphinx (handlers, visitors).
FUNCTIONS = (
    "_add_static",
    "_check_config",
    "write_pages",
    "outdated_documents",
    "check_histories",
    "draw_ahead",
    "finish",
    "release_written",
    "freeze_histories",
    "unfreeze",
    "warn_missing_revision",
    "html_visit",
    "latex_visit",
    "texinfo_visit",
)


class Clock:
    """Time spent inside wrapped calls, counted at the outermost one (and by its name)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0
        self.by_entry: dict[str, float] = {}

    def wrap(self, function: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
        entry = name or function.__qualname__
        # a generator's work happens as it is iterated: time the whole of it
        call = _drained(function) if inspect.isgeneratorfunction(function) else function

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return call(*args, **kwargs)
            self.depth += 1
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                self.seconds += spent
                self.by_entry[entry] = self.by_entry.get(entry, 0.0) + spent
                self.depth -= 1

        return timed


def _drained(function: Callable[..., Any]) -> Callable[..., Any]:
    def drained(*args: Any, **kwargs: Any) -> Any:
        return iter(list(function(*args, **kwargs)))

    return drained


def instrument(clock: Clock) -> list[str]:
    """Wrap every entry point; return their names (so a renamed one is noticed)."""
    wrapped = []
    for module in MODULES:
        for name in FUNCTIONS:
            if callable(getattr(module, name, None)):
                qualified = f"{module.__name__}.{name}"
                setattr(module, name, clock.wrap(getattr(module, name), qualified))
                wrapped.append(qualified)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and cls.__module__ == module.__name__):
                continue
            if not issubclass(cls, SphinxDirective | SphinxPostTransform | Domain):
                continue
            for name in METHODS:
                if name in vars(cls):
                    qualified = f"{cls.__qualname__}.{name}"
                    setattr(cls, name, clock.wrap(vars(cls)[name], qualified))
                    wrapped.append(qualified)
    return wrapped


def main() -> int:
    argv = sys.argv[1:]
    detail = argv[:1] == ["--detail"]
    clock = Clock()
    wrapped = instrument(clock)
    assert wrapped, "no entry point of the extension found to time"
    status = sphinx_build(argv[1:] if detail else argv)
    print(f"own {clock.seconds:.3f}")
    if detail:
        for entry, seconds in sorted(clock.by_entry.items(), key=lambda item: -item[1]):
            print(f"  {seconds:7.3f}  {entry}")
    return status


if __name__ == "__main__":
    sys.exit(main())
