"""The living platform (issue 14): one content store, a follow graph versioned in time, home feeds with
recommenders, search, a board of many topics, moderation and the actions that change them."""
