"""Keyword search over the posts visible at the searcher's time, ranked by tf-idf.

A text's terms are its lower-case words (letters and digits), its hashtags and, for Chinese, its
character bigrams. A post matches when it shares at least one term with the query; its score is
``sum over shared terms of tf(term, post) * log(1 + N / df(term))`` over the N posts visible then.
Ties go to the hotter post, then the lower id. Posts of users the searcher muted or blocked are left out.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from hubbub.platform.social.content import ContentStore, parse_hashtags
from hubbub.platform.social.feed import FeedItem, FeedSettings, _items, _moderated

_LATIN = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
MAX_QUERY_CHARS = 200


def terms(text: str) -> list[str]:
    """The search terms of ``text`` (see the module docstring)."""
    lowered = text.lower()
    out = _LATIN.findall(lowered) + [f"#{tag}" for tag in parse_hashtags(text)]
    for run in _CJK.findall(lowered):
        out += [run] if len(run) == 1 else [run[k:k + 2] for k in range(len(run) - 1)]
    return out


def _counts(store: ContentStore, post_id: int) -> Counter:
    """A post's term counts; hashtags given to the post but absent from its text count once."""
    found = Counter(terms(store.text_of(post_id)))
    for tag in store.posts[post_id].hashtags:
        found.setdefault(f"#{tag}", 1)
    return found


def search(store: ContentStore, graph: Any, agent: str, t: float, query: str, cfg: FeedSettings) -> tuple[FeedItem, ...]:
    """The ``cfg.size`` best matches for ``query`` visible to ``agent`` at ``t``."""
    wanted = set(terms(query[:MAX_QUERY_CHARS]))
    hidden = graph.muted(agent, t)
    pool = [i for i in store.visible_ids(t) if store.posts[i].author not in hidden]
    if not wanted or not pool:
        return ()
    counts = {i: _counts(store, i) for i in pool}
    df = Counter(term for c in counts.values() for term in set(c) & wanted)
    idf = {term: math.log(1 + len(pool) / n) for term, n in df.items()}
    scored = [(round(sum(c[term] * idf[term] for term in idf if term in c), 9), i) for i, c in counts.items()]
    matches = [(s, i) for s, i in scored if s > 0]
    matches.sort(key=lambda pair: (-pair[0], -store.hot(pair[1], t, cfg.hot_decay_h), pair[1]))
    ranked = _moderated(store, [i for _, i in matches], cfg.moderation)
    return _items(store, t, [(i, "search") for i in ranked[: cfg.size]], cfg.moderation)
