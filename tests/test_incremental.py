"""The language server's incremental parse (`ParsedBuffer.follow`): after an edit, the tree made
by re-parsing one statement is the tree a full parse of the new text gives, node for node, or
there is no tree and the server parses the whole text.

Edits are made to real code shipped here (asynclint's own modules and the bundled fixtures), the
way an editor makes them: a line typed inside a method, a line deleted, a blank line or a comment
between methods, a new method, a half-typed line that does not parse yet."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import libcst as cst
import pytest

from asynclint.engine.incremental import ParsedBuffer, split_lines

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "asynclint" / "engine").glob("*.py"), *(ROOT / "fixtures").rglob("*.py")])


def full_parse(text: str) -> Optional[cst.Module]:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None


def check(buffer: ParsedBuffer, text: str) -> Optional[cst.Module]:
    """`follow` answers the full parse's tree, or nothing; never another tree."""
    followed = buffer.follow(text)
    expected = full_parse(text)
    if followed is not None:
        assert expected is not None, "a tree for text that does not parse"
        assert followed.code == text
        assert followed.deep_equals(expected)
    return followed


def function_bodies(module: cst.Module) -> Iterator[tuple[int, int]]:
    """(first body line, last body line), 0-based, of every function with a block."""
    wrapper = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    for node in positions:
        if isinstance(node, cst.FunctionDef) and isinstance(node.body, cst.IndentedBlock) and node.body.body:
            first = positions[node.body.body[0]].start.line - 1
            last = positions[node.body.body[-1]].end.line - 1
            yield first, last


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_edits_inside_functions_reparse_one_statement_into_the_full_parse_tree(path):
    text = path.read_text(encoding="utf-8")
    module = cst.parse_module(text)
    lines = split_lines(text)
    buffer = ParsedBuffer(text, module)
    bodies = list(function_bodies(module))
    for first, last in bodies[:: max(1, len(bodies) // 3)]:  # three functions spread over the file
        indent = indent_of(lines[first])
        variants = {
            "typed at the top of the body": lines[:first] + [f"{indent}pending = 1\n"] + lines[first:],
            "a comment": lines[:first] + [f"{indent}# why\n"] + lines[first:],
            "typed at its end": lines[: last + 1] + [f"{indent}pending = 2\n"] + lines[last + 1 :],
            "a line deleted": lines[:first] + lines[first + 1 :],
            "a blank line after it": lines[: last + 1] + ["\n"] + lines[last + 1 :],
            "half typed": lines[:first] + [f"{indent}value = call(\n"] + lines[first:],
        }
        for name, variant in variants.items():
            followed = check(buffer, "".join(variant))
            if name in ("typed at the top of the body", "a comment"):
                # A whole line before a statement of the body: always the one statement's re-parse.
                assert followed is not None, name
            if followed is not None:
                # Undoing the edit is an edit too; the buffer comes back to the original text.
                back = buffer.follow(text)
                assert back is not None and back.code == text
            assert buffer.text == text


def test_most_edits_in_a_large_class_reparse_only_the_method():
    text = (ROOT / "asynclint" / "engine" / "linter.py").read_text(encoding="utf-8")
    module = cst.parse_module(text)
    lines = split_lines(text)
    bodies = list(function_bodies(module))
    followed = 0
    for first, _ in bodies:
        variant = lines[:first] + [f"{indent_of(lines[first])}pending = 1\n"] + lines[first:]
        followed += check(ParsedBuffer(text, module), "".join(variant)) is not None
    assert followed == len(bodies)


CLASS = """\
# a header comment
\"\"\"Module docstring.\"\"\"

import asyncio


class Service:
    \"\"\"A service.\"\"\"

    async def first(self):
        await asyncio.sleep(1)

    def second(self):
        query = \"\"\"
SELECT 1
\"\"\"
        return query

    async def third(self):
        return 3
"""


def edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "incremental"),
    [
        ("        await asyncio.sleep(1)\n", "        await asyncio.sleep(1)\n        x = 1\n", True),
        (
            "    async def third(self):\n",
            "    async def added(self):\n        pass\n\n    async def third(self):\n",
            True,
        ),
        ("class Service:\n", "class Service(Base):\n", False),  # the class header: the whole class
        ("        return query\n", "        return query\nSELECT = 1\n", False),  # a dedented line ends the class
        ("SELECT 1\n", "SELECT 2\n", False),  # a string line less indented than the method
        ("        return 3\n", '        return """\n', False),  # an unterminated string
        ('"""Module docstring."""\n', '"""Module docstring, edited."""\n', True),
        ("# a header comment\n", "# a header comment\n# another\n", False),
        ("        return 3\n", "        return " + "(" * 300 + ")" * 300 + "\n", False),  # too deep for libcst
    ],
)
def test_edits_that_cross_a_statement_or_do_not_parse_take_the_full_parse(old, new, incremental):
    buffer = ParsedBuffer(CLASS, cst.parse_module(CLASS))
    followed = check(buffer, edited(CLASS, old, new))
    if incremental:
        assert followed is not None
    elif followed is not None:
        # Allowed only when the re-parsed statement is the whole class or module statement.
        assert followed.deep_equals(cst.parse_module(edited(CLASS, old, new)))


@pytest.mark.parametrize(
    "variant",
    [
        CLASS.replace("\n", "\r\n"),  # Windows line ends
        CLASS.replace("    ", "\t"),  # tabs
        CLASS.replace("    ", "  "),  # two-space indents
        CLASS.rstrip("\n"),  # no newline at the end
    ],
    ids=["crlf", "tabs", "two-spaces", "no-final-newline"],
)
def test_line_ends_and_indentation_styles(variant):
    buffer = ParsedBuffer(variant, cst.parse_module(variant))
    newline = "\r\n" if "\r\n" in variant else "\n"
    indent = "\t" if "\t" in variant else ("  " if "\n  async" in variant.replace("\r", "") else "    ")
    target = f"{indent}async def first(self):{newline}"
    assert target in variant
    text = variant.replace(target, f"{indent}async def first(self):{newline}{indent * 2}x = 1{newline}", 1)
    assert check(buffer, text) is not None
    # And the last method, next to the end of the file (which, without a final newline, the
    # module's code generation ends: that one takes the full parse).
    last = f"{indent * 2}return 3"
    followed = check(buffer, text.replace(last, f"{indent * 2}return 4", 1))
    assert followed is not None or not variant.endswith("\n")
    # Lines typed after the last statement.
    if variant.endswith("\n"):
        end = text.replace(last, f"{indent * 2}return 4", 1)
        assert check(buffer, end + newline) is not None
        assert check(buffer, end + newline + "# the end" + newline) is not None
        assert check(buffer, end + newline + f"def added():{newline}{indent}return 5{newline}") is not None


def test_the_tree_follows_a_series_of_edits_in_different_methods():
    buffer = ParsedBuffer(CLASS, cst.parse_module(CLASS))
    text = CLASS
    for old, new in [
        ("        await asyncio.sleep(1)\n", "        await asyncio.sleep(2)\n"),
        ("        return 3\n", "        return 3\n\n    def fourth(self):\n        return 4\n"),
        ("    async def first(self):\n", "    @staticmethod\n    async def first():\n"),
        ("        return 4\n", "        return 5\n"),
        ("        return query\n", "        query = query.strip()\n        return query\n"),
    ]:
        text = edited(text, old, new)
        assert check(buffer, text) is not None or full_parse(text) is None
        if buffer.text != text:
            buffer = ParsedBuffer(text, cst.parse_module(text))
    assert buffer.module.code == text
