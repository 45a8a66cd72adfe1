"""Text realism (S3 Table 3): perplexity of generated comments under a reference model, and their
cosine to real comments, next to real and retrieved baselines."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate import data as ds
from hubbub.evaluate.data import Example
from hubbub.kernel.seeding import derive_seed

TEXT_POSTS = 30
"""Real posts (one generated comment each) in text_realism, at most (generation is the slow part)."""
PPL_TEXTS = 15
"""Texts per policy whose perplexity is scored (one scoring request per token: the slow part)."""


class ReferenceScorer:
    """Teacher-forced log-likelihood of texts under a reference GGUF model (default: the bundled
    SmolLM2-135M-Instruct) on in-process llama.cpp. The text is tokenized by the server's own
    ``/tokenize``; then, one token at a time (the prefix comes from the prompt cache), the next token is
    forced with a +100 logit bias while ``n_probs`` reports its log-probability under the *unbiased*
    model (llama.cpp reports pre-bias probabilities). Byte tokens that start an incomplete UTF-8
    character come back without log-probabilities; for those the token is looked up among the top
    ``top_k`` alternatives of an unforced step, and when it is not there the k-th value is used (a
    bound, counted in ``bounded``)."""

    def __init__(self, model_path: str | None = None, threads: int | None = None, top_k: int = 256) -> None:
        from hubbub.llm.embedded import MODEL_NAME, start_server

        self.server, self.url = start_server(0, model_path=model_path, parallel=1, threads=threads, ctx_per_slot=1024)
        self.model = MODEL_NAME if model_path is None else model_path
        self.top_k, self.bounded, self.tokens = top_k, 0, 0
        self._anchor = self._tokenize("A")[0]

    def _tokenize(self, text: str) -> list[int]:
        import httpx

        reply = httpx.post(f"{self.url}/tokenize", json={"content": text, "add_special": False}, timeout=60)
        reply.raise_for_status()
        return [int(t) for t in reply.json()["tokens"]]

    def _step(self, prompt: list[int], bias: int, n_probs: int) -> dict[str, Any] | None:
        reply = self.server.handle_completions({"prompt": prompt, "max_tokens": 1, "n_probs": n_probs, "temperature": 0.0,
                                                "logit_bias": [[bias, 100.0]], "cache_prompt": True})
        if "error" in reply:
            raise DataError(f"reference model refused a scoring request: {reply['error'].get('message', reply['error'])}")
        content = ((reply.get("choices") or [{}])[0].get("logprobs") or {}).get("content") or []
        return content[0] if content else None

    def _logprob(self, prompt: list[int], token: int) -> float:
        step = self._step(prompt, token, 1)
        if step is not None and int(step["id"]) == token:
            return float(step["logprob"])
        alt = self._step(prompt, self._anchor, self.top_k)
        tops = {int(t["id"]): float(t["logprob"]) for t in (alt or {}).get("top_logprobs", [])}
        if token in tops:
            return tops[token]
        self.bounded += 1
        return min(tops.values()) if tops else math.log(1e-9)

    def nll(self, text: str, prefix: str, max_tokens: int = 32) -> tuple[float, int]:
        """(sum of -log p over the text's tokens after ``prefix``, number of tokens)."""
        head = self._tokenize(prefix)
        full = self._tokenize(prefix + text)
        tokens = (full[len(head):] if full[:len(head)] == head else self._tokenize(text))[:max_tokens]
        self.tokens += len(tokens)
        return -sum(self._logprob(head + tokens[:i], t) for i, t in enumerate(tokens)), len(tokens)

    def close(self) -> None:
        server, self.server = self.server, None
        del server


def _perplexity(scorer: ReferenceScorer, texts: Sequence[str], prefix: str) -> tuple[float, float]:
    """(corpus perplexity exp(total nll / total tokens), median per-text perplexity)."""
    pairs = [scorer.nll(t, prefix) for t in [t for t in texts if t.strip()][:PPL_TEXTS]]
    pairs = [p for p in pairs if p[1] > 0]
    if not pairs:
        return math.nan, math.nan
    total, tokens = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return math.exp(total / tokens), float(np.median([math.exp(a / b) for a, b in pairs]))


def _persona_zh(e: Example) -> str:
    gender = "女性" if e.label == 0 else "男性"
    place = e.meta.get("location") or "未知地区"
    return f"一位来自{place}的{gender}微博用户。"


def _content_requests(threads: Sequence[Any], seed: int, max_tokens: int) -> list[Any]:
    """S3's content-generation request, one per real post: the persona of one real commenter (gender
    and province), the post as the received post, a seeded emotion and attitude."""
    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS
    from hubbub.agents.feed.prompts import content_request, persona_block, state_line

    out = []
    for th in threads:
        s = derive_seed(seed, "text_realism", th.post_id)
        state = state_line("zh", EMOTION_LEVELS[s % 3], ATTITUDES[(s // 3) % 2], "性别平等")
        persona = persona_block("zh", _persona_zh(th.comments[0]), None)
        out.append(content_request("zh", persona, th.post[:200], state, "", [th.post[:200]], s, 0.8, max_tokens, 100))
    return out


def _cosines(embedder: Any, texts: Sequence[str], threads: Sequence[Any]) -> tuple[float, float]:
    """(mean cosine of each text to the real comments under its own post, mean cosine to all the
    real comments of the topic in the sample)."""
    gen = embedder.encode(list(texts))
    per_post = [embedder.encode([c.text for c in th.comments]).mean(axis=0) for th in threads]
    topic = embedder.encode([c.text for th in threads for c in th.comments]).mean(axis=0)
    same = float(np.mean([g @ p for g, p in zip(gen, per_post)]))
    return same, float(np.mean(gen @ topic))


def run_text_realism(ctx: Any) -> list[dict[str, Any]]:
    """Generated comments vs real SWSR comments on the gender-discrimination topic (S3 Table 3)."""
    path = ctx.data_path("text_realism")
    threads_all = ds.load_swsr_threads(path, ctx.seed)
    name = ds.data_name(path, ds.default_path("swsr_weibo_sexism"), "swsr-gender-topic")
    threads = ctx.cap(threads_all["test"], min(ctx.limit or TEXT_POSTS, TEXT_POSTS))
    if not threads:
        raise DataError("text_realism: no SWSR test post with comments")
    texts: dict[str, list[str]] = {}
    models: dict[str, tuple[str, str]] = {}
    if "llm" in ctx.policies:
        backend = ctx.backend()
        results = ctx.generate(backend, _content_requests(threads, ctx.seed, 48))
        texts["llm"] = [r.text for r in results if r.ok and r.text and r.text.strip()]
        models["llm"] = (ctx.backend_name, ctx.model_name)
    rng = np.random.default_rng(derive_seed(ctx.seed, "text_realism", "draw"))
    pool = [c for th in threads_all["train"] for c in th.comments]
    if "majority" in ctx.policies and pool:  # the rule policy: a real comment drawn at random
        texts["real_random_draw"] = [pool[int(rng.integers(len(pool)))].text for _ in threads]
        models["real_random_draw"] = ("none", "random SWSR train comment")
    if "learned" in ctx.policies and pool:
        texts["real_nearest_post"] = _nearest_post_comments(ctx.embedder(), threads_all["train"], threads)
        models["real_nearest_post"] = ("none", f"train comment under the nearest post ({ctx.embedder().name})")
    texts["real_held_out"] = [th.comments[-1].text for th in threads]
    models["real_held_out"] = ("none", "a real comment under the same post (reference, not a policy)")
    return _realism_rows(ctx, threads, texts, models, name)


def _nearest_post_comments(embedder: Any, train: Sequence[Any], threads: Sequence[Any]) -> list[str]:
    """The learned retrieval baseline: the first comment under the train post closest to each post."""
    train_vecs = embedder.encode([th.post[:300] for th in train])
    test_vecs = embedder.encode([th.post[:300] for th in threads])
    nearest = (test_vecs @ train_vecs.T).argmax(axis=1)
    return [train[int(j)].comments[0].text for j in nearest]


def _realism_rows(ctx: Any, threads: Sequence[Any], texts: Mapping[str, list[str]],
                  models: Mapping[str, tuple[str, str]], dataset: str) -> list[dict[str, Any]]:
    rows = []
    scorer, reason = ctx.reference_scorer()
    for policy, generated in texts.items():
        if not generated:
            rows.append(ctx.row("text_realism", dataset, "test", 0, policy, "failures", float(len(threads))))
            continue
        backend, model = models[policy]
        same, topic = _cosines(ctx.embedder(), generated, threads[:len(generated)])
        add = lambda metric, value: rows.append(ctx.row("text_realism", dataset, "test", len(generated),  # noqa: E731
                                                        policy, metric, value, backend=backend, model=model))
        add(f"cosine_same_post ({ctx.embedder().name})", same)
        add(f"cosine_topic ({ctx.embedder().name})", topic)
        if scorer is not None:
            corpus, median = _perplexity(scorer, generated, "微博评论：\n")
            add(f"perplexity ({scorer.model}, corpus)", corpus)
            add(f"perplexity ({scorer.model}, median per text)", median)
    if scorer is None:
        ctx.note("text_realism", f"perplexity NOT computed: {reason}")
    else:
        ctx.note("text_realism", f"perplexity: {scorer.tokens} tokens scored under {scorer.model}, texts cut to "
                                 f"32 tokens (at most {PPL_TEXTS} texts per policy), after the prefix '微博评论：'; {scorer.bounded} byte tokens were not in the "
                                 f"top {scorer.top_k} and got the k-th value (a lower bound on perplexity).")
    return rows
