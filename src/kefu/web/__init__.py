"""The web workbench (server-rendered pages, HTMX) and the JSON API."""
