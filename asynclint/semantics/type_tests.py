"""`isinstance(param, C)` and `type(param) is C` tests that decide whether a statement runs, and
whether an argument of known type passes them: the facts for call chains that the type of what a
caller passes turns on or off (ASY110)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

# A test on a parameter: (parameter, class names or None when the test is on a value only derived
# from the parameter, whether the test must pass for the statement to run, exact `type() is`).
TypeTest = tuple[str, Optional[tuple[str, ...]], bool, bool]

# Classes no literal belongs to unless it is of that very type (abstract bases such as `Sequence`
# or `Iterable` are left out: a string literal is one).
_CONCRETE = frozenset(
    {
        "str", "bytes", "bytearray", "memoryview", "int", "float", "complex", "bool", "list", "tuple",
        "dict", "set", "frozenset", "NoneType", "Path", "PurePath", "PosixPath", "WindowsPath",
        "PurePosixPath", "PureWindowsPath", "PathLike", "IOBase", "BufferedReader", "TextIOWrapper",
    }
)  # fmt: skip


def literal_type(node: cst.CSTNode) -> Optional[str]:
    """The type of a literal argument (`"a.json"` → str, `b""` → bytes, `None` → NoneType)."""
    if isinstance(node, cst.SimpleString):
        return "bytes" if "b" in node.prefix.lower() else "str"
    if isinstance(node, cst.ConcatenatedString):
        return literal_type(node.left)
    if isinstance(node, cst.FormattedString):
        return "str"
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return "NoneType" if node.value == "None" else "bool"
    literals = {
        cst.Integer: "int", cst.Float: "float", cst.Imaginary: "complex", cst.List: "list",
        cst.ListComp: "list", cst.Tuple: "tuple", cst.Dict: "dict", cst.DictComp: "dict", cst.Set: "set",
        cst.SetComp: "set",
    }  # fmt: skip
    return literals.get(type(node))


def passes(type_name: str, classes: Optional[tuple[str, ...]], exact: bool) -> Optional[bool]:
    """Whether a value of builtin type `type_name` passes `isinstance(value, classes)` (`exact`:
    `type(value) is C`); None when that cannot be told (a project class, an abstract base)."""
    if classes is None:
        return None
    known = True
    for name in classes:
        short = name.rsplit(".", 1)[-1]
        if short == type_name or (not exact and (short == "object" or (type_name == "bool" and short == "int"))):
            return True
        known = known and short in _CONCRETE
    return False if known else None


def _class_names(node: cst.BaseExpression) -> Optional[tuple[str, ...]]:
    if isinstance(node, cst.Tuple):
        names: list[str] = []
        for element in node.elements:
            inner = _class_names(element.value)
            if inner is None:
                return None
            names.extend(inner)
        return tuple(names)
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return (".".join(reversed(parts)),)


def _subject(node: cst.BaseExpression, subjects: dict[str, str]) -> Optional[tuple[str, bool]]:
    """(parameter, whether `node` is the parameter itself) for a name `subjects` maps to one."""
    if isinstance(node, cst.Name) and node.value in subjects:
        parameter = subjects[node.value]
        return parameter, parameter == node.value
    return None


def _single(test: cst.BaseExpression, subjects: dict[str, str], negated: bool) -> Optional[TypeTest]:
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "isinstance":
        arguments = [arg for arg in test.args if arg.keyword is None and not arg.star]
        if len(arguments) != 2 or len(test.args) != 2:
            return None
        subject = _subject(arguments[0].value, subjects)
        if subject is None:
            return None
        classes = _class_names(arguments[1].value) if subject[1] else None
        return subject[0], classes, not negated, False
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        left = test.left
        if not (
            isinstance(left, cst.Call)
            and isinstance(left.func, cst.Name)
            and left.func.value == "type"
            and len(left.args) == 1
            and left.args[0].keyword is None
            and not left.args[0].star
        ):
            return None
        subject = _subject(left.args[0].value, subjects)
        operator = type(test.comparisons[0].operator)
        if subject is None or operator not in (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual):
            return None
        classes = _class_names(test.comparisons[0].comparator) if subject[1] else None
        return subject[0], classes, (operator in (cst.Is, cst.Equal)) != negated, True
    return None


def required_type_tests(test: cst.BaseExpression, subjects: dict[str, str], negated: bool = False) -> list[TypeTest]:
    """The type tests on parameters that must come out as given for `test` to be true (`negated`:
    to be false). `subjects` maps a parameter to itself and a local derived only from a parameter
    (`content = file[1] if isinstance(file, tuple) else file`) to that parameter."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return required_type_tests(test.expression, subjects, not negated)
    if isinstance(test, cst.BooleanOperation):
        if type(test.operator) is (cst.Or if negated else cst.And):
            left_tests = required_type_tests(test.left, subjects, negated)
            return left_tests + required_type_tests(test.right, subjects, negated)
        # `isinstance(p, A) or isinstance(p, B)`: one test, p in A or B.
        left, right = _single(test.left, subjects, negated), _single(test.right, subjects, negated)
        if left and right and left[0] == right[0] and left[2] and right[2] and not (left[3] or right[3]):
            classes = left[1] + right[1] if left[1] is not None and right[1] is not None else None
            return [(left[0], classes, True, False)]
        return []
    single = _single(test, subjects, negated)
    return [single] if single is not None else []


def derived_from(value: Optional[cst.BaseExpression], parameters: frozenset[str]) -> Optional[str]:
    """The parameter a local's only value is read from (`p`, `p[1]`, `p.name`, `p[1] if ... else p`)."""
    if isinstance(value, cst.Name):
        return value.value if value.value in parameters else None
    if isinstance(value, (cst.Subscript, cst.Attribute)):
        return derived_from(value.value, parameters)
    if isinstance(value, cst.IfExp):
        body, orelse = derived_from(value.body, parameters), derived_from(value.orelse, parameters)
        return body if body is not None and body == orelse else None
    return None
