"""Extra CLI commands, each in its own module with a ``register(app)`` function.

``hubbub.cli`` imports the modules named in :data:`COMMAND_MODULES` (an explicit list, not a plugin
scan). A command body raises :class:`hubbub.errors.HubbubError` for bad input; ``hubbub.cli.guard``
turns that into one clear line and exit status 2.
"""

COMMAND_MODULES: tuple[str, ...] = ("scenarios", "interview", "survey", "personas", "report", "bench", "sweep", "s3", "evaluate", "estimate", "fork", "watch")
