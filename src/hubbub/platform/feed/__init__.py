"""The follow feed and recommendations: the posts of a run and who receives which."""
