"""The demo shop: four stores on four marketplaces, built deterministically from a seed."""
