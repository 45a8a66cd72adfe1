"""The run record: one SQLite event log plus a manifest per run, and readers and exports of it.

Write with :class:`RunStore`, describe the run with :func:`build_manifest` / :func:`write_manifest`,
read it back with :func:`load_run` (pandas) or :func:`export_run` (Parquet/CSV). The schema reference
is ``docs/schema.md``, generated from :mod:`hubbub.store.schema`.
"""

from hubbub.store.api import Run, load_run, load_runs
from hubbub.store.export import export_run
from hubbub.store.manifest import WALL_CLOCK_FIELDS, build_manifest, read_manifest, write_manifest
from hubbub.store.runstore import RunStore

__all__ = [
    "Run",
    "RunStore",
    "WALL_CLOCK_FIELDS",
    "build_manifest",
    "export_run",
    "load_run",
    "load_runs",
    "read_manifest",
    "write_manifest",
]
