"""Use cases: each takes its input, a unit of work and ports, and owns one transaction."""
