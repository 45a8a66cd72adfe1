"""Which layout a TrendSim perception is sent in (issue 16, prefix reuse): a Main page, which every user
on the topic reads, before the persona; the short Browse page and a Comment page after it, so the action
prompt that follows shares the persona with the perception."""

from __future__ import annotations

import hubbub
from hubbub.llm.scripted import ScriptedBackend


class Perceptions(ScriptedBackend):
    """Scripted replies; keeps the user message of every perception request it is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[str] = []

    async def generate_one(self, request):
        if request.kind == "trendsim.perception":
            self.prompts.append(request.messages[-1][1])
        return await super().generate_one(request)


def test_a_main_page_is_perceived_page_first_and_the_other_pages_persona_first(tmp_path):
    sim = hubbub.Simulation(hubbub.load_scenario("demo", {"llm.backend": "scripted"}), tmp_path / "demo")
    backend = Perceptions()
    sim.llm.inner = backend
    sim.run()
    main = [p for p in backend.prompts if "\nComments (page " in p]
    other = [p for p in backend.prompts if "\nComments (page " not in p]
    assert main and other, (len(main), len(other))
    assert all(p.startswith("A trending topic in social media:\nTrending topic: «") for p in main)
    assert all(p.startswith("Please play the following role.") for p in other)
    assert any("\nSummary: «" in p for p in other), "no Browse page was perceived"
