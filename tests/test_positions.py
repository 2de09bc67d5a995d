"""Targeted positions equal libcst's PositionProvider for every kind of node, at a fraction of the cost."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from asynclint.engine.positions import positions_of
from asynclint.semantics.scope import iter_subtree

TRICKY = (
    "#!/usr/bin/env python\n# header comment\n\n"
    "@decorator(\n    arg,\n)\nasync def f(\r\n  a, *, b=1):\r\n"
    "    '''doc\rstring'''\n    x = [y async for y in z]; w = (\n        1 +\n        2)\n"
    "    class C(Base, metaclass=M):\n        @property\n        def p(self): return 1\n"
    "    try:\n        pass\n    except* (A, B) as e:\n        raise\n    finally:\n        pass\n"
    "    match x:\n        case {'k': v, **rest} if v:\n            pass\n"
    "    return f'{a!r:>{b}}'\n"
)


def sources():
    yield "tricky", TRICKY
    import asynclint

    package = Path(asynclint.__file__).parent
    for path in sorted(package.rglob("*.py"))[:15]:
        yield path.name, path.read_text()


@pytest.mark.parametrize("name, source", list(sources()))
def test_same_ranges_as_position_provider(name, source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = [node for node in iter_subtree(module, enter_scopes=True) if node is not module]
    random.Random(name).shuffle(nodes)
    sample = nodes[:300]
    found = positions_of(module, sample)
    for node in sample:
        assert found[node] == expected[node], (type(node).__name__, module.code_for_node(node))
