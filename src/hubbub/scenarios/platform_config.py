"""Settings of the living platform (kind = "platform"): a follow graph users rewire, home feeds with
recommenders, search, a board of many topics, timed news, churn and moderation (issue 14; see
docs/platform.md)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from hubbub.scenarios.sections import Section

_RULE_KEYS = ("follow", "unfollow", "mute", "block", "like", "dislike", "repost", "quote", "reply", "post", "search",
              "open_board", "home", "exit", "skip_board", "epsilon", "closure_q", "mu")


class PlatformPopulationConfig(Section):
    """Who is on the platform at the start, and which policy drives each user."""

    source: str = Field("builtin", min_length=1, description="'builtin' (generated personas) or a JSONL/CSV file of profiles.")
    size: int = Field(40, ge=2, le=100_000, description="Users present at the start.")
    llm_users: int = Field(8, ge=0, le=100_000, description="How many of them the LLM drives (the first ones of a seeded shuffle).")
    learned_users: int = Field(0, ge=0, le=100_000, description="How many (after the LLM users) a learned stance classifier drives (needs learned_policy).")
    learned_policy: str = Field("", max_length=1000, description="A stance classifier saved by `hubbub evaluate` (OUT/policies/attitude_*--*.json) for the learned users: they like, follow and move toward posts it reads as sharing their stance, and dislike and mute the others.")
    rule_policies: tuple[str, ...] = Field(("triadic_closure",), min_length=1, description="The registered platform policies of the other users (rule users), assigned in turn: triadic_closure, homophily, preferential_attachment (built in; tie formation) or ones registered with hubbub.register_policy taking a SocialContext.")
    camps: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field((0.5, 0.5), min_length=1, max_length=8, description="Share of users in each camp (the follow graph's blocks); must sum to 1.")
    camp_attitude: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field((0.8, 0.2), min_length=1, max_length=8, description="Mean initial attitude toward platform.target of each camp (one per camp; 0 against, 1 in favour; each user draws around it with sd 0.1).")

    @model_validator(mode="after")
    def _check(self) -> "PlatformPopulationConfig":
        """Camps sum to 1, one attitude per camp, the policy counts fit the population."""
        if not math.isclose(sum(self.camps), 1.0, abs_tol=1e-6):
            raise ValueError(f"camps must sum to 1, got {sum(self.camps):g}")
        if len(self.camp_attitude) != len(self.camps):
            raise ValueError(f"camp_attitude has {len(self.camp_attitude)} values for {len(self.camps)} camps")
        if self.llm_users + self.learned_users > self.size:
            raise ValueError(f"llm_users + learned_users = {self.llm_users + self.learned_users} exceeds size = {self.size}")
        if self.learned_users and not self.learned_policy:
            raise ValueError("learned_users needs learned_policy (a stance classifier saved by `hubbub evaluate`)")
        return self

    @field_validator("rule_policies")
    @classmethod
    def _known_policies(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        """Every rule policy is registered."""
        from hubbub.registry import POLICIES

        for name in names:
            if name not in POLICIES.names():
                raise ValueError(f"{name!r} is not a registered user policy; known: {', '.join(POLICIES.names())} "
                                 f"(register your own with hubbub.register_policy before loading the scenario)")
        return names


class PlatformGraphConfig(Section):
    """The initial follow graph: a stochastic block model over the camps."""

    p_in: float = Field(0.15, ge=0, le=1, description="Probability of a follow between two users of the same camp.")
    p_out: float = Field(0.02, ge=0, le=1, description="Probability of a follow across camps.")
    snapshot_every_h: float = Field(0.5, ge=0.01, le=24 * 30, description="Hours between recorded graph snapshots (edges, reciprocity, clustering, attitude assortativity, cross-camp share).")


class PlatformSessionConfig(Section):
    """When users come and how long what they do takes."""

    rate_per_h: float = Field(1.0, gt=0, le=1000, description="Sessions per user per hour (a Poisson process; the next session is drawn after the previous ends).")
    max_actions: int = Field(5, ge=1, le=100, description="Cap on actions per session (the board choice counts as one).")
    start_on: Literal["board", "home"] = Field("board", description="Where a session starts: the trending board (choose a topic or none) or the home feed.")
    min_action_s: float = Field(5.0, gt=0, le=3600, description="Shortest action; an action's effects become visible when it ends.")
    reading_chars_per_s: float = Field(20.0, ge=0.01, le=1e6, description="Reading speed: a page of N characters takes N / this seconds.")
    writing_chars_per_s: float = Field(2.0, ge=0.01, le=1e6, description="Writing speed for posts, quotes, replies and queries.")
    reflection: bool = Field(True, description="At the end of a session LLM users are asked their attitude toward platform.target (one choice over 11 bins); rule and learned users update by their rule either way.")


class FeedSettingsConfig(Section):
    """The home feed: in-network and recommended posts, each ranked by a named ranker."""

    size: int = Field(6, ge=1, le=26, description="Posts on one page of a feed, a topic or search results.")
    recommended_share: float = Field(0.3, ge=0, le=1, description="Share of home-feed slots given to recommended (out-of-network) posts; an intervention of type 'feed' changes it.")
    in_network_ranker: str = Field("recency", description="Ranker of followees' posts (a name in hubbub.registry.RANKERS).")
    recommender: str = Field("popularity", description="Ranker of recommended posts: recency, popularity (hot score: likes - dislikes + reposts with time decay), relevance (embedding similarity of post and profile), interest (learned from the user's own likes and reposts in the run), or one registered with hubbub.register_ranker.")
    window_h: float = Field(24.0, gt=0, le=24 * 365, description="Only posts younger than this many hours enter a home feed.")
    hot_decay_h: float = Field(12.5, gt=0, le=24 * 365, description="Hot score: hours of age that cost one order of magnitude of score (Reddit: 12.5).")
    embedder: Literal["use", "hashing", "auto"] = Field("hashing", description="Sentence embeddings for relevance and interest: use (USE multilingual v3), hashing (character n-grams, surface overlap only; fast, for tests and demos), auto (use if installed).")

    @field_validator("in_network_ranker", "recommender")
    @classmethod
    def _known_ranker(cls, name: str) -> str:
        from hubbub.registry import RANKERS

        if name not in RANKERS.names():
            raise ValueError(f"not a known feed ranker; known: {', '.join(RANKERS.names())} (register your own with hubbub.register_ranker)")
        return name


class BoardConfig(Section):
    """The board of many topics ranked by heat."""

    topics: str = Field("builtin", min_length=1, description="'builtin' (the demo's topics) or a TOML/JSON/JSONL file of topics with start_h and access parameters (see docs/platform.md).")
    shown: int = Field(10, ge=1, le=25, description="Topics a user sees on the board.")
    decay_h: float = Field(2.0, gt=0, le=24 * 30, description="Heat decay time tau in hours (heat = sum of w * exp(-age / tau) over visits, likes, comments, reposts).")
    ranks_every_h: float = Field(0.25, ge=0.01, le=24 * 30, description="Hours between recorded board rankings.")


class NewsConfig(Section):
    """Timed news items injected during the run."""

    file: str = Field("", description="JSONL of timed items ({at_h, title, text, as: post|topic, ...}; 'builtin' = the demo's feed, '' = none); see docs/platform.md.")


class ChurnConfig(Section):
    """Users joining and leaving during the run."""

    reserve: int = Field(0, ge=0, le=100_000, description="Extra users who may join (drawn from the same persona source; rule users, policies assigned in turn like the others').")
    join_rate_per_h: float = Field(0.0, ge=0, le=10_000, description="Joins per hour (a Poisson process) while the reserve lasts.")
    leave_rate_per_h: float = Field(0.0, ge=0, le=100, description="Per-user hazard of leaving for good, per hour.")
    follows_on_join: int = Field(3, ge=0, le=1000, description="Users a newcomer follows on joining (preferential attachment).")
    joins: dict[str, Annotated[float, Field(ge=0, le=24 * 30)]] = Field(default_factory=dict, description="Scheduled joins: agent id (of the reserve) -> simulated hour; these users do not join by join_rate_per_h.")
    leaves: dict[str, Annotated[float, Field(ge=0, le=24 * 30)]] = Field(default_factory=dict, description="Scheduled leaves: agent id -> simulated hour (the earlier of this and a rate-drawn leave counts).")


class ModerationConfig(Section):
    """Post annotations and the moderation rule that uses them."""

    annotator: str = Field("lexicon", min_length=1, description="How posts get their toxicity, sentiment and stance: lexicon (fixed word lists, toxicity and sentiment; deterministic, for demos and tests), llm (the LLM judge of hubbub.annotate asked through the run's backend), the path of a toxicity classifier saved by `hubbub evaluate` (OUT/policies/offence_tweeteval--*.json), or an evaluation's output folder (toxicity, plus sentiment and stance where their classifiers are saved there).")
    annotations: tuple[Literal["toxicity", "sentiment", "stance"], ...] = Field((), description="The annotations to compute (toxicity always among them); empty = every one the annotator gives. One the annotator cannot give is an error.")
    toxicity_threshold: float | None = Field(None, ge=0, le=1, description="Posts above this toxicity are moderated (None = no moderation); an intervention of type 'moderation' changes it.")
    mode: Literal["downrank", "hide", "label"] = Field("downrank", description="What moderation does to a flagged post in feeds, topic pages and search: move it to the end, hide it, or show it with a warning label.")


class PlatformConfig(Section):
    """The living platform (issue 14)."""

    hours: float = Field(3.0, gt=0, le=24 * 30, description="Simulated hours the run lasts.")
    target: str = Field("the topic", min_length=1, max_length=200, description="What users' attitudes are about, as shown in prompts (e.g. 'nuclear energy').")
    population: PlatformPopulationConfig = PlatformPopulationConfig()
    graph: PlatformGraphConfig = PlatformGraphConfig()
    sessions: PlatformSessionConfig = PlatformSessionConfig()
    feed: FeedSettingsConfig = FeedSettingsConfig()
    board: BoardConfig = BoardConfig()
    news: NewsConfig = NewsConfig()
    churn: ChurnConfig = ChurnConfig()
    moderation: ModerationConfig = ModerationConfig()
    rules: dict[str, Annotated[float, Field(ge=0, le=1000)]] = Field(default_factory=dict, description="Rule users' action weights and parameters (see hubbub.agents.social.rules.DEFAULTS): follow, unfollow, mute, block, like, dislike, repost, quote, reply, post, search, open_board, home, exit, skip_board, epsilon, closure_q, mu.")
    rule_texts: tuple[str, ...] = Field(("Following this closely.", "Here is what I think about it."), description="Texts rule users post (they do not compose).")

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, float]) -> dict[str, float]:
        bad = sorted(set(rules) - set(_RULE_KEYS))
        if bad:
            raise ValueError(f"unknown key(s) {', '.join(bad)}; allowed: {', '.join(_RULE_KEYS)}")
        return rules
