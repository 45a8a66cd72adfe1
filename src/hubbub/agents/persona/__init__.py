"""Personas: who the simulated users are (TrendSim Section 4.1 and Appendix E; S3 demographics).

A persona is a short third-person description of a user's characteristics and preferences (the
long-term memory of a TrendSim agent), a preference group (Fig. 4a), S3-style demographics and the
initial emotion and social confidence. They come from three places:

* :func:`builtin_population`: a fixed population of synthetic users, built from attribute tables
  with a fixed internal seed, in English and Chinese (the same users in both languages);
* :func:`load_personas`: a JSONL or CSV file of profiles, or TrendSim's or OASIS's user file
  (recognised by its first row, :mod:`.importers`);
* :func:`personas_from_posts`: real users' posts distilled by an LLM (Appendix E), after
  :func:`load_user_posts` has pseudonymised the ids and scrubbed the text.

Modules: :mod:`.model` (the Persona type and its vocabularies), :mod:`.builtin`, :mod:`.files` and
:mod:`.distill` (the three sources).
"""

from hubbub.agents.persona.builtin import builtin_population
from hubbub.agents.persona.distill import DistillReport, distill_requests, group_requests, personas_from_posts
from hubbub.agents.persona.files import load_personas, load_user_posts
from hubbub.agents.persona.model import GENDERS, GROUPS, GROUP_LABELS, LANGS, OCCUPATIONS, Persona, sample_population

__all__ = ["GENDERS", "GROUP_LABELS", "GROUPS", "LANGS", "OCCUPATIONS", "DistillReport", "Persona",
           "builtin_population", "distill_requests", "group_requests", "load_personas", "load_user_posts",
           "personas_from_posts", "sample_population"]
