"""The opt-in importing loader: read a history through Alembic itself.

For projects whose revision files compute their ids.  This *runs* every
revision file, exactly as ``alembic history`` does, so it is never the
default; the static reader is.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from sphinxcontrib_cliche.diagnostics import Code, Diagnostic
from sphinxcontrib_cliche.source.locations import Locations
from sphinxcontrib_cliche.source.records import RevisionRecord, RevisionValue
from sphinxcontrib_cliche.source.scan import SourceSnapshot


def import_history_files(locations: Locations) -> SourceSnapshot:
    """Load every revision by importing it with Alembic's own loader."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script_dir = locations.script_dir or str(Path(locations.version_locations[0]).parent)
    directory = ScriptDirectory(
        script_dir,
        version_locations=list(locations.version_locations),
        recursive_version_locations=locations.recursive,
        sourceless=locations.sourceless,
    )
    records: list[RevisionRecord] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scripts = list(directory._load_revisions())
    except (CommandError, Exception) as error:  # user code may raise anything
        where = getattr(error, "filename", None)
        return SourceSnapshot(
            locations,
            (),
            (Diagnostic(where, None, Code.SYNTAX_ERROR, f"importing loader failed: {error}"),),
            (),
            (),
        )
    for script in scripts:
        module = script.module
        records.append(
            RevisionRecord(
                revision=script.revision,
                down_revision=_value(module.down_revision),
                branch_labels=_value(getattr(module, "branch_labels", None)),
                depends_on=_value(getattr(module, "depends_on", None)),
                path=str(script.path),
                docstring=module.__doc__,
            )
        )
    return SourceSnapshot(locations, tuple(records), (), (), ())


def _value(value: object) -> RevisionValue:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    return str(value)
