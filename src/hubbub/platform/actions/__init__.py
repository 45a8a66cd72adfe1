"""Actions as a registry (DESIGN decision 11): every action a user can take is an :class:`Action`
registered by name in :data:`hubbub.registry.ACTIONS`, built-ins and user-defined alike::

    import hubbub

    @hubbub.register_action("bookmark", surfaces=("main",), text={"en": "Bookmark this topic", "zh": "收藏"})
    def bookmark(hub, acted):
        hub.mark("bookmark", 0, acted.visible_at)

A scenario then offers it on the hub with ``trendsim.hub.extra_actions = ["bookmark"]``; an action whose
surfaces include ``feed`` is offered to LLM users of the follow feed with ``s3.extra_actions``. The world asks
the registry for each action it offers and reads the object's fields (surfaces, condition, payload,
effect, navigation, duration); there is no per-action branch in the world.
"""

from __future__ import annotations

from typing import Any, Callable

from hubbub.errors import ConfigError
from hubbub.platform.actions.base import (
    HUB_PAGES, SURFACES, TARGETS, WRITES, Acted, Action, Page, Where, offered,
)
from hubbub.registry import ACTIONS

__all__ = ["ACTIONS", "HUB_PAGES", "SURFACES", "TARGETS", "WRITES", "Acted", "Action", "Page", "Where",
           "feed_actions", "hub_actions", "offered", "register_action"]


def register_action(name: str, action: Action | None = None, **fields: Any) -> Any:
    """Register an :class:`Action` under ``name`` (usable as ``trendsim.hub.extra_actions = [name]``).

    ``register_action(name, Action(name, ...))`` registers an action object; as a decorator,
    ``@register_action(name, surfaces=..., text=..., ...)`` makes the decorated function the action's
    ``apply(hub, acted)`` and registers ``Action(name, apply=function, **fields)``.
    """
    if action is not None:
        if fields:
            raise ConfigError(f"register_action({name!r}, action, ...): give an Action or its fields, not both")
        return ACTIONS.register(name, _checked(name, action))
    return lambda apply: _register_fields(name, apply, fields)


def _register_fields(name: str, apply: Callable[..., Any], fields: dict[str, Any]) -> Callable[..., Any]:
    """The decorator form: the function is the action's effect; returns the function unchanged."""
    try:
        action = Action(name, apply=apply, **fields)
    except TypeError as exc:
        raise ConfigError(f"register_action({name!r}): {exc}; give at least surfaces=(...) and "
                          f"text={{'en': ...}}") from None
    ACTIONS.register(name, action)
    return apply


def _checked(name: str, action: Any) -> Action:
    if not isinstance(action, Action):
        raise ConfigError(f"register_action({name!r}): got {type(action).__name__}; expected a hubbub.Action")
    if action.name != name:
        raise ConfigError(f"register_action({name!r}): the action is named {action.name!r}; use the same name")
    return action


def hub_actions(extra: tuple[str, ...], lang: str) -> tuple[Action, ...]:
    """The hub's built-in actions and the scenario's extra ones, each with an option text in ``lang``."""
    from hubbub.platform.actions.builtin import HUB

    actions = tuple(ACTIONS.get(n, "trendsim.hub.extra_actions") for n in HUB + tuple(extra))
    for action in actions:
        if action.writes not in (None, "write_comment", "write_reply"):
            raise ConfigError(f"action {action.name!r}: writes = {action.writes!r} is a follow-feed text; on the "
                              "hub an action writes write_comment or write_reply")
        for page in sorted(set(action.surfaces) & set(HUB_PAGES)):
            action.option(lang, page)
    return actions


def feed_actions(extra: tuple[str, ...] = (), lang: str = "en") -> tuple[Action, ...]:
    """The follow feed's built-in actions and the scenario's extra ones (``s3.extra_actions``), in the
    order their options are offered (by rank), each with a feed option text in ``lang``."""
    from hubbub.platform.actions.builtin import FEED

    actions = tuple(ACTIONS.get(n, "s3.extra_actions") for n in FEED + tuple(extra))
    for action in actions[len(FEED):]:
        if "feed" not in action.surfaces:
            raise ConfigError(f"s3.extra_actions: action {action.name!r} is offered on {', '.join(action.surfaces)}; "
                              "a follow-feed action needs 'feed' in its surfaces")
        if action.writes not in (None, "s3.content") or action.target is not None:
            raise ConfigError(f"s3.extra_actions: action {action.name!r} has writes = {action.writes!r}, target = "
                              f"{action.target!r}; on the feed an action writes None or 's3.content' and has no "
                              "target (a feed option with {i} targets that received post)")
        action.option(lang, "feed")
    return tuple(sorted(actions, key=lambda a: a.rank))
