"""kind = "platform": the living platform (issue 14) — a follow graph users rewire, home feeds with
recommenders, search, a board of many topics, timed news and churn, for LLM, learned and rule users."""
