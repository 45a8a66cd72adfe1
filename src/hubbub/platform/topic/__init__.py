"""Trending topics (TrendSim Section 3.2.2): a public post with a title, a summary and full content.

Topics come from three places: the built-in set (fictional but realistic events written for hubbub,
in English and Chinese), a user's file (JSON, JSONL, TOML or CSV) and rows of the Weibo hot-search
board (``shared/data/weibo_hot_search_hourly``). Loaders take an optional ``clean`` function for text
(the composition root passes :func:`hubbub.agents.anonymise.scrub`, which this layer may not import),
so handles and links in real descriptions never reach the run record.
"""

from hubbub.platform.topic.builtin import builtin_topics, get_topic
from hubbub.platform.topic.files import load_topics
from hubbub.platform.topic.hot_search import topics_from_hot_search
from hubbub.platform.topic.model import CATEGORIES, LANGS, SENTIMENTS, Clean, Topic, TopicAccess

__all__ = ["CATEGORIES", "LANGS", "SENTIMENTS", "Clean", "Topic", "TopicAccess", "builtin_topics", "get_topic",
           "load_topics", "topics_from_hot_search"]
