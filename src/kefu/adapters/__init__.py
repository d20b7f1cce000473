"""Adapters: the database, channels and other outside things behind the service ports."""
