"""Real labelled data for the evaluation tasks, read in place from the shared data folder.

Every loader returns a :class:`LabelledSet` with ``train`` / ``validation`` / ``test`` splits: the
official split where the release has one, a deterministic hash split otherwise (a hash of the seed and
a *group* key, so items that belong together, e.g. replies in one thread or comments under one post,
never straddle splits). Anything that is fitted uses train (and validation to choose settings); final
figures come from test. Malformed input raises :class:`~hubbub.errors.DataError` naming file and line.

**Unseen data.** Every loader takes ``path``: a folder in the release's own layout replaces the
default data; a single file in the release's file format becomes the *test* split (an unseen set),
while train and validation still come from the default data when it exists (otherwise the file is
hash-split 70/15/15). So ``hubbub evaluate attitude_nlpcc --data attitude_nlpcc=taskB_gold.tsv``
scores policies trained on Task A against another target without code changes.

One module per dataset family (:mod:`.emotion`, :mod:`.stance`, :mod:`.tweeteval`, :mod:`.swsr`,
:mod:`.rumoureval`, :mod:`.hot_search`, :mod:`.twitter15`), each documenting its label mapping; :mod:`.common` holds the types
and the splits. This package's face hands on the readers' public names.
"""

from hubbub.evaluate.data.common import (
    ATTITUDE_LABELS,
    EMOTION_LABELS,
    GENDER_LABELS,
    HASH_FRACTIONS,
    SPLITS,
    STANCE_LABELS,
    VALIDATION_SHARE,
    Example,
    LabelledSet,
    carve_validation,
    collection_of,
    data_name,
    default_path,
    find_file,
    hash_split,
    hash_unit,
)
from hubbub.evaluate.data.emotion import load_ei_oc, load_emobank, read_ei_oc, read_emobank
from hubbub.evaluate.data.hot_search import (
    HOT_SEARCH_COLUMNS,
    HOT_SEARCH_FILE,
    Lifecycle,
    lifecycles,
    load_hot_search,
    read_hot_search,
)
from hubbub.evaluate.data.rumoureval import load_rumoureval, read_rumoureval_threads, rumoureval_users
from hubbub.evaluate.data.stance import (
    NLPCC_TARGET_ALIASES,
    TWEETEVAL_TARGETS,
    binary_attitude,
    load_nlpcc,
    load_tweeteval_stance,
    read_nlpcc,
    read_tweeteval_pair,
)
from hubbub.evaluate.data.tweeteval import (
    HATE_LABELS,
    OFFENCE_LABELS,
    SENTIMENT_LABELS,
    load_tweeteval_hate,
    load_tweeteval_offensive,
    load_tweeteval_sentiment,
    load_tweeteval_task,
)
from hubbub.evaluate.data.swsr import Thread, load_swsr_gender, load_swsr_threads, read_swsr_comments, read_swsr_posts

__all__ = [
    "ATTITUDE_LABELS", "EMOTION_LABELS", "GENDER_LABELS", "HASH_FRACTIONS", "HOT_SEARCH_COLUMNS", "HOT_SEARCH_FILE",
    "NLPCC_TARGET_ALIASES", "SPLITS", "STANCE_LABELS", "TWEETEVAL_TARGETS", "VALIDATION_SHARE", "Example",
    "LabelledSet", "Lifecycle", "Thread", "binary_attitude", "carve_validation", "collection_of", "data_name",
    "default_path", "find_file", "hash_split", "hash_unit", "lifecycles", "load_ei_oc", "load_emobank",
    "load_hot_search", "load_nlpcc", "load_rumoureval", "load_swsr_gender", "load_swsr_threads",
    "load_tweeteval_stance", "read_ei_oc", "read_emobank", "read_hot_search", "read_nlpcc", "read_rumoureval_threads",
    "read_swsr_comments", "read_swsr_posts", "read_tweeteval_pair", "rumoureval_users",
    "HATE_LABELS", "OFFENCE_LABELS", "SENTIMENT_LABELS", "load_tweeteval_hate", "load_tweeteval_offensive",
    "load_tweeteval_sentiment", "load_tweeteval_task",
]
