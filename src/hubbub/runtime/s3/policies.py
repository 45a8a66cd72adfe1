"""Learned and fitted policies an S3 scenario can name instead of the LLM or hand-set rule parameters
(DESIGN decision 8): ``s3.emotion.policy`` / ``s3.attitude.policy`` name a classifier saved by
``hubbub evaluate`` (OUT/policies/), ``s3.rule.fitted_file`` parameters it fitted on real cascades
(OUT/fitted/). Everything is loaded and checked before the run starts; a bad file is one ConfigError
naming the field, the value and what is allowed.

A learned emotion policy classifies the posts a user received (joined) into calm / moderate / intense;
a learned stance policy classifies them into against / favor (/ none) toward the target (with
``s3.attitude.target_aware_policy``, a target its per-target models do not know is read by the saved
target-aware model toward the target text instead of by the pooled model). The user's
next state is *drawn* from the classifier's probabilities with the user's seed for the step, as an LLM
choice is drawn from the model's option probabilities, so a population does not collapse onto the
majority class. "none" keeps the attitude.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hubbub.agents.affect import EMOTION_LEVELS
from hubbub.errors import ConfigError, DataError
from hubbub.kernel.seeding import derive_seed

ATTITUDE_LABELS = {"negative": 0, "against": 0, "positive": 1, "favor": 1, "none": -1, "neutral": -1}
"""How a stance classifier's labels map to S3 attitudes (-1: keep the current attitude)."""
RULE_MODELS = ("independent_cascade", "linear_threshold", "sir")
"""Fitted models that can drive S3 rule users (the information-spread models of ``s3.rule.model``)."""


@dataclass(frozen=True)
class LearnedChoice:
    """One learned decision: the classifier, what each of its labels means here, and the group."""

    classifier: Any
    outcome: tuple[int, ...]
    group: str = ""
    group_kind: str = "group"
    """What ``group`` is to the classifier: a per-target ``group`` or, for a target-aware model, the ``target`` text."""

    @property
    def name(self) -> str:
        return self.classifier.name

    def draw(self, texts: list[str], seed: int, current: int) -> int:
        """The next state for a user who received ``texts`` (one classification of them joined)."""
        probs = self.classifier.probs([" ".join(texts)], [self.group])[0]
        pick = int(np.random.default_rng(derive_seed(seed, "learned", self.name)).choice(len(probs), p=probs))
        return current if self.outcome[pick] < 0 else self.outcome[pick]


@dataclass(frozen=True)
class S3Policies:
    emotion: LearnedChoice | None = None
    attitude: LearnedChoice | None = None
    rule: Any = None  # hubbub.dynamics.fit.Fitted

    def describe(self) -> dict[str, str]:
        """Provenance lines for the manifest."""
        out = {}
        if self.emotion is not None:
            out["emotion_policy"] = _describe(self.emotion.classifier)
        if self.attitude is not None:
            out["attitude_policy"] = _describe(self.attitude.classifier) + \
                (f", {self.attitude.group_kind} {self.attitude.group!r}" if self.attitude.group else "")
        if self.rule is not None:
            out["rule_fitted"] = f"{self.rule.model} {self.rule.params} ({self.rule.meta.get('fitted_on', 'fitted')})"
        return out


def _describe(clf: Any) -> str:
    loto = "loto_mean_metrics" in clf.meta
    figures = clf.meta.get("loto_mean_metrics" if loto else "test_metrics") or {}
    shown = ", ".join(f"{k} {v:.3f}" for k, v in figures.items() if isinstance(v, (int, float)))
    return (f"{clf.path}.json ({clf.meta.get('task', '?')} on {clf.meta.get('dataset', '?')}; "
            f"{'held-out-target mean' if loto else 'test'} {shown or 'n/a'})")


def load_policies(sc: Any, embedder: Any = None) -> S3Policies:
    """The learned and fitted policies ``sc.s3`` names (None where it says llm / leaves the file empty)."""
    cfg = sc.s3
    emotion = attitude = rule = None
    if cfg.emotion.enabled and cfg.emotion.policy != "llm":
        clf = _classifier("s3.emotion.policy", cfg.emotion.policy)
        if clf.labels != EMOTION_LEVELS:
            raise ConfigError(f"s3.emotion.policy = {cfg.emotion.policy!r}: its labels are {list(clf.labels)}; "
                              f"allowed: an emotion classifier with the labels {list(EMOTION_LEVELS)} "
                              f"(emotion_level--*.json or emotion_arousal--*.json from `hubbub evaluate`)")
        emotion = LearnedChoice(clf, tuple(range(len(EMOTION_LEVELS))))
    if cfg.attitude.enabled and cfg.attitude.policy != "llm":
        attitude = _attitude(cfg.attitude)
    if cfg.rule.fitted_file:
        rule = _fitted(cfg.rule.fitted_file)
    return S3Policies(emotion, attitude, rule)


def _attitude(cfg: Any) -> LearnedChoice:
    """The learned attitude choice: the classifier's per-target model for ``policy_group`` when it has one,
    else the target-aware model toward ``target`` when ``target_aware_policy`` names one, else the pooled model."""
    from hubbub.agents.learned import POOLED

    clf = _classifier("s3.attitude.policy", cfg.policy)
    if not cfg.target_aware_policy or cfg.policy_group in set(clf.models) - {POOLED}:
        return LearnedChoice(clf, _outcome("s3.attitude.policy", cfg.policy, clf.labels), cfg.policy_group)
    model = _classifier("s3.attitude.target_aware_policy", cfg.target_aware_policy, target_aware=True)
    return LearnedChoice(model, _outcome("s3.attitude.target_aware_policy", cfg.target_aware_policy, model.labels),
                         cfg.target, "target")


def _outcome(field: str, value: str, labels: tuple[str, ...]) -> tuple[int, ...]:
    """The S3 attitude each stance label stands for; a ConfigError when a label has none."""
    unknown = [label for label in labels if label not in ATTITUDE_LABELS]
    if unknown:
        raise ConfigError(f"{field} = {value!r}: labels {unknown} have no attitude; "
                          f"allowed: a stance classifier whose labels are among {', '.join(ATTITUDE_LABELS)}")
    return tuple(ATTITUDE_LABELS[label] for label in labels)


def _classifier(field: str, value: str, target_aware: bool = False) -> Any:
    from hubbub.agents.learned import load_classifier
    from hubbub.agents.target_aware import load_target_aware

    try:
        return (load_target_aware if target_aware else load_classifier)(Path(value))
    except (DataError, ConfigError) as exc:
        allowed = "a target-aware model saved by `hubbub evaluate attitude_loto_*`" if target_aware else \
            "'llm' or a classifier saved by `hubbub evaluate`"
        raise ConfigError(f"{field} = {value!r}: {exc}; allowed: {allowed}") from None


def _fitted(value: str) -> Any:
    from hubbub.dynamics.fit import load_fitted

    try:
        fitted = load_fitted(value)
    except (DataError, ConfigError) as exc:
        raise ConfigError(f"s3.rule.fitted_file = {value!r}: {exc}") from None
    if fitted.model not in RULE_MODELS:
        raise ConfigError(f"s3.rule.fitted_file = {value!r}: model {fitted.model!r} cannot drive S3 rule users "
                          f"(they act in rounds on the follow graph); allowed: {', '.join(RULE_MODELS)}")
    return fitted


def rule_settings(rule_cfg: Any, policies: S3Policies) -> Any:
    """The rule section with a fitted file's model and parameters in place of ``model`` / ``p`` /
    ``beta`` / ``gamma``."""
    if policies.rule is None:
        return rule_cfg
    update: dict[str, Any] = {"model": policies.rule.model}
    for name in ("p", "beta", "gamma"):
        if name in policies.rule.params:
            update[name] = float(policies.rule.params[name])
    return rule_cfg.model_copy(update=update)
