"""ASY100 through every engine layer: name resolution, async context, fixes, noqa, positions."""

from __future__ import annotations

import libcst as cst
import pytest
from conftest import codes_and_lines, fix_snippet, lint_snippet

from asynclint.engine.noqa import is_suppressed, noqa_codes


@pytest.mark.parametrize(
    "source, lines",
    [
        ("import time\nasync def f():\n    time.sleep(1)\n", [3]),
        ("import time as clock\nasync def f():\n    clock.sleep(1)\n", [3]),
        ("from time import sleep\nasync def f():\n    sleep(1)\n", [3]),
        ("from time import sleep as pause\nasync def f():\n    pause(1)\n", [3]),
        ("import time\nasync def f():\n    x = [time.sleep(i) for i in range(3)]\n", [3]),
        ("import time\nclass A:\n    async def f(self):\n        time.sleep(1)\n", [4]),
        ("import time\nasync def f():\n    async with lock:\n        if x:\n            time.sleep(1)\n", [5]),
        # Module-level import wins over a fallback assignment in an except branch.
        ("try:\n    import time\nexcept ImportError:\n    time = None\nasync def f():\n    time.sleep(1)\n", [6]),
        ("import time\nasync def f():\n    await asyncio.to_thread(time.sleep(1))\n", [3]),
    ],
)
def test_reports_time_sleep_in_async_context(source, lines):
    assert codes_and_lines(source, select="ASY100") == [("ASY100", line) for line in lines]


@pytest.mark.parametrize(
    "source",
    [
        "import time\ndef f():\n    time.sleep(1)\n",
        "import time\nasync def f():\n    def inner():\n        time.sleep(1)\n    return inner\n",
        "import time\nasync def f():\n    return lambda: time.sleep(1)\n",
        "import time\nasync def f():\n    class Helper:\n        x = time.sleep(0)\n",
        "import time\nasync def f():\n    await asyncio.to_thread(time.sleep, 1)\n",
        "import time\nasync def f(loop):\n    await loop.run_in_executor(None, time.sleep, 1)\n",
        "import time\nasync def f():\n    await asyncio.get_running_loop().run_in_executor(None, lambda: time.sleep(1))\n",
        "async def f(time):\n    time.sleep(1)\n",
        "import time\nasync def f():\n    time = Clock()\n    time.sleep(1)\n",
        "import time\nasync def f():\n    for time in clocks:\n        time.sleep(1)\n",
        "async def f():\n    sleep(1)\n",
        "from trio import sleep\nasync def f():\n    await sleep(1)\n",
        "import asyncio\nasync def f():\n    await asyncio.sleep(1)\n",
        "import time\nasync def f(clock):\n    clock.sleep(1)\n    time.monotonic()\n",
        "from mylib import time\nasync def f():\n    time.sleep(1)\n",
        "import time\nasync def f():\n    time.sleep  # referenced, not called\n",
        "from time import *\nasync def f():\n    sleep(1)\n",
    ],
)
def test_look_alikes_are_silent(source):
    assert codes_and_lines(source, select="ASY100") == []


def test_position_message_and_fix_summary():
    [diagnostic] = lint_snippet(
        """\
        import time


        async def poll(queue):
            while True:
                time.sleep(0.5)
        """,
        select="ASY100",
    )
    assert (diagnostic.line, diagnostic.column, diagnostic.end_line, diagnostic.end_column) == (6, 9, 6, 24)
    assert diagnostic.message == "`time.sleep` blocks the event loop in `poll()`; use `await asyncio.sleep()`"
    assert diagnostic.fix.applicability == "safe"


def test_fix_replaces_call_and_adds_import_once():
    fixed = fix_snippet(
        '''\
        """Poller."""
        import time


        async def poll():
            time.sleep(1)  # keep this comment
            time.sleep(2)
        ''',
        select="ASY100",
    )
    assert fixed == (
        '"""Poller."""\n'
        "import time\n"
        "import asyncio\n"
        "\n"
        "\n"
        "async def poll():\n"
        "    await asyncio.sleep(1)  # keep this comment\n"
        "    await asyncio.sleep(2)\n"
    )
    assert fix_snippet(fixed, select="ASY100") == fixed


def test_fix_uses_existing_alias_and_parenthesises():
    fixed = fix_snippet(
        """\
        import asyncio as aio
        from time import sleep as pause

        async def f():
            pause(1).result
            return [pause(i) for i in range(2)]
        """,
        select="ASY100",
    )
    assert "import asyncio\n" not in fixed
    assert "(await aio.sleep(1)).result" in fixed
    assert "[await aio.sleep(i) for i in range(2)]" in fixed
    cst.parse_module(fixed)


def test_no_fix_inside_generator_expression_or_when_asyncio_is_shadowed():
    [in_generator] = lint_snippet("import time\nasync def f():\n    g = (time.sleep(i) for i in x)\n", select="ASY100")
    assert in_generator.fix is None
    [shadowed] = lint_snippet("import time\nasync def f(asyncio):\n    time.sleep(1)\n", select="ASY100")
    assert shadowed.fix is None


def test_fix_keeps_crlf_and_bom():
    source = "\ufeffimport time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n"
    fixed = fix_snippet(source, select="ASY100")
    assert fixed.startswith("\ufeffimport time\r\nimport asyncio\r\n")
    assert "    await asyncio.sleep(1)\r\n" in fixed
    assert "\n" not in fixed.replace("\r\n", "")


@pytest.mark.parametrize(
    "comment, suppressed",
    [
        ("# noqa", True),
        ("# NOQA", True),
        ("# noqa: ASY100", True),
        ("# noqa:ASY100,ASY201", True),
        ("# noqa: ASY1", True),
        ("# noqa: ASY201", False),
        ("# noqa: E501", False),
        ("# a comment", False),
    ],
)
def test_noqa(comment, suppressed):
    source = f"import time\nasync def f():\n    time.sleep(1)  {comment}\n"
    assert (codes_and_lines(source, select="ASY100") == []) is suppressed
    assert is_suppressed(f"x  {comment}", "ASY100") is suppressed


def test_noqa_parsing():
    assert noqa_codes("x = 1") is None
    assert noqa_codes("x  # noqa") == frozenset()
    assert noqa_codes("x  # noqa: ASY100 ASY200") == {"ASY100", "ASY200"}


def test_noqa_applies_to_the_reported_line_of_a_multiline_call():
    source = "import time\nasync def f():\n    time.sleep(  # noqa: ASY100\n        1,\n    )\n"
    assert codes_and_lines(source, select="ASY100") == []
    source = "import time\nasync def f():\n    time.sleep(\n        1,  # noqa: ASY100\n    )\n"
    assert codes_and_lines(source, select="ASY100") == [("ASY100", 3)]


@pytest.mark.parametrize(
    "source, message",
    [
        ("def f(:\n    pass\n", "cannot parse"),
        ("x = (\n", "cannot parse"),
    ],
)
def test_syntax_error_is_asy001(source, message):
    [diagnostic] = lint_snippet(source)
    assert diagnostic.code == "ASY001" and message in diagnostic.message


@pytest.mark.parametrize("source", ["", "# only a comment\n", "\n\n\n", '"""docstring only"""\n'])
def test_trivial_files_are_clean(source):
    assert lint_snippet(source) == []


def _generated_module(literal: str) -> str:
    """A valid module shaped like generated protobuf code: a serialized descriptor in a bytes
    literal full of bracket bytes, a comment with brackets, and a real finding after them."""
    return (
        "import time\n"
        f"DESCRIPTOR = {literal}\n"
        "# (((((((((( generated: do not edit ]]]]]]]]\n"
        "async def poll():\n"
        "    time.sleep(1)\n"
    )


@pytest.mark.parametrize(
    "literal",
    [
        "b'" + "\\n\\x08(" * 400 + "'",  # unbalanced opening brackets inside a bytes literal
        "'" + "[{(" * 300 + ")}]" * 300 + "'",  # balanced, deeper than 200 if they were code
        '"""' + "(\n" * 250 + '"""',  # across lines of a triple-quoted string
    ],
)
def test_brackets_inside_strings_and_comments_are_not_nesting(literal):
    source = _generated_module(literal)
    sleep_line = source.splitlines().index("    time.sleep(1)") + 1
    assert codes_and_lines(source, select="ASY") == [("ASY100", sleep_line)]


def test_real_nesting_past_the_limit_is_still_refused():
    [diagnostic] = lint_snippet("x = " + "(" * 250 + "1" + ")" * 250 + "\n")
    assert diagnostic.code == "ASY001" and "nested 250 deep" in diagnostic.message
