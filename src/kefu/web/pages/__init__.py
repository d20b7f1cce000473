"""HTML routers per screen; they call the same services as the API."""
