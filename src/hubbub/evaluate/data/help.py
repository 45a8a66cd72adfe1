"""What ``--data TASK=PATH`` accepts for each evaluation task, in words for ``hubbub evaluate --help``.

Kept free of heavy imports so the CLI can build its help text without loading the tasks; a test checks
that every task has an entry. PATH is always data in the task's release format; files are found by
the release's own names first, then by looser patterns, so a collection that carries another name
(``trees_twitter16.tar.gz``, ``twitter16_label.txt``...) loads the same way, and its name labels the
figures.
"""

from __future__ import annotations

DATA_HELP: dict[str, str] = {
    "emotion_level": "FOLDER of SemEval-2018 EI-oc files (*EI-oc-*-train.txt, *EI-oc-*-dev.txt) or one EI-oc "
                     "TSV FILE (the test split)",
    "emotion_arousal": "EmoBank CSV FILE (id,split,V,A,D,text) or a FOLDER holding one",
    "attitude_tweeteval": "FOLDER: TweetEval stance/ (one sub-folder per target) or one target folder "
                          "({train,val,test}_text.txt + _labels.txt)",
    "attitude_nlpcc": "NLPCC-2016 stance TSV FILE (ID, TARGET, TEXT, STANCE; the test split) or a FOLDER "
                      "with *train*.tsv and *test*gold*.tsv",
    "attitude_loto_tweeteval": "as attitude_tweeteval: a TweetEval stance/ FOLDER (one sub-folder per target; "
                               "every target with test items is held out in turn)",
    "attitude_loto_nlpcc": "as attitude_nlpcc: a FOLDER with *train*.tsv and *test*gold*.tsv, or a stance TSV "
                           "FILE (its targets are held out in turn, the others train)",
    "hate_tweeteval": "FOLDER in the TweetEval layout ({train,val,test}_text.txt + _labels.txt, labels 0 not-hate / "
                      "1 hate; splits it lacks come from the default data)",
    "offence_tweeteval": "FOLDER in the TweetEval layout ({train,val,test}_text.txt + _labels.txt, labels 0 "
                         "not-offensive / 1 offensive; splits it lacks come from the default data)",
    "sentiment_tweeteval": "FOLDER in the TweetEval layout ({train,val,test}_text.txt + _labels.txt, labels 0 "
                           "negative / 1 neutral / 2 positive; splits it lacks come from the default data)",
    "gender_swsr": "SWSR comments CSV FILE (weibo_id, comment_text, gender; the test split) or a FOLDER "
                   "with *Comment*.csv",
    "occupation_distribution": "RumourEval FOLDER (a thread .tar.gz or rumoureval-data/) or the thread "
                               "archive FILE",
    "propagation_rumoureval": "RumourEval FOLDER (thread .tar.gz or rumoureval-data/, *subtaskA-train*.json "
                              "and/or *subtaskA-dev*.json)",
    "text_realism": "SWSR FOLDER with *Weibo*.csv (posts) and *Comment*.csv (comments)",
    "trendsim_judge": "takes no --data (give a TrendSim run with --sim-run)",
    "propagation_twitter15": "FOLDER in the Twitter15/16 release layout (trees_<name>.tar.gz or an "
                             "extracted <name>/tree/, <name>_label.txt or label.txt, optional "
                             "<name>_source_tweets.tsv or source_tweets.txt) or the tree archive FILE "
                             "(label file beside it)",
    "lifecycle_weibo": "hourly hot-search TSV FILE (date, hour, rank, title, readCount, discussCount; "
                       "optionally .gz) or a FOLDER holding one",
    "board_weibo": "hourly hot-search TSV FILE (date, hour, rank, title, readCount, discussCount; optionally "
                   "category, hot, ads, origin; .gz allowed) or a FOLDER holding one; split by week like the default",
}


def data_option_help() -> str:
    """The ``--data`` option's help (short: the per-task list is the command's epilog)."""
    return ("TASK=PATH: evaluate TASK on this data in its release format; figures are labelled with its "
            "name. Whether PATH is a FILE or a FOLDER: see 'PATH for --data' below.")


def data_epilog() -> str:
    """Per task, what PATH may be (shown under the options of ``hubbub evaluate --help``)."""
    lines = [f"{task}: {text}" for task, text in DATA_HELP.items()]
    return "PATH for --data TASK=PATH:\n\n" + "\n\n".join(lines)
