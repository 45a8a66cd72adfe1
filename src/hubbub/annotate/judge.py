"""The LLM judge's questions for each annotation, and an annotator that asks them.

One choice request per text: the post, then the question, with the annotation's labels as options in
the classifier's label order (so option ``j`` is label ``j``, and the backend shuffles the shown order
per call). The evaluation tasks (``hubbub evaluate hate_tweeteval`` ...) score exactly these requests,
so a figure there is a figure of the judge a simulation would use.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from hubbub.annotate.learned import spec_of
from hubbub.errors import BackendError, ConfigError
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import Backend, ChoiceRequest

SYSTEM = {"en": "You label social media posts. Answer with one of the options.",
          "zh": "你负责给社交媒体帖子打标签。请从选项中选一个作答。"}
POST = {"en": "Post:\n{text}", "zh": "帖子：\n{text}"}
QUESTIONS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "toxicity": {
        "en": ("Is this post offensive: does it insult, threaten or demean someone, or use profane language?",
               ("not offensive", "offensive")),
        "zh": ("这条帖子是否具有冒犯性：是否侮辱、威胁或贬低他人，或使用粗俗语言？", ("不冒犯", "冒犯"))},
    "hate": {
        "en": ("Is this post hate speech: does it attack or demean a group of people for who they are "
               "(for example immigrants or women)?", ("not hate speech", "hate speech")),
        "zh": ("这条帖子是否是仇恨言论：是否因身份攻击或贬低一群人（例如移民或女性）？", ("不是仇恨言论", "仇恨言论"))},
    "sentiment": {
        "en": ("What is the sentiment of this post?", ("negative", "neutral", "positive")),
        "zh": ("这条帖子的情感倾向是什么？", ("负面", "中性", "正面"))},
    "stance": {
        "en": ("What is the stance of this post toward {target}?", ("neither for nor against", "against", "in favour")),
        "zh": ("这条帖子对{target}的立场是什么？", ("既不支持也不反对", "反对", "支持"))},
}
QUESTIONS["stance_zh"] = QUESTIONS["stance"]


def annotation_request(name: str, text: str, seed: int, lang: str = "en", target: str = "",
                       temperature: float = 1.0) -> ChoiceRequest:
    """The judge's question for annotation ``name`` about one post (``target``: stance annotations)."""
    spec_of(name)
    if lang not in SYSTEM:
        raise ConfigError(f"annotation_request lang: got {lang!r}, allowed: {', '.join(SYSTEM)}")
    if name.startswith("stance") and not target:
        raise ConfigError(f"annotation {name!r} needs a target (what the stance is toward)")
    question, options = QUESTIONS[name][lang]
    user = POST[lang].format(text=text) + "\n\n" + question.format(target=target)
    return ChoiceRequest(kind=f"annotate.{name}", messages=(("system", SYSTEM[lang]), ("user", user)),
                         options=options, seed=seed, temperature=temperature, lang=lang)


class LLMAnnotator:
    """Asks a backend the judge's question per text; the score is the expected label value under the
    model's option probabilities (the same values as the learned annotator's)."""

    def __init__(self, backend: Backend, name: str, lang: str = "en", seed: int = 0, target: str = "",
                 batch_size: int = 64) -> None:
        self.spec, self.backend, self.lang, self.seed, self.target = spec_of(name), backend, lang, seed, target
        self.batch_size = batch_size
        annotation_request(name, "", seed, lang, target)  # bad settings fail here, not mid-run

    @property
    def name(self) -> str:
        return self.spec.name

    def probs(self, texts: Sequence[str]) -> np.ndarray:
        """Option probabilities per text (columns in label order); a failed call raises BackendError."""
        requests = [annotation_request(self.name, t, derive_seed(self.seed, "annotate", self.name, t), self.lang,
                                       self.target) for t in texts]
        rows = []
        for start in range(0, len(requests), self.batch_size):
            for result in self.backend.choose(requests[start:start + self.batch_size]):
                if not result.ok:
                    raise BackendError(f"annotate {self.name}: the judge failed ({result.error or 'no option'})")
                rows.append(result.probs)
        return np.asarray(rows, dtype=np.float64).reshape(len(texts), len(self.spec.labels))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.probs(texts) @ np.asarray(self.spec.values, dtype=np.float64)
