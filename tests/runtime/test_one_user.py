"""A combined run has one user per person: one emotion on both surfaces, one memory pool.

Hub comments a user reads enter the memory pool their next follow-feed decision is prompted from,
and the hub's continuous emotion and the follow feed's level always agree (issue 13, must-show 3). On
the hub, the persona's memory is that pool and the Main page shows followees' graph posts once they
are published (never before).
"""

from __future__ import annotations

import hubbub
from hubbub.agents.affect import EMOTION_LEVELS, level_of
from hubbub.agents.hub.mind import HubMind
from hubbub.agents.hub.recall import FOLLOWED_HEADING

SMALL = {"llm.backend": "scripted", "s3.network.users": 80, "s3.population.llm_users": 6,
         "trendsim.lifecycle_h": 3.0, "s3.steps": 3, "trendsim.access.max_visits": 3,
         "trendsim.session.max_actions": 4}


REVISITING = {**SMALL, "trendsim.access.revisit": "truncated"}
"""Users come back to the hub (P(t | t > now)), so a round can fall between two of their sessions."""


def _run(tmp_path, check_each_step=None, overrides=SMALL):
    sim = hubbub.Simulation(hubbub.load_scenario("combined-ai-labels", overrides), tmp_path / "c")
    while not sim.done:
        sim.step()
        if check_each_step is not None and not sim.done:
            check_each_step(sim)
    return sim


def _disagreements(sim) -> list[str]:
    world = sim.world
    found = []
    for agent, p in world.trend.participants.items():
        index = world.s3.graph_index.get(agent)
        if index is not None and index in world.s3.users and level_of(p.state.emotion) != world.s3.emotion[index]:
            found.append(f"{agent} at {sim.now:.3f} h: hub {p.state.emotion} vs feed "
                         f"{EMOTION_LEVELS[world.s3.emotion[index]]}")
    return found


def test_one_emotion_per_user_after_every_committed_event(tmp_path):
    problems: list[str] = []
    sim = _run(tmp_path, lambda s: problems.extend(_disagreements(s)))
    assert sim.status == "completed"
    assert problems == []
    states = sim.results.table("s3_user_states")
    hub_users = set(sim.world.trend.participants) & set(states["agent_id"])
    assert hub_users, "the hub's users are follow-graph users too"


def test_a_hub_comment_read_enters_the_next_feed_decisions_memory(tmp_path):
    run = _run(tmp_path).results
    events = run.events
    comments = run.comments.set_index("comment_id")["text"]
    reads = events[events["kind"] == "action"]
    used = 0
    for _, decision in events[events["kind"] == "s3_decision"].iterrows():
        for item in decision["data"]["memory"]:
            if not item.startswith("c"):
                continue
            text = comments[int(item[1:])]
            before = reads[(reads["agent_id"] == decision["agent_id"]) & (reads["time"] <= decision["time"])]
            assert before["data"].map(lambda d: text in d["observation"]).any(), (decision["agent_id"], item)
            used += 1
    assert used > 0, "no follow-feed decision drew on a hub comment its user had read"


# ---------------------------------------------------------------- the hub reads the one memory pool


def _capture_perception(monkeypatch) -> dict:
    """The user message of every hub perception prompt, by (agent, visit, step), as the model gets it."""
    captured: dict = {}
    original = HubMind.gen

    async def gen(self, name, key, state, p, template=None, **fields):
        if name == "perception":
            captured[key] = self.prompts.user(template or name, p.description, state, **fields)[-1][1]
        return await original(self, name, key, state, p, template, **fields)

    monkeypatch.setattr(HubMind, "gen", gen)
    return captured


def _hub_prompts(run, captured: dict) -> list[tuple[float, str, str]]:
    """(time, agent, perception prompt) of every hub action, in time order."""
    actions = run.events[run.events["kind"] == "action"]
    return [(row["time"], row["agent_id"], captured[(row["agent_id"], row["data"]["visit"], row["data"]["step"])])
            for _, row in actions.iterrows()]


def _page_part(prompt: str) -> str:
    """The page a perception prompt shows: the prompt without its persona block (which a Main page's
    perception puts after the page, the others before it)."""
    before, _, persona_on = prompt.partition("Please play the following role.")
    return before + persona_on.split("Psychological Conditions:", 1)[1].split("\n", 2)[2]


def _followed_part(prompt: str) -> str:
    page = _page_part(prompt)
    return page.split(FOLLOWED_HEADING["en"], 1)[1] if FOLLOWED_HEADING["en"] in page else ""


def _first_published(s3) -> dict[tuple[str, str], float]:
    """(author, text) -> when a user first published or reposted that text (seconds)."""
    first: dict[tuple[str, str], float] = {}
    authors, steps = s3.posts.col("author"), s3.posts.col("step")
    for post in range(len(s3.posts)):
        if authors[post] >= 0:
            first.setdefault((s3.ids[authors[post]], s3.posts.texts[post]), float(steps[post]) * s3.step_s)
    return first


def test_a_followees_graph_post_reaches_the_hub_prompt_after_it_is_published_not_before(tmp_path, monkeypatch):
    captured = _capture_perception(monkeypatch)
    sim = _run(tmp_path, overrides=REVISITING)
    s3, prompts = sim.world.s3, _hub_prompts(sim.results, captured)
    witnessed = 0
    for (author, text), published in _first_published(s3).items():
        line = f"@«{author}»] «{text}»"
        for agent in {a for _, a, _ in prompts}:
            if s3.graph_index[author] not in s3.graph.followees(s3.graph_index[agent]):
                continue
            mine = [(t, _followed_part(p)) for t, a, p in prompts if a == agent]
            assert not [t for t, part in mine if line in part and t < published], (agent, author, published)
            before = [t for t, _ in mine if t < published]
            witnessed += bool(before) and any(line in part for t, part in mine if t >= published)
    assert witnessed > 0, "no hub user saw a followee's post on the hub after not seeing it before"


def test_the_hub_persona_memory_is_the_users_memory_pool(tmp_path, monkeypatch):
    captured = _capture_perception(monkeypatch)
    sim = _run(tmp_path, overrides=REVISITING)
    run = sim.results
    prompts = _hub_prompts(run, captured)
    comments = run.comments.set_index("comment_id")["text"]
    recalled = 0
    for t, agent, prompt in prompts:
        memory = prompt.split("Personal Memory:", 1)[1].split("Personal Opinions:", 1)[0]
        for cid, text in comments.items():
            if f"@«hub»] «{text}»" not in memory:
                continue
            read_before = [p for s, a, p in prompts if a == agent and s < t and f"«{text}»" in _page_part(p)]
            assert read_before, f"{agent} remembers comment {cid} at {t} without having read it on the hub"
            recalled += 1
    assert recalled > 0, "no hub prompt showed a comment its user had read earlier"
