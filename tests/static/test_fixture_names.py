"""One name, one fixture scope across the test suite.

Ape's chain isolation takes a snapshot per fixture scope and follows fixtures by name: a
module-scoped fixture named like another module's function-scoped one (`deployment` did) made the
signing-seam tests that ran after it in the same worker share one chain state ("participants:
already registered"). Name such fixtures apart (`demo_deployment`, `cli_world`, ...)."""

import ast
import re
from collections import defaultdict

from dapp.paths import PROJECT_ROOT

TESTS = PROJECT_ROOT / "tests"


def fixture_scopes() -> dict[str, set[tuple[str, str]]]:
    """{fixture name: {(scope, file)}} of every @pytest.fixture in tests/."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                text = ast.unparse(decorator)
                if re.match(r"(pytest\.)?fixture\b", text):
                    scope = re.search(r"scope=['\"](\w+)['\"]", text)
                    found[node.name].add((scope.group(1) if scope else "function",
                                          str(path.relative_to(PROJECT_ROOT))))
    return found


def test_fixture_names__one_scope_each():
    clashes = {name: sorted(places) for name, places in fixture_scopes().items()
               if len({scope for scope, _ in places}) > 1}
    assert not clashes, f"fixtures of one name at several scopes (rename one): {clashes}"


def test_fixture_scopes__found():
    """The scan sees the suite's fixtures (a check that finds nothing would pass for nothing)."""
    scopes = fixture_scopes()
    assert ("session", "tests/conftest.py") in scopes["manufacturer"]
    assert any(scope == "module" for scope, _ in scopes["demo_chain"])
