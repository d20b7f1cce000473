"""Business rules in plain Python: no web, database or framework imports."""
