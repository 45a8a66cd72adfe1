"""The evaluation tasks by name, each with its data loader, request or run function, and the paper's
figures it stands next to."""

from __future__ import annotations

from typing import Any, Callable


from hubbub.errors import ConfigError
from hubbub.evaluate import data as ds
from hubbub.evaluate.tasks.classify import (annotation_choice, attitude_choice, emotion_choice, gender_choice,
                                            one_variant, propagation_choice, stance_variants, target_phrase)
from hubbub.evaluate.tasks.judge import run_trendsim_judge
from hubbub.evaluate.tasks.model import PaperFigure, Task
from hubbub.evaluate.tasks.occupation import run_occupation
from hubbub.evaluate.tasks.realism import run_text_realism
from hubbub.evaluate.tasks.transfer import loto_task

_S3 = "S3 Table 2"
_PAPER_ATTITUDE = (PaperFigure("accuracy", 0.743, _S3 + ", Nuclear Energy, initial attitude"),
                   PaperFigure("auc", 0.727, _S3 + ", Nuclear Energy, initial attitude"),
                   PaperFigure("f1", 0.834, _S3 + " (its text says 0.667), initial attitude"))


_BOARD = "TweetEval leaderboard (test), RoBERTa-Retrained"
_ANNOTATOR_NOTE = ("Not in S3 or TrendSim: these tasks train and score the classifiers that annotate posts "
                   "(hubbub.annotate: {name}); the LLM request is the annotation judge's question.")


_LOTO_NOTES = ("Each target is held out in turn: target_aware (text + target phrase as input, one model) and "
               "text_only (the pooled text model) are fitted on the other targets, in_target on the held-out "
               "target's own train split (the per-target baseline), majority on the other targets (AUC 0.5). "
               "Scored on the held-out target's test split; ':mean' rows average the targets unweighted. "
               "No LLM is asked (hubbub.evaluate.tasks.transfer).",)


def _population(name: str) -> Callable[[Any], list[dict[str, Any]]]:
    def run(ctx: Any) -> list[dict[str, Any]]:
        from hubbub.evaluate.tasks import population

        return getattr(population, name)(ctx)
    return run


def _board(ctx: Any) -> list[dict[str, Any]]:
    from hubbub.evaluate.tasks.board_run import run_board

    return run_board(ctx)


TASKS: dict[str, Task] = {t.name: t for t in (
    Task("emotion_level", "calm / moderate / intense from a tweet (EI-oc format, mapped to 3 levels; default data: SemEval-2018 EI-oc)",
         load=ds.load_ei_oc, variants=one_variant, request=emotion_choice,
         paper=(PaperFigure("accuracy", 0.718, _S3 + ", Gender Discrimination, emotion level"),),
         notes=("LLM request: S3's emotion update for a user with no profile, currently calm, who receives the "
                "tweet as a post; label = the annotated intensity of the tweet's emotion.",)),
    Task("emotion_arousal", "calm / moderate / intense from a sentence (arousal at train-tertile thresholds; default data: EmoBank)",
         load=ds.load_emobank, variants=one_variant, request=emotion_choice,
         paper=(PaperFigure("accuracy", 0.718, _S3 + ", emotion level (different data)"),)),
    Task("attitude_tweeteval", "attitude toward a target from a tweet (TweetEval stance format; default data: TweetEval, 5 targets)",
         load=ds.load_tweeteval_stance, variants=stance_variants, request=attitude_choice, paper=_PAPER_ATTITUDE,
         notes=("LLM request: S3's initial attitude from the user's earlier post (the tweet). S3's attitude is "
                "binary, so the LLM is scored on favor vs against only; 'none' is scored by majority/learned "
                "in the -3class rows. Majority and learned are per target.",)),
    Task("attitude_nlpcc", "attitude toward a target from a Weibo post (NLPCC-2016 stance format, Chinese; default data: Task A)",
         load=ds.load_nlpcc, variants=stance_variants, request=attitude_choice, paper=_PAPER_ATTITUDE),
    Task("attitude_loto_tweeteval", "favor vs against toward a target never seen in training: leave-one-target-out "
         "over TweetEval stance's 5 targets (target-aware model vs per-target baseline and majority)",
         kind="transfer", run=loto_task("attitude_loto_tweeteval", ds.load_tweeteval_stance, target_phrase),
         notes=_LOTO_NOTES),
    Task("attitude_loto_nlpcc", "favor vs against toward a target never seen in training: leave-one-target-out "
         "over NLPCC-2016 Task A's 5 targets (Chinese; target-aware model vs per-target baseline and majority)",
         kind="transfer", run=loto_task("attitude_loto_nlpcc", ds.load_nlpcc, target_phrase), notes=_LOTO_NOTES),
    Task("gender_swsr", "commenter gender from one Weibo comment (SWSR format; default data: SWSR)",
         load=ds.load_swsr_gender, variants=one_variant, request=gender_choice,
         paper=(PaperFigure("accuracy", 0.710, "S3 Table 4, gender"), PaperFigure("f1", 0.667, "S3 Table 4, gender"),
                PaperFigure("auc", 0.708, "S3 Table 4, gender")),
         notes=("Positive class for F1: female (S3 does not say which class its F1 is for). S3 predicts gender "
                "from profile descriptions with a fine-tuned model; here from one comment, zero-shot.",
                "Age (S3 Table 4: MSE 128, MAE 7.53) CANNOT be checked: no age-labelled data is in the shared "
                "data (the Blog Authorship Corpus could not be obtained).")),
    Task("hate_tweeteval", "hate speech vs not from a tweet (TweetEval hate format; default data: TweetEval hate = SemEval-2019 HatEval)",
         load=ds.load_tweeteval_hate, variants=one_variant, request=annotation_choice("hate"),
         paper=(PaperFigure("macro_f1", 0.523, _BOARD),),
         notes=(_ANNOTATOR_NOTE.format(name="hate"),
                "TweetEval leaderboard macro-F1 (test): SVM 0.367, FastText 0.506, LSTM 0.526, RoBERTa-Base 0.466, "
                "BERTweet 0.564. Hate is 42% of train and of test, yet HatEval's test set is known to be hard for "
                "models fitted on its train split (the best published macro-F1 is 0.56).")),
    Task("offence_tweeteval", "offensive vs not from a tweet: toxicity (TweetEval offensive format; default data: TweetEval offensive = SemEval-2019 OffensEval)",
         load=ds.load_tweeteval_offensive, variants=one_variant, request=annotation_choice("toxicity"),
         paper=(PaperFigure("macro_f1", 0.805, _BOARD),),
         notes=(_ANNOTATOR_NOTE.format(name="toxicity"),
                "TweetEval leaderboard macro-F1 (test): SVM 0.523, FastText 0.734, LSTM 0.717, RoBERTa-Base 0.795, "
                "TimeLMs-2021 0.822.")),
    Task("sentiment_tweeteval", "negative / neutral / positive from a tweet (TweetEval sentiment format; default data: TweetEval sentiment = SemEval-2017 Task 4)",
         load=ds.load_tweeteval_sentiment, variants=one_variant, request=annotation_choice("sentiment"),
         notes=(_ANNOTATOR_NOTE.format(name="sentiment"),
                "The shared copy has no sentiment train split: the official val split (2,000) is carved 85/15 "
                "into train/validation; test is the official 12,284. TweetEval's official metric is macro-recall "
                "(leaderboard: RoBERTa-Retrained 0.728, FastText 0.629), which this harness does not compute, so "
                "no published figure is shown next to ours.")),
    Task("occupation_distribution", "distribution over S3's ten occupation classes (no labels: not a score)",
         kind="distribution", run=run_occupation,
         notes=("There are no occupation labels in the shared data, so this task CANNOT be scored: it reports "
                "what the LLM assigns to 2,611 real RumourEval users (profile + one tweet). With the embedded "
                "model the shares mostly reflect option-position bias under shuffled option order.",
                "Age (S3 Table 4: MSE 128, MAE 7.53, 21.5% error) CANNOT be checked either: no age-labelled data is "
                "in the shared data.")),
    Task("propagation_rumoureval", "support vs deny/query of a rumour by a replier (RumourEval format; default data: RumourEval 2017)",
         load=ds.load_rumoureval, variants=one_variant, request=propagation_choice, rules=("voter",),
         paper=(PaperFigure("accuracy", 0.662, _S3 + ", Gender Discrimination, event propagation (different task)"),
                PaperFigure("auc", 0.662, _S3 + ", event propagation (different task)"),
                PaperFigure("f1", 0.667, _S3 + ", event propagation (different task)")),
         notes=("Measures: given a rumour's source tweet and a replier's real profile description, does the "
                "reply support the claim (spread it) or deny/query it? Only users who replied are in the data, "
                "so 'will this user react at all' cannot be measured (no negatives); S3's repost decision is "
                "therefore NOT reproduced, only the direction of the reaction. Rule policy 'voter' copies the "
                "stance of the tweet replied to.",)),
    Task("text_realism", "generated comments vs real comments (SWSR format; default data: SWSR; S3 Table 3)", kind="text", run=run_text_realism,
         paper=(PaperFigure("perplexity", 19.289, "S3 Table 3, Gender Discrimination (reference model not stated)"),
                PaperFigure("cosine", 0.723, "S3 Table 3, Gender Discrimination (embedding model not stated)")),
         notes=("Generation uses the simulation's S3 content request (zh) with one real commenter's gender and "
                "province as the persona and the real post as the received post. Baselines: a random real "
                "train comment (what rule users post in S3 runs) and the comment under the nearest train post "
                "(learned retrieval); real_held_out is a real comment under the same post (a reference).",)),
    Task("trendsim_judge", "TrendSim LLM-as-judge of a run and of vanilla-LLM baselines (Tables 1-3)",
         kind="judge", run=run_trendsim_judge,
         paper=(PaperFigure("behavior_consistency_mean", 0.915, "TrendSim Table 1, TrendSim, average of 3 judges"),
                PaperFigure("psychology_consistency_mean", 0.826, "TrendSim Table 1, TrendSim, average"),
                PaperFigure("attack_consistency_mean", 0.837, "TrendSim Table 2, TrendSim, average"),
                PaperFigure("attack_concealment_mean", 0.518, "TrendSim Table 2, TrendSim, average"),
                PaperFigure("rationality_mean", 0.806, "TrendSim Table 3, all topics, average"),
                PaperFigure("diversity_mean", 0.766, "TrendSim Table 3, all topics, average")),
         notes=("Vanilla-LLM baselines in the paper (average of 3 judges): behaviour GPT-4 0.902, GLM-4 0.916, "
                "Llama-3 0.900; psychology 0.757 / 0.824 / 0.704; attack consistency 0.596 / 0.611 / 0.510; "
                "concealment 0.349 / 0.377 / 0.379.",
                "A judge's score is its expected value over the ten score bins (0-10 .. 90-100, midpoints), "
                "concealment = 1 - malice. Discussions are the run's comments in chunks of 8.")),
    Task("propagation_twitter15", "simulated vs real propagation cascades (Twitter15/16 release format; default data: Twitter15), with IC/LT/SIR/Hawkes fitted on train",
         kind="population", run=_population("run_twitter15")),
    Task("lifecycle_weibo", "simulated TrendSim visits over time vs real hot-search read curves (default data: Weibo hot search)",
         kind="population", run=_population("run_lifecycle")),
    Task("board_weibo", "a simulated hot-search board vs the real one: time on board, time at the top, rank trajectories by category (default data: Weibo hot search)",
         kind="population", run=_board,
         notes=("Models: TrendSim's P(t) fitted per category (and per topic) on train weeks, a board ranked by "
                "hubbub.platform.board's heat formula; null: one global P(t); anchor: the real train weeks. "
                "Method and caveats: hubbub.evaluate.tasks.board (docs/RESULTS.md, 'Weibo hot-search board').",)),
)}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"evaluate: unknown task {name!r}; known: {', '.join(TASKS)}")
    return TASKS[name]


def paper_figure(task: str, metric: str) -> PaperFigure | None:
    """The paper's figure for ``metric`` of ``task`` (metric names may carry a parenthesised detail)."""
    base = metric.split(" (")[0]
    for fig in TASKS[task].paper if task in TASKS else ():
        if fig.metric == base or (fig.metric in ("perplexity", "cosine") and base.startswith(fig.metric)):
            return fig
    return None
