"""How the TrendSim preset writes its run record: the projection rows of each committed action, the
sweep of the censor and the periodic state snapshots.

Everything goes through the world's :class:`~hubbub.runtime.recorder.RunRecorder` (``event`` then
``row``), so a resumed run re-derives and verifies the same log.
"""

from __future__ import annotations

from typing import Any


def project_action(world: Any, agent: str | None, t: float, data: dict[str, Any], seq: int) -> None:
    action, visible = data["action"], data["visible_at"]
    attack, hidden = int(data["role"] == "attacker"), int(data["flagged"])
    reason = "censored" if hidden else None
    if action == "comment":
        world.rec.row("comments", {"comment_id": data["comment_id"], "topic_id": world.topic.topic_id,
                                  "author": agent, "text": data["text"], "created_at": t, "visible_at": visible,
                                  "is_attack": attack, "hidden": hidden, "hidden_reason": reason, "seq": seq})
    elif action == "reply":
        world.rec.row("replies", {"reply_id": data["reply_id"], "comment_id": data["target"], "author": agent,
                                 "text": data["text"], "created_at": t, "visible_at": visible,
                                 "is_attack": attack, "hidden": hidden, "hidden_reason": reason, "seq": seq})
    elif action in ("like", "like_comment"):
        target_type = "topic" if action == "like" else "comment"
        target = world.topic.topic_id if action == "like" else str(data["target"])
        world.rec.row("likes", {"target_type": target_type, "target_id": target, "agent": agent,
                               "time": t, "visible_at": visible, "seq": seq})
    elif action == "repost":
        world.rec.row("reposts", {"topic_id": world.topic.topic_id, "agent": agent, "time": t,
                                 "visible_at": visible, "seq": seq})
    if action in ("comment", "reply") and world._censoring(t):
        world.rec.row("moderation", {"comment_type": action, "comment_id": data.get("comment_id", data.get("reply_id")),
                                    "time": t, "flagged": hidden, "seq": seq})


def apply_censored(world: Any, t: float, data: dict[str, Any]) -> None:
    if data["target_type"] == "comment":
        world.hub.hide_comment(data["target_id"], t)
        world.rec.update("comments", "comment_id", data["target_id"], {"hidden": 1, "hidden_reason": "censored (sweep)"})
    else:
        world.hub.hide_reply(data["target_id"], t)
        world.rec.update("replies", "reply_id", data["target_id"], {"hidden": 1, "hidden_reason": "censored (sweep)"})


def snapshot(world: Any, t: float) -> None:
    emotions = [p.state.emotion for p in world.users]
    confidences = [p.state.confidence for p in world.users]
    world.rec.event(t, "snapshot", None, {
        "users": len(world.users), "mean_emotion": _mean(emotions), "mean_confidence": _mean(confidences),
        "comments_visible": len(world.hub.ranked_comments(t)),
    })
    for p in world.users:
        world.rec.row("agent_states", {"agent": p.agent_id, "time": t, "seq": world.rec.seq,
                                      "emotion": p.state.emotion, "confidence": p.state.confidence,
                                      "opinion": p.state.opinion, "summary": p.state.summary,
                                      "extra": '{"snapshot": true}'})


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 6) if values else 0.0
