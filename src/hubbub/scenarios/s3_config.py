"""Settings of S3 scenarios (information, emotion and attitude spreading over a follow graph).

Every place where the S3 paper is vague is a setting here, with the default a social scientist would
expect; ``docs/s3.md`` explains each choice. Paths to real data are read at run time when the file
exists; a missing file falls back to the documented defaults (and the run record says which was used),
so a built-in scenario runs on any machine while using the real data where it is present.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from hubbub.scenarios.sections import Section

SWSR_DIR = "data:swsr_weibo_sexism"


class NetworkConfig(Section):
    """The follow graph (S3 4.1, 4.2.1): generated, copied from a real degree sequence, or loaded."""

    source: Literal["barabasi_albert", "watts_strogatz", "sbm", "configuration", "edges"] = Field("barabasi_albert", description="barabasi_albert (preferential attachment), watts_strogatz (small world), sbm (stochastic block model: camps), configuration (copy a real degree sequence), edges (load an edge list).")
    users: int = Field(500, ge=2, le=50_000_000, description="Number of users of a generated graph (ignored for source = edges).")
    m: int = Field(3, ge=1, le=10_000, description="Barabási-Albert: accounts each new user follows.")
    reciprocity: float = Field(0.2, ge=0, le=1, description="Barabási-Albert: probability that a follow is returned (mutual follow); Twitter measured ~0.22.")
    k: int = Field(6, ge=2, le=10_000, description="Watts-Strogatz: even number of nearest neighbours each user is friends with (mutual follows).")
    p_rewire: float = Field(0.1, ge=0, le=1, description="Watts-Strogatz: probability that a friendship is rewired to a random user.")
    camps: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field((0.5, 0.5), min_length=1, max_length=16, description="SBM: share of users in each camp (block); must sum to 1.")
    p_in: float = Field(0.02, ge=0, le=1, description="SBM: probability of a follow between two users of the same camp.")
    p_out: float = Field(0.002, ge=0, le=1, description="SBM: probability of a follow across camps.")
    degree_file: str = Field("data:snap_ego_facebook/facebook_combined.txt.gz", description="Configuration model: edge list whose degree sequence is resampled (data:NAME is read from the data folder, other relative paths from the working folder).")
    mean_degree: float | None = Field(None, gt=0, le=100_000, description="Configuration model: rescale the resampled degrees to this mean (followers per user); unset keeps the source's mean.")
    edge_file: str = Field("", description="source = edges: CSV/TSV/whitespace edge list, optionally gzip (e.g. follows.tsv written by `hubbub build-env`).")
    directed: bool = Field(True, description="source = edges: false reads every row as a mutual relation.")
    direction: Literal["follower_followee", "followee_follower"] = Field("follower_followee", description="source = edges: a row 'a b' means a follows b (follower_followee) or b follows a.")
    influence_ratio: float = Field(2.0, gt=0, le=1000, description="User classes: influential users have at least this many followers per followee (S3 4.1).")
    influential_quantile: float = Field(0.9, ge=0, le=1, description="User classes: influential users are at or above this quantile of follower counts.")
    low_impact_quantile: float = Field(0.25, ge=0, le=1, description="User classes: low-impact users are at or below this quantile of follower counts.")

    @model_validator(mode="after")
    def _check(self) -> "NetworkConfig":
        if self.source == "sbm" and not math.isclose(sum(self.camps), 1.0, abs_tol=1e-6):
            raise ValueError(f"network.camps must sum to 1, got {sum(self.camps):g}")
        if self.source == "edges" and not self.edge_file:
            raise ValueError("network.source = 'edges' needs network.edge_file")
        if self.source == "watts_strogatz" and self.k % 2:
            raise ValueError(f"network.k must be even for watts_strogatz, got {self.k}")
        return self


class S3PopulationConfig(Section):
    """Who the users are: how many are driven by the LLM, their personas and demographics (S3 4.2.2)."""

    llm_users: int = Field(60, ge=0, le=10_000_000, description="Number of LLM-driven users; all others are rule-based users (capped at the number of users).")
    llm_share: float | None = Field(None, ge=0, le=1, description="Share of LLM users instead of a count (overrides llm_users when set).")
    policy: str = Field("", description="A user policy registered from Python (hubbub.register_policy) that drives the first policy_users LLM-slot users instead of the LLM ('' = none).")
    policy_users: int = Field(0, ge=0, le=10_000_000, description="How many of the LLM-slot users the registered policy drives (the first ones of the LLM users; the rest stay LLM users).")
    llm_selection: Literal["random", "top_followers"] = Field("random", description="Which users the LLM drives: a random sample, or those with the most followers.")
    personas: str = Field("builtin", min_length=1, description="'builtin' (generated personas) or a JSONL/CSV users file (id, description, posts, age, age_bin, gender, occupation), e.g. users.csv from `hubbub build-env`.")
    demographics: Literal["persona", "infer"] = Field("persona", description="persona = age, gender and occupation from the persona or data; infer = the LLM infers every field the data does not state (S3 4.2.2; generated personas' own age and occupation are then ignored).")
    marginals_file: str = Field("", description="CSV of real users whose gender and location marginals the LLM users are drawn from (e.g. SWSR SexComment.csv); used when the file exists.")
    gender_column: str = Field("gender", min_length=1, description="Column of marginals_file holding the gender (女/男 or female/male).")
    location_column: str = Field("location", description="Column of marginals_file holding the province or location ('' = none).")
    marginals_fallback: Literal["none", "swsr"] = Field("none", description="When marginals_file is missing: none (personas as generated) or swsr (the documented SWSR commenter counts shipped with hubbub).")

    @model_validator(mode="after")
    def _registered_policy(self) -> "S3PopulationConfig":
        return _check_policy(self)


def _check_policy(pop: "S3PopulationConfig") -> "S3PopulationConfig":
    from hubbub.registry import POLICIES

    entry = POLICIES.entries.get(pop.policy)
    if isinstance(entry, str) and entry.startswith("hubbub.agents.social."):
        raise ValueError(f"policy = {pop.policy!r} is a policy of the living platform (kind 'platform', "
                         f"platform.population.rule_policies), not of follow-feed rounds")
    if pop.policy and pop.policy not in POLICIES.names():
        raise ValueError(f"policy = {pop.policy!r} is not a registered user policy; known: "
                         f"{', '.join(POLICIES.names()) or 'none registered'} (register one with hubbub.register_policy "
                         f"before loading the scenario)")
    if pop.policy_users and not pop.policy:
        raise ValueError("policy_users needs policy (the name of a registered user policy)")
    return pop


class SeedPostsConfig(Section):
    """The posts that start the event (S3 4.2.1 keyword matching when drawn from real data)."""

    file: str = Field("", description="CSV or JSONL of real posts to draw seed posts from (e.g. SWSR SexWeibo.csv); used when it exists, else `texts`.")
    text_column: str = Field("text", min_length=1, description="Column of `file` holding the post text.")
    keywords: tuple[str, ...] = Field((), description="Keep only posts of `file` containing one of these keywords (S3 keyword matching); empty keeps all.")
    count: int = Field(3, ge=1, le=100_000, description="Number of seed posts.")
    texts: tuple[str, ...] = Field((), description="Generated seed posts, used when `file` is empty or missing.")
    authors: Literal["top_followers", "random"] = Field("top_followers", description="Who publishes the seed posts at step 0: the users with most followers (news accounts) or random users.")
    max_chars: int = Field(280, ge=20, le=5000, description="Seed and shown posts are cut to this many characters.")

    @model_validator(mode="after")
    def _check(self) -> "SeedPostsConfig":
        if not self.file and not self.texts:
            raise ValueError("seed_posts needs a file or at least one text")
        return self


class SourceScoresConfig(Section):
    """Source authenticity score of a remembered message (S3 4.1 message authenticity)."""

    own: float = Field(1.0, ge=0, le=1, description="The user's own posts.")
    mutual: float = Field(0.8, ge=0, le=1, description="Posts from mutual follows (friends).")
    followee: float = Field(0.6, ge=0, le=1, description="Posts from one-way followees.")
    recommended: float = Field(0.4, ge=0, le=1, description="Posts recommended by the platform (and the trending hub).")


class S3MemoryConfig(Section):
    """Each LLM user's memory pool (S3 4.1): influence-factor scores and the prompt's token budget."""

    capacity: int = Field(50, ge=1, le=100_000, description="Items a user's memory holds; beyond it the lowest-scoring are forgotten.")
    token_budget: int = Field(200, ge=0, le=100_000, description="Estimated tokens the remembered posts may take in a prompt (best-scoring first).")
    forgetting: Literal["exponential", "power", "linear"] = Field("exponential", description="Forgetting function of the temporal influence.")
    half_life_h: float = Field(24.0, ge=1e-3, le=1e6, description="Exponential forgetting: hours until a memory's time score halves.")
    exponent: float = Field(1.0, gt=0, le=100, description="Power-law forgetting: (1 + age/scale) ** -exponent.")
    scale_h: float = Field(1.0, ge=1e-3, le=1e6, description="Power-law forgetting: scale in hours.")
    window_h: float = Field(24.0, ge=1e-3, le=1e6, description="Linear forgetting: hours until a memory is forgotten.")
    w_time: float = Field(1.0, ge=0, le=1000, description="Weight of temporal influence in the score.")
    w_relevance: float = Field(1.0, ge=0, le=1000, description="Weight of content relevance (profile-message cosine) in the score.")
    w_source: float = Field(1.0, ge=0, le=1000, description="Weight of source authenticity in the score.")
    source_scores: SourceScoresConfig = SourceScoresConfig()
    embedder: Literal["use", "hashing", "auto"] = Field("auto", description="Sentence embeddings for relevance: use (USE multilingual v3, CPU), hashing (character n-grams, surface overlap only), auto (use if installed).")

    @model_validator(mode="after")
    def _check(self) -> "S3MemoryConfig":
        if self.w_time + self.w_relevance + self.w_source <= 0:
            raise ValueError("memory weights w_time + w_relevance + w_source must be > 0")
        return self


class EmotionConfig(Section):
    """Emotion about the event: calm / moderate / intense, a Markov update asked of the LLM (S3 3.3.1, 4.3)."""

    enabled: bool = Field(True, description="Simulate emotion (otherwise everyone stays calm).")
    decay: float = Field(0.3, ge=0, le=1, description="Decay coefficient: per step without new posts, probability that an emotion drops one level toward calm; also stated in the LLM prompt.")
    policy: str = Field("llm", min_length=1, max_length=1000, description="Who decides an LLM user's next emotion: llm (S3: the LLM is asked) or the path of a learned emotion classifier saved by `hubbub evaluate` (OUT/policies/emotion_level--*.json, labels calm/moderate/intense): the received posts are classified and the user takes that level. Users who received nothing decay either way.")


class AttitudeConfig(Section):
    """Attitude toward the scenario's target: negative / positive, a Markov update (S3 3.3.2)."""

    enabled: bool = Field(True, description="Simulate attitudes (otherwise they stay at their initial values).")
    target: str = Field("the event", min_length=1, max_length=200, description="What the attitude is about, as shown in prompts (e.g. 'nuclear energy').")
    initial: Literal["llm", "share", "camps"] = Field("share", description="Initial attitude of LLM users: inferred by the LLM from profile and history (llm), drawn with positive_share (share), or per camp (camps). Rule users always draw: per camp when camp_positive is given, else with positive_share.")
    positive_share: float = Field(0.5, ge=0, le=1, description="Probability of a positive initial attitude (share; also rule users when not camps).")
    camp_positive: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field((), max_length=16, description="Per-camp probability of a positive initial attitude (one per network camp); used for every draw when given.")
    history_file: str = Field("", description="Real stance-labelled posts used as users' earlier posts for the initial attitude: a TweetEval stance folder or an NLPCC-style TSV (ID, TARGET, TEXT, STANCE); used when it exists.")
    history_target: str = Field("", description="Keep only rows of an NLPCC-style history_file with this TARGET ('' = all).")
    history_posts: int = Field(2, ge=0, le=20, description="Earlier posts shown per LLM user for the initial attitude.")
    policy: str = Field("llm", min_length=1, max_length=1000, description="Who decides an LLM user's next attitude: llm (S3: the LLM is asked) or the path of a learned stance classifier saved by `hubbub evaluate` (OUT/policies/attitude_*--*.json; labels negative/positive, or against/favor with an optional none): the user takes the stance the received posts express toward the target; none keeps the attitude.")
    policy_group: str = Field("", max_length=200, description="Which per-target model of a learned stance classifier to use (e.g. 'climate' for TweetEval); '' or an unknown group uses its pooled model (or target_aware_policy when given).")
    target_aware_policy: str = Field("", max_length=1000, description="A target-aware stance model saved by `hubbub evaluate attitude_loto_*` (OUT/policies/attitude_loto_*--*.json) that reads the received posts toward the target text (s3.attitude.target); used instead of the classifier's pooled model when policy_group names none of its per-target models ('' = never). Needs policy to be a classifier.")

    @model_validator(mode="after")
    def _check(self) -> "AttitudeConfig":
        bad = [p for p in self.camp_positive if not 0 <= p <= 1]
        if bad:
            raise ValueError(f"attitude.camp_positive values must lie in [0, 1], got {bad}")
        if self.initial == "camps" and not self.camp_positive:
            raise ValueError("attitude.initial = 'camps' needs attitude.camp_positive (one share per camp)")
        if self.target_aware_policy and self.policy == "llm":
            raise ValueError(f"attitude.target_aware_policy = {self.target_aware_policy!r} needs attitude.policy to be "
                             "a learned stance classifier (it stands in for that classifier's pooled model), not 'llm'")
        return self


class BehaviourConfig(Section):
    """What an LLM user does with received posts: repost, post new content, or nothing (S3 4.4)."""

    max_received: int = Field(5, ge=1, le=20, description="processing = per_round: received posts shown in one prompt (the best by relevance and source); each can be reposted. Per-message prompts show one post each (see s3.messages_per_round).")
    prompt_budget: int = Field(1200, ge=200, le=200_000, description="Estimated tokens one prompt may take in all; received posts and memory are cut to fit.")
    content_chars: int = Field(200, ge=20, le=5000, description="Generated posts are cut to this many characters.")


class RecommendConfig(Section):
    """The platform's recommendations beyond followees (S3 5.4: other channels of information)."""

    share: float = Field(0.0, ge=0, le=1, description="Probability per user and step of being shown recommended posts (0 = pure follow-graph delivery).")
    per_user: int = Field(1, ge=1, le=100, description="Recommended posts shown to a user who gets recommendations.")
    ranker: str = Field("popularity", description="How candidates are ranked: recency (newest first), popularity (most reposted first), relevance (closest to the user's profile; LLM users, others fall back to popularity), or a ranker registered from Python (hubbub.register_ranker).")

    @field_validator("ranker")
    @classmethod
    def _known_ranker(cls, name: str) -> str:
        from hubbub.registry import RANKERS

        if name not in RANKERS.names():
            raise ValueError(f"not a known feed ranker; known: {', '.join(RANKERS.names())} (register your own with hubbub.register_ranker)")
        return name
    pool: int = Field(20, ge=1, le=10_000, description="Top-ranked candidates a recommendation is drawn from (rank r has weight 1 / (r + 1)).")
    window_steps: int = Field(3, ge=1, le=10_000, description="Candidates are posts published in the last this many steps.")


class RuleConfig(Section):
    """Rule-based users: a classical model from hubbub.dynamics, vectorised over all of them at once."""

    model: Literal["independent_cascade", "linear_threshold", "sir"] = Field("independent_cascade", description="Who acts on received posts: independent cascade (each received post gives one chance p; a user acts once), linear threshold (share of followees posting reaches a random threshold; acts once) or sir (a received post infects with beta; an infectious user acts in every step posts reach it until it recovers with gamma).")
    p: float = Field(0.1, ge=0, le=1, description="Independent cascade: probability that a received post makes a rule user act.")
    beta: float = Field(0.1, ge=0, le=1, description="SIR: probability that a post delivered from a sender infects a susceptible rule user.")
    gamma: float = Field(0.2, ge=0, le=1, description="SIR: probability per step that an infectious rule user recovers (it never acts again).")
    post_share: float = Field(0.1, ge=0, le=1, description="Share of acting rule users who post new content instead of reposting.")
    texts_file: str = Field("", description="CSV/JSONL of real texts that rule users' new posts are drawn from (e.g. SWSR comments); used when it exists, else the seed posts.")
    texts_column: str = Field("text", min_length=1, description="Column of texts_file holding the text.")
    emotion_contagion: float = Field(0.3, ge=0, le=1, description="Probability that a rule user moves one level toward the most intense emotion among received posts.")
    attitude_model: Literal["voter", "deffuant", "hegselmann_krause", "none"] = Field("voter", description="Rule users' attitude on this step's deliveries: voter (copy a random sender), deffuant or hegselmann_krause (bounded confidence on a kept opinion in [0, 1]; positive above 0.5; an LLM sender counts as 0.25 or 0.75) or none (fixed).")
    attitude_adopt: float = Field(0.2, ge=0, le=1, description="Probability that a rule user who received posts applies the attitude update this step.")
    epsilon: float = Field(0.3, ge=0, le=1, description="Bounded confidence (deffuant, hegselmann_krause): a sender's opinion moves a rule user only when they differ by less than epsilon.")
    mu: float = Field(0.5, gt=0, le=0.5, description="Deffuant: share of the opinion gap a rule user closes when it meets a sender.")
    fitted_file: str = Field("", max_length=1000, description="Parameters fitted by `hubbub evaluate` on real cascades (OUT/fitted/independent_cascade.json): when set, its model and parameters replace `model` and `p` / `beta` / `gamma` (independent_cascade, linear_threshold or sir only).")


class HubLinkConfig(Section):
    """kind = combined: how the trending-topic hub and the follow graph meet."""

    hub_users: int | None = Field(None, ge=0, le=1_000_000, description="LLM users who also visit the hub (None = all LLM users); hub visitors are always LLM users.")
    repost_hub: bool = Field(True, description="A hub visitor receives the hub topic as a recommended post at the next step and may repost it into the follow graph.")
    followee_posts: int = Field(3, ge=0, le=50, description="The hub's Main page shows a visitor this many of their followees' posts (the most relevant to the topic among the latest 64, scored as the memory pool scores them); 0 shows none.")


class RecordConfig(Section):
    """How much per-user detail the run record keeps."""

    user_states: Literal["llm", "all", "none"] = Field("llm", description="Per-step state rows (s3_user_states) for LLM users only, for everyone, or none (population curves are always kept).")
    graph_sample: int = Field(500, ge=0, le=5000, description="Users whose follow edges (s3_setup event) and per-round emotion, attitude and awareness (s3_step events) the record keeps for the report's network view: every user when the graph has at most this many, else a breadth-first sample from the seed posts' authors; 0 keeps none.")


def _check_feed_actions(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each name a registered action offered on the follow feed, not a built-in one, listed once."""
    from hubbub.registry import ACTIONS

    for name in names:
        if name not in ACTIONS.names():
            raise ValueError(f"{name!r} is not a known action; known: {', '.join(ACTIONS.names())} "
                             "(register your own with hubbub.register_action before loading the scenario)")
        if name in ACTIONS.builtins:
            raise ValueError(f"{name!r} is a built-in action; list only registered extra ones")
        surfaces = tuple(ACTIONS.get(name, "s3.extra_actions").surfaces)
        if "feed" not in surfaces:
            raise ValueError(f"{name!r} is offered on {', '.join(surfaces)}, not on the follow feed (surfaces must include 'feed')")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{twice[0]!r} is listed twice")
    return names


class S3Config(Section):
    """Follow-graph diffusion of information, emotion and attitude (S3)."""

    steps: int = Field(10, ge=1, le=100_000, description="Number of rounds (time steps) to simulate after the seed posts.")
    step_h: float = Field(1.0, gt=0, le=24 * 365, description="Simulated hours per round.")
    event: str = Field("A public event is being discussed online.", min_length=1, max_length=2000, description="One or two sentences describing the event, shown in prompts.")
    processing: Literal["per_message", "per_round"] = Field("per_message", description="How a user takes in a round's received posts: per_message (S3: each message in arrival order updates emotion, attitude and memory and gets its own repost / post / nothing choice, seen by the next message) or per_round (one emotion and attitude update and one choice over the round's best behaviour.max_received posts).")
    messages_per_round: int = Field(3, ge=1, le=100, description="per_message: at most this many received posts a user processes in one round (the best-ranked ones, taken in arrival order); bounds LLM calls per user and round to about 3 per message, 4 when it writes. Rule users' emotion contagion takes the first this many in arrival order.")
    network: NetworkConfig = NetworkConfig()
    population: S3PopulationConfig = S3PopulationConfig()
    seed_posts: SeedPostsConfig = SeedPostsConfig(texts=("Breaking news: a public event has started a heated debate online.",))
    memory: S3MemoryConfig = S3MemoryConfig()
    emotion: EmotionConfig = EmotionConfig()
    attitude: AttitudeConfig = AttitudeConfig()
    behaviour: BehaviourConfig = BehaviourConfig()
    recommend: RecommendConfig = RecommendConfig()
    rule: RuleConfig = RuleConfig()
    hub: HubLinkConfig = HubLinkConfig()
    record: RecordConfig = RecordConfig()
    extra_actions: tuple[str, ...] = Field((), description="Actions registered from Python (hubbub.register_action) whose surfaces include 'feed': LLM users are offered them besides repost, post and nothing, and a chosen one is applied through its action object at the round's commit.")

    @field_validator("extra_actions")
    @classmethod
    def _known_actions(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return _check_feed_actions(names)

    @model_validator(mode="after")
    def _check(self) -> "S3Config":
        camps = len(self.network.camps) if self.network.source == "sbm" else 1
        if self.attitude.camp_positive and len(self.attitude.camp_positive) != camps:
            raise ValueError(f"attitude.camp_positive has {len(self.attitude.camp_positive)} values for "
                             f"{camps} camp(s) of network.source = {self.network.source!r}")
        return self
