"""Building follow graphs: loading real edge lists, and random generators that scale to 10M edges.

S3 (Section 4.2.1) builds its network from real users and the follow relations among them; when no
platform graph is at hand, a generator with a realistic degree structure stands in for it. Every
generator takes a ``numpy.random.Generator`` (one named stream of the run's seed tree), works on whole
arrays, and returns the same CSR for the same seed.
"""

from hubbub.platform.graph_build.edge_list import DIRECTIONS, HEADER_WORDS, load_edge_list
from hubbub.platform.graph_build.generators import (
    barabasi_albert,
    configuration_model,
    copy_degree_sequence,
    stochastic_block,
    watts_strogatz,
)

__all__ = ["DIRECTIONS", "HEADER_WORDS", "barabasi_albert", "configuration_model", "copy_degree_sequence",
           "load_edge_list", "stochastic_block", "watts_strogatz"]
