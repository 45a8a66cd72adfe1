"""The S3 preset: follow-feed rounds over a follow graph, composed from agents and platform."""
