"""What an action is: a small frozen object that says where it is offered, when it is possible, what it
needs from the user, what it does to the platform, which page follows and how long it takes.

The objects are data; the world that offers them (the TrendSim hub, the follow feed) reads these fields
and asks the user's mind for the payload. Nothing here calls a model or imports an agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

from hubbub.errors import ConfigError

HUB_PAGES = ("browse", "main", "comment")
"""The trending hub's pages (TrendSim 3.2.3), each a surface an action can be offered on."""

SURFACES = HUB_PAGES + ("feed",)
"""Every surface: the hub's three pages and the follow feed (S3 rounds)."""

WRITES = {
    "write_comment": "a comment on the topic (hub prompt write_comment)",
    "write_reply": "a reply to the comment the page shows first (hub prompt write_reply)",
    "s3.content": "a new follow-feed post (feed prompt content_question)",
}
"""The texts an action can ask its user to write, by the prompt that writes them."""

TARGETS = {
    "pick": "the user picks one of the comments the page shows (hub prompt choose_comment)",
    "page": "the comment the Comment page shows",
}
"""How an action's target is found."""


@dataclass(frozen=True)
class Page:
    """What a hub page shows at one step, as far as actions care: which page, which comment page or
    opened comment, the comments shown (the opened comment on a Comment page; empty when it is gone)
    and whether a further page of comments exists."""

    name: str
    page_no: int = 0
    comment_id: int | None = None
    shown: tuple[Any, ...] = ()
    has_more: bool = False


class Where(NamedTuple):
    """Where a user's next step happens: the page, its comment page number and the opened comment."""

    page: str
    page_no: int
    comment_id: int | None


@dataclass(frozen=True)
class Acted:
    """One taken action as it reaches the platform (at commit, in event order)."""

    agent: str
    time: float
    """When the action started (simulated seconds)."""
    visible_at: float
    """When its effects become visible to others: the action's end."""
    text: str | None
    target: int | None
    attack: bool
    hidden: bool
    """The censor flagged the text: it is stored but never shown."""


def always(page: Page) -> bool:
    """The default condition: the action is possible on every page it is offered on."""
    return True


def stay(page: Page, target: int | None) -> Where:
    """The default navigation: the next step happens on the same page."""
    return Where(page.name, page.page_no, page.comment_id)


@dataclass(frozen=True)
class Action:
    """One action of the platform (DESIGN decision 11), registered by name in ``hubbub.registry.ACTIONS``.

    ``surfaces``: the hub pages (``browse``, ``main``, ``comment``) and/or ``feed`` that offer it.
    ``text``: the option as the user reads it, per language (``{"en": ..., "zh": ...}``); ``surface_text``
    overrides it on one surface (``{"feed": {"en": "Repost post {i}"}}``; a feed option with ``{i}`` is
    offered once per received post, which is then its target). ``rank``: offered options are
    ordered by rank (built-ins 10-100, ``back`` 90, ``exit`` 100; 80 puts an action after a page's own
    actions and before leaving it). ``possible(page)``: whether a page offers it now. ``writes``: the
    text the user writes first (a key of :data:`WRITES`), or None. ``target``: how its target is found (a
    key of :data:`TARGETS`), or None. ``apply(hub, acted)``: what it does to the platform at commit; a
    returned mapping is added to the recorded action (e.g. the new ``comment_id``). ``navigate(page,
    target)``: the :class:`Where` of the next step (default: the same page). ``seconds``: how long it takes
    (None: reading the page plus writing the text, the default); never less than
    ``trendsim.timing.min_action_s``, the causal window concurrency relies on. ``ends_session``: the
    user leaves after it.
    """

    name: str
    surfaces: tuple[str, ...]
    text: Mapping[str, str]
    rank: int = 80
    possible: Callable[[Page], bool] = always
    writes: str | None = None
    target: str | None = None
    apply: Callable[[Any, Acted], Mapping[str, Any] | None] | None = None
    navigate: Callable[[Page, int | None], Where] = stay
    seconds: float | None = None
    ends_session: bool = False
    surface_text: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """One ConfigError line naming the action and the field that is not allowed."""
        where = f"action {self.name!r}"
        if not isinstance(self.surfaces, tuple) or not self.surfaces or set(self.surfaces) - set(SURFACES):
            raise ConfigError(f"{where}: surfaces = {self.surfaces!r}; expected a non-empty tuple of "
                              f"{', '.join(SURFACES)}")
        if not isinstance(self.text, Mapping) or not self.text or not all(isinstance(v, str) and v.strip()
                                                                           for v in self.text.values()):
            raise ConfigError(f"{where}: text = {self.text!r}; expected {{language: option text}}, "
                              "e.g. {'en': 'Bookmark'}")
        _one_of(where, "writes", self.writes, WRITES)
        _one_of(where, "target", self.target, TARGETS)
        if self.seconds is not None and not self.seconds > 0:
            raise ConfigError(f"{where}: seconds = {self.seconds!r}; expected a positive number or None")

    def option(self, lang: str, surface: str) -> str:
        """The option text on ``surface`` in ``lang`` (a feed template's ``{i}`` is filled by the feed)."""
        own = self.surface_text.get(surface, {})
        template = own.get(lang) or self.text.get(lang)
        if template is None:
            raise ConfigError(f"action {self.name!r} has no option text for language {lang!r}; it has: "
                              f"{', '.join(sorted(self.text))}")
        return template


def _one_of(where: str, name: str, value: str | None, allowed: Mapping[str, str]) -> None:
    if value is not None and value not in allowed:
        raise ConfigError(f"{where}: {name} = {value!r}; allowed: None, {', '.join(allowed)}")


def offered(actions: tuple[Action, ...], page: Page) -> tuple[Action, ...]:
    """The actions ``page`` offers now, in rank order (ties keep the given order). One that picks a
    comment or replies to one is offered only while the page shows a comment."""
    here = [a for a in actions if page.name in a.surfaces and a.possible(page)
            and (page.shown or (a.target != "pick" and a.writes != "write_reply"))]
    return tuple(sorted(here, key=lambda a: a.rank))
