"""Scheduled interventions and interviews: what a researcher does to a running simulation.

Each intervention is applied at a simulated time (``at_h`` hours) and recorded in the event log as an
``intervention`` event. Interviews ask agents a question in character at a simulated time; answers are
recorded as ``interview`` events and change nothing unless ``affects_agents`` is set.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hubbub.scenarios.sections import Section
from hubbub.textfiles import INTERVENTION_TEXT_CHARS, QUESTION_CHARS

INTERVENTION_TYPES = ("inject_post", "set_state", "set_profile", "attack", "censorship", "remove_comment",
                      "suspend_user", "block_edge", "label", "feed", "moderation")

_REQUIRED = {
    "inject_post": ("text",),
    "set_state": ("agent",),
    "set_profile": ("agent", "description"),
    "attack": (),
    "censorship": ("enabled",),
    "remove_comment": (),
    "suspend_user": ("agent",),
    "block_edge": ("source", "target"),
    "label": ("text",),
    "feed": (),
    "moderation": (),
}


class Intervention(Section):
    """One scheduled intervention; which fields it needs depends on ``type``."""

    at_h: float = Field(..., ge=0, description="Simulated hour at which the intervention is applied.")
    type: Literal["inject_post", "set_state", "set_profile", "attack", "censorship", "remove_comment",
                  "suspend_user", "block_edge", "label", "feed", "moderation"] = Field(..., description="What to do: inject_post (a post/comment as a user or the platform), set_state / set_profile (change a user), attack (change attacker share or prototypes), censorship (switch on/off), remove_comment, suspend_user, block_edge (follow graphs), label (community note / warning on a comment or, with post_id, a follow-graph post), feed (comment ranking or recommendation settings), moderation (the living platform: act on posts above a toxicity threshold).")
    agent: str | None = Field(None, description="Target user id (set_state, set_profile, suspend_user) or author of an injected post ('platform' if empty).")
    text: str | None = Field(None, max_length=INTERVENTION_TEXT_CHARS, description="Text of an injected post, or of a label / community note.")
    description: str | None = Field(None, max_length=INTERVENTION_TEXT_CHARS, description="New profile description (set_profile).")
    emotion: float | None = Field(None, ge=0, le=1, description="New emotional positiveness (set_state).")
    confidence: float | None = Field(None, ge=0, le=1, description="New social confidence (set_state).")
    opinion: str | None = Field(None, max_length=INTERVENTION_TEXT_CHARS, description="New opinion text (set_state).")
    share: float | None = Field(None, ge=0, lt=1, description="New attacker share of all participants (attack).")
    prototypes: tuple[Literal["antisocial", "trolling", "rumor"], ...] | None = Field(None, description="New attacker prototypes (attack).")
    enabled: bool | None = Field(None, description="Censorship on or off (censorship).")
    comment_id: int | None = Field(None, ge=0, description="Target comment (remove_comment, label); omit to target the top comment.")
    reply_id: int | None = Field(None, ge=0, description="Target reply (remove_comment).")
    until_h: float | None = Field(None, ge=0, description="End of a suspension (suspend_user); omit for the rest of the run.")
    source: str | None = Field(None, description="Followee side of a blocked follow edge (block_edge).")
    target: str | None = Field(None, description="Follower side of a blocked follow edge (block_edge).")
    ranker: Literal["likes", "recent"] | None = Field(None, description="How comments are ranked from now on (feed).")
    recommendation_share: float | None = Field(None, ge=0, le=1, description="New share of recommended posts in feeds (feed, follow graphs).")
    emotion_level: Literal["calm", "moderate", "intense"] | None = Field(None, description="New S3 emotion level of the user (set_state, follow graphs).")
    attitude: Literal["negative", "positive"] | None = Field(None, description="New S3 attitude of the user toward the target (set_state, follow graphs).")
    post_id: int | None = Field(None, ge=0, description="Target post of the follow graph (label, follow graphs): a warning label / community note shown with it and its reposts.")
    recommender: str | None = Field(None, description="New ranker of recommended posts (feed, kind 'platform'): a name in hubbub.registry.RANKERS.")
    toxicity_threshold: float | None = Field(None, ge=0, le=1, description="Moderate posts whose toxicity is above this (moderation, kind 'platform'); omit to switch moderation off.")
    moderation_mode: Literal["downrank", "hide", "label"] | None = Field(None, description="What moderation does to a flagged post (moderation, kind 'platform'): move it to the end of feeds, hide it, or label it; omit to keep the current mode.")
    channel: Literal["hub", "graph"] | None = Field(None, description="Where an injected post goes in a combined run: hub (a comment on the trending topic, the default) or graph (a post in the follow graph). Kind 's3' always uses the graph.")

    @model_validator(mode="after")
    def _needs(self) -> "Intervention":
        missing = [f for f in _REQUIRED[self.type] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"intervention type {self.type!r} needs {', '.join(missing)}")
        if self.type == "attack" and self.share is None and self.prototypes is None:
            raise ValueError("intervention type 'attack' needs share or prototypes")
        if self.type == "feed" and self.ranker is None and self.recommendation_share is None and self.recommender is None:
            raise ValueError("intervention type 'feed' needs ranker, recommendation_share or recommender")
        if self.type == "set_state" and all(getattr(self, f) is None for f in
                                            ("emotion", "confidence", "opinion", "emotion_level", "attitude")):
            raise ValueError("intervention type 'set_state' needs emotion, confidence or opinion (TrendSim) or "
                             "emotion_level or attitude (follow graphs)")
        if self.until_h is not None and self.until_h <= self.at_h:
            raise ValueError(f"until_h ({self.until_h}) must be later than at_h ({self.at_h})")
        return self


class Interview(Section):
    """Ask agents a question in character at a simulated time."""

    at_h: float = Field(..., ge=0, description="Simulated hour of the interview.")
    question: str = Field(..., min_length=1, max_length=QUESTION_CHARS, description="The question asked.")
    agents: tuple[str, ...] = Field((), description="Agent ids to ask (empty: use group / sample).")
    group: str | None = Field(None, description="Ask the users of this preference group.")
    sample: int | None = Field(None, ge=1, le=1_000_000, description="Ask this many users drawn at random (same draw for every interview of the run).")
    affects_agents: bool = Field(False, description="If true, the answer is added to the agent's memory summary.")
