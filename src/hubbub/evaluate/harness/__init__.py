"""Run evaluation tasks x policies with one backend configuration and write the results.

``run_suite(settings)`` runs each task in turn and writes ``OUT/results.csv`` (columns ``task,
dataset, split, n, policy, backend, model, metric, value``) and ``OUT/results.md`` (the same figures
grouped by task, each with backend, model, split and sample size, and the paper's published figure
next to ours where one exists). Learned classifiers go to ``OUT/policies/`` and fitted classical
baselines to ``OUT/fitted/``; simulations the harness had to run go to ``OUT/sim/``.

A task that cannot run (missing data, unreachable backend) is reported in results.md with the reason
and the suite goes on; a bug still raises.

Modules: :mod:`.context` (settings and what tasks see), :mod:`.classify` (the policy x task loop),
:mod:`.results` (results.csv and results.md) and :mod:`.suite` (the run).
"""

from hubbub.evaluate.harness.context import Context, POLICIES, Settings, parse_judge
from hubbub.evaluate.harness.results import COLUMNS, results_markdown, write_results
from hubbub.evaluate.harness.suite import run_suite

__all__ = ["COLUMNS", "POLICIES", "Context", "Settings", "parse_judge", "results_markdown", "run_suite",
           "write_results"]
