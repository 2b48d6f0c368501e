"""The web inbox (`schoolwatch serve`): triage mentions, act on them, keep the record."""

from schoolwatch.web.app import create_app

__all__ = ["create_app"]
