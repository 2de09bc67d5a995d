"""Rule metadata has one home, the rule class; the registry collects it and refuses it when it is
missing, malformed or silently inherited from another rule."""

from __future__ import annotations

import pytest

from asynclint.checks import all_rule_classes
from asynclint.registry import RULES, _checked


def test_registry_is_every_rule_class_in_code_order():
    assert list(RULES) == [cls for _, cls in sorted(all_rule_classes().items())]
    assert [rule.code for rule in RULES][:2] == ["ASY001", "ASY002"]  # the engine's own, declared the same way


class _Shape:
    """Stands in for `Rule` (a real subclass would register itself with the linter)."""

    code = ""
    name = ""
    summary = ""
    fix = None
    default_enabled = True


def _rule(base=_Shape, **attributes):
    return type("Example", (base,), attributes)


GOOD = {"code": "ASY990", "name": "example-rule", "summary": "an example"}


def test_a_complete_rule_is_accepted():
    rule = _rule(**GOOD, fix="unsafe", default_enabled=False)
    assert _checked([rule]) == (rule,)


@pytest.mark.parametrize(
    "rules, complaint",
    [
        ([_rule(**{**GOOD, "code": "ASY99"})], "code must look like"),
        ([_rule(code="ASY990", name="example-rule")], "set `summary`"),
        ([_rule(**{**GOOD, "name": "Example Rule"})], "kebab-case"),
        ([_rule(**GOOD), _rule(**{**GOOD, "code": "ASY991"})], "is taken by ASY990"),
        ([_rule(**GOOD, fix="maybe")], "fix must be"),
        # a subclass of a rule that does not restate the fix kind it would silently inherit
        ([_rule(_rule(**GOOD, fix="unsafe"), code="ASY991", name="other-rule", summary="other")], "inherits `fix`"),
    ],
)
def test_incomplete_or_inherited_metadata_is_refused(rules, complaint):
    with pytest.raises(RuntimeError, match=complaint):
        _checked(rules)
