"""The evaluation tasks: what each one measures, on which real data, with which request, and the
paper's published figure it stands next to.

One module per task family: :mod:`.classify` (emotion, attitude, gender, propagation, hate, offence,
sentiment: data + one ChoiceRequest builder, run by the harness with every policy), :mod:`.occupation`
(a distribution, no labels), :mod:`.realism` (text realism, S3 Table 3), :mod:`.judge` (the TrendSim
judge, its Tables 1-3), :mod:`.population` (the two population-level comparisons) and :mod:`.board_run`
(the simulated hot-search board; :mod:`.board`, :mod:`.board_fit`, :mod:`.board_heat`); :mod:`.registry`
names them all.
"""

from hubbub.errors import HubbubError
from hubbub.evaluate.tasks.model import PaperFigure, Task, Variant
from hubbub.evaluate.tasks.registry import TASKS, get_task, paper_figure

__all__ = ["TASKS", "Task", "Variant", "PaperFigure", "get_task", "paper_figure", "HubbubError"]
