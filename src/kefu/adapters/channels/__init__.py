"""Channel adapters: how replies reach a marketplace."""
