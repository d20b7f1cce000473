"""The operators' command line (Typer)."""
