"""The composition root: builds a simulation from a scenario and runs, resumes and records it."""
