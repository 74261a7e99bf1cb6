"""The ``cliche_*`` configuration values, declared once.

The same table registers the values with Sphinx (with their types and
rebuild scope) and generates the configuration reference in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.errors import ConfigError

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

#: What a history with several heads does to the build.
MULTIPLE_HEADS_POLICIES = ("error", "warning", "ignore")


@dataclass(frozen=True)
class ConfigValue:
    name: str
    default: object
    types: tuple[type, ...]
    doc: str
    choices: tuple[str, ...] = ()


CONFIG_VALUES = (
    ConfigValue(
        "cliche_config",
        None,
        (str, type(None)),
        "Default history for directives given no argument: an ``alembic.ini``, a "
        "``pyproject.toml`` with ``[tool.alembic]``, a script folder or a versions folder, "
        "relative to the folder of ``conf.py``.",
    ),
    ConfigValue(
        "cliche_multiple_heads",
        "error",
        (str,),
        "What a history with more than one head does: ``error`` stops the build naming the "
        "heads and the fix, ``warning`` logs a ``cliche.multiple-heads`` warning, ``ignore`` "
        "only renders.",
        MULTIPLE_HEADS_POLICIES,
    ),
    ConfigValue(
        "cliche_graph",
        False,
        (bool,),
        "Default of the ``:graph:`` / ``:no-graph:`` options of ``cliche-history``.",
    ),
    ConfigValue(
        "cliche_graph_collapse",
        3,
        (int, type(None)),
        "Runs of plain revisions (one parent, one child, no mark, label or dependency) longer "
        "than this are drawn as one box; ``None`` draws every revision.",
    ),
    ConfigValue(
        "cliche_graph_direction",
        "newest-top",
        (str,),
        "Where the graph puts the newest revisions.",
        ("newest-top", "oldest-top", "left-right", "right-left"),
    ),
    ConfigValue(
        "cliche_operations",
        True,
        (bool,),
        "Default of the ``:operations:`` / ``:no-operations:`` options of ``cliche-history``.",
    ),
    ConfigValue(
        "cliche_alembic_docs_url",
        "https://alembic.sqlalchemy.org/en/latest/ops.html",
        (str,),
        "Alembic's Operation Reference, linked from each operation when ``alembic`` is not in "
        "``intersphinx_mapping`` (with intersphinx, the links resolve through it).",
    ),
    ConfigValue(
        "cliche_loader",
        "static",
        (str,),
        "How revision files are read: ``static`` (default; never runs them) or ``alembic`` "
        "(imports them with Alembic's loader, for projects that compute their ids).",
        ("static", "alembic"),
    ),
    ConfigValue(
        "cliche_recursive",
        False,
        (bool,),
        "Walk sub-folders of a plain versions folder (configuration files carry their own "
        "``recursive_version_locations``).",
    ),
)


def register(app: Sphinx) -> None:
    for value in CONFIG_VALUES:
        app.add_config_value(value.name, value.default, "env", types=value.types)
    app.connect("config-inited", _check_config)


def _check_config(app: Sphinx, config: Config) -> None:
    """Anchor ``cliche_config`` to ``conf.py``'s folder and reject unknown choices early."""
    if config.cliche_config:
        config.cliche_config = str(Path(app.confdir, config.cliche_config))
    for value in CONFIG_VALUES:
        if value.choices and getattr(config, value.name) not in value.choices:
            raise ConfigError(
                f"{value.name} = {getattr(config, value.name)!r}; expected one of "
                + ", ".join(repr(choice) for choice in value.choices)
            )
