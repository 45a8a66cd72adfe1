"""Named building blocks a scenario can refer to by string, and that users can add from Python.

A scenario names a feed ranker (``s3.recommend.ranker``), a user policy (``s3.population.policy``) or
extra hub actions (``trendsim.hub.extra_actions``) by string; the name is looked up here, so a ranker,
policy or action registered from Python (before the scenario is loaded) works from a TOML file exactly like a built-in one (DESIGN decision 11)::

    import hubbub

    @hubbub.register_ranker("longest-first")
    def longest_first(posts, candidates):
        return candidates[np.argsort(-posts.lengths(candidates), kind="stable")]

Built-ins are named here too, by module path, and loaded on first use (importing hubbub loads nothing).
Packages can register theirs through the ``hubbub.rankers``, ``hubbub.policies`` and ``hubbub.actions``
entry-point groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from hubbub.errors import ConfigError


@dataclass
class Registry:
    """Names -> objects (or ``"module:attribute"`` strings for built-ins, loaded when first used)."""

    kind: str
    group: str
    """The entry-point group that packages register into (read once, on the first lookup)."""
    entries: dict[str, Any] = field(default_factory=dict)
    _plugins_read: bool = False
    builtins: frozenset[str] = field(default=frozenset(), init=False)
    """The names the package itself ships (the entries given at construction)."""

    def __post_init__(self) -> None:
        self.builtins = frozenset(self.entries)

    def register(self, name: str, obj: Any) -> Any:
        """Add ``obj`` under ``name`` (a new name, or replacing a user's own earlier entry)."""
        if not name or not isinstance(name, str) or name != name.strip():
            raise ConfigError(f"a {self.kind} name must be a non-empty string without surrounding spaces, got {name!r}")
        if isinstance(self.entries.get(name), str):
            raise ConfigError(f"{self.kind} {name!r} is built in; register yours under another name")
        self.entries[name] = obj
        return obj

    def names(self) -> list[str]:
        self._read_plugins()
        return sorted(self.entries)

    def get(self, name: str, field_name: str) -> Any:
        """The object named ``name``; a ConfigError naming the scenario field and the known names."""
        self._read_plugins()
        if name not in self.entries:
            raise ConfigError(f"{field_name} = {name!r} is not a known {self.kind}; known: {', '.join(self.names())} "
                              f"(register your own with hubbub.register_{self.kind.split()[-1]})")
        entry = self.entries[name]
        if isinstance(entry, str):
            import importlib

            module, attribute = entry.split(":")
            entry = getattr(importlib.import_module(module), attribute)
        return entry

    def _read_plugins(self) -> None:
        if self._plugins_read:
            return
        self._plugins_read = True
        from importlib.metadata import entry_points

        for point in entry_points(group=self.group):
            self.entries.setdefault(point.name, point.value)


RANKERS = Registry("feed ranker", "hubbub.rankers", {
    "recency": "hubbub.platform.feed.rankers:recency",
    "popularity": "hubbub.platform.feed.rankers:popularity",
    "relevance": "hubbub.platform.feed.rankers:relevance",  # S3: globally, users re-ranked by profile
    "interest": "hubbub.platform.feed.rankers:interest",
})
"""Feed rankers: ``ranker(posts, candidates) -> candidates in ranked order`` (numpy arrays of post ids;
``posts`` is an S3 run's :class:`~hubbub.platform.feed.posts.FollowFeed`, or on the living platform a
:class:`~hubbub.platform.social.feed.FeedPosts`: the store as one viewer sees it at one time)."""

POLICIES = Registry("user policy", "hubbub.policies", {
    "triadic_closure": "hubbub.agents.social.rules:triadic_closure",
    "homophily": "hubbub.agents.social.rules:homophily",
    "preferential_attachment": "hubbub.agents.social.rules:preferential_attachment",
})
"""User policies: for follow-feed rounds ``policy(context) -> Choice`` (see :mod:`hubbub.agents.feed.policy`),
on the living platform ``policy(SocialContext) -> SocialChoice`` (see :mod:`hubbub.agents.social`; the
built-ins are the platform's tie-formation rules). The users a scenario hands to a policy are not asked
by the LLM."""


_ACTION = "hubbub.platform.actions.builtin:"
ACTIONS = Registry("action", "hubbub.actions", {
    name: f"{_ACTION}{name.upper()}" for name in ("view_details", "like", "comment", "repost", "more_comments",
                                                  "open_comment", "like_comment", "reply", "back", "exit",
                                                  "post", "none")})
"""Actions users take on the hub's pages and the follow feed: :class:`hubbub.platform.actions.Action`
objects (register yours with ``hubbub.register_action``; a scenario offers them on the hub with
``trendsim.hub.extra_actions`` and on the follow feed with ``s3.extra_actions``)."""


def register_ranker(name: str, ranker: Callable[..., Any] | None = None) -> Any:
    """Register a feed ranker under ``name`` (usable as ``s3.recommend.ranker = name``); works as a
    decorator too. ``ranker(posts, candidates)`` returns the candidate post ids in ranked order."""
    if ranker is None:
        return lambda fn: RANKERS.register(name, fn)
    return RANKERS.register(name, ranker)


def register_policy(name: str, policy: Callable[..., Any] | None = None) -> Any:
    """Register a user policy under ``name`` (usable as ``s3.population.policy = name``); works as a
    decorator too. ``policy(context)`` returns a :class:`hubbub.agents.feed.policy.Choice`."""
    if policy is None:
        return lambda fn: POLICIES.register(name, fn)
    return POLICIES.register(name, policy)
