"""JSON API routers, one per resource; only these appear in the OpenAPI schema."""
