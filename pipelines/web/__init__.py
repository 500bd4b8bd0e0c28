"""`causeway web`: the pages for the people who are not engineers (pipelines/web/app.py)."""

from pipelines.web.app import create_app

__all__ = ["create_app"]
