"""Tracking providers (docs/tracking.md "Providers"): the 17TRACK API v2.2 client and a
local sandbox speaking the same format."""
