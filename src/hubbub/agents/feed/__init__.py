"""A user on the follow feed (S3): prompts and the decision of one round."""
