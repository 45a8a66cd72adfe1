"""The platform: follow graph, content, the trending-topic hub, feeds and moderation."""
