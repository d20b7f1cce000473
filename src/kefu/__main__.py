"""`python -m kefu` runs the CLI."""

from kefu.cli.main import app

app()
