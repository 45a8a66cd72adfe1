"""Prototype attackers on the hub (TrendSim 3.4): their visits on the attack schedule and the attacker
share an intervention can change during a run. A part of :class:`~hubbub.runtime.trendsim.world.TrendSimWorld`.
"""

from __future__ import annotations

import math
from typing import Any

from hubbub.agents.hub.mind import Failure
from hubbub.agents.user import Participant, UserState
from hubbub.kernel.events import Event
from hubbub.kernel.views import RecordingView
from hubbub.runtime.trendsim import pages
from hubbub.runtime.trendsim.outcome import Outcome

HOUR = 3600.0


class AttackerVisits:
    """The attackers' side of the TrendSim world (mixed into it; uses its hub, schedule and records)."""


    async def _attack_visit(self, event: Event) -> Outcome:
        p, d, t = self.participants[event.agent], event.data, event.time  # type: ignore[index]
        view = RecordingView(self.hub)
        out = Outcome(reads=view.reads)
        if self._is_suspended(p.agent_id, t):
            out.records.append(("visit_blocked", {"visit": d["visit"], "reason": "suspended"}))
            self._next_attack(p, d, t, t, out)
            return out
        out.records.append(("session_start", {"visit": d["visit"]}))
        key = (p.agent_id, d["visit"], 0)
        shown, _ = view.comment_page(t, 0, self.cfg.hub.comments_per_page)
        observation = pages.main_text(self.lang, self.hub.title, self.hub.content, view.counts(t), shown, 0)
        try:
            text = await self.mind.attack_text(p, key, f"{self.hub.title}\n{self.hub.content}", [c.text for c in shown])
            flagged = await self._moderate(text, key, t)
        except Failure as failure:
            out.records.append(("llm_failure", {"call": failure.kind, "error": failure.error, "visit": d["visit"]}))
            text, flagged = None, False
        duration = self._duration(observation, text)
        if text is not None:
            self._record_action(out, p, {**d, "page": "main"}, t, "comment", text, None, flagged, t + duration,
                                "", observation)
        self._next_attack(p, d, t, t + duration, out)
        return out

    def _next_attack(self, p: Participant, d: dict[str, Any], t: float, ended: float, out: Outcome) -> None:
        """Attackers come back on a fixed gap (``trendsim.attack.schedule``; the released code: every
        lifecycle / (2 * epochs))."""
        nxt = t + self.attack_schedule.revisit_every_h * HOUR
        nxt_visit = nxt if nxt <= self.horizon else None
        if d["visit"] + 1 >= 10_000:
            nxt_visit = None
        kind = "session_end" if any(k == "session_start" for k, _ in out.records) else "visit_end"
        out.records.append((kind, {"visit": d["visit"], "actions": 1 if kind == "session_end" else 0,
                                   "ended": ended, "next_visit": nxt_visit}))
        if nxt_visit is not None:
            out.follow_ups.append(self._step_event(p.agent_id, nxt_visit, d["visit"] + 1, 0, "main"))

    def set_attacker_share(self, share: float, t: float, prototypes: Any) -> dict[str, Any]:
        """Add attackers (first visit soon after ``t``) or suspend the newest ones to reach ``share``."""
        from hubbub.runtime.trendsim.population import PROTOTYPE_DESCRIPTIONS

        attackers = [p for p in self.participants.values() if p.role == "attacker"]
        active = [p for p in attackers if not self._is_suspended(p.agent_id, t)]
        target = round(len(self.users) * share / (1.0 - share))
        protos = tuple(prototypes or self.cfg.attack.prototypes)
        for k in range(len(attackers), len(attackers) + max(0, target - len(active))):
            proto = protos[k % len(protos)]
            p = Participant(f"attacker-{k:04d}", "attacker", PROTOTYPE_DESCRIPTIONS[proto], "attacker",
                            UserState(0.5, 0.5), prototype=proto)
            self.participants[p.agent_id] = p
            self.rec.row("agents", {"agent_id": p.agent_id, "role": "attacker", "grp": "attacker",
                                    "profile": {"description": p.description, "prototype": proto,
                                                "joined_h": t / HOUR}})
            delay = float(self.seeds.rng("attack-wave", p.agent_id).uniform(0, self.attack_schedule.first_within_h))
            if t + delay * HOUR <= self.horizon:
                self._follow_ups.append(self._step_event(p.agent_id, t + delay * HOUR, 0, 0, "main"))
        for p in reversed(active[target:]):
            self.suspended[p.agent_id] = math.inf
        return {"attackers_before": len(active), "attackers_after": target}
