"""asynclint: find and fix the bugs that take asyncio services down in production."""

__version__ = "0.1.0"
