"""The engine: discovery, parsing, one visit per file, noqa, project index, fixes, parallel runs."""
