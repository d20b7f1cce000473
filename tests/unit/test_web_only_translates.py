"""Web handlers only translate: none opens a unit of work or reads a repository, so no
access rule can live in a handler (the use case it calls receives the person and decides).
A handler hands `kefu.uow()` to a use case; it never enters it or reads through it."""

from __future__ import annotations

import ast
from importlib.resources import files
from pathlib import Path

WEB = Path(str(files("kefu") / "web"))


def _offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in ("uow", "session_factory")
                ):
                    found.append(f"line {node.lineno}: enters a unit of work")
        if isinstance(node, ast.Name) and node.id == "uow":
            found.append(f"line {node.lineno}: reads through a unit of work")
    return found


def test_no_web_module_opens_a_unit_of_work() -> None:
    modules = sorted(WEB.rglob("*.py"))
    offences = [
        f"{path.relative_to(WEB)} {problem}"
        for path in modules
        for problem in _offences(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offences == []
    assert len(modules) > 20  # the walk saw the web package


def test_the_check_itself_catches_a_handler_that_reads_the_database() -> None:
    handler = "def page(kefu):\n    with kefu.uow() as uow:\n        return uow.queries.stores()\n"
    assert len(_offences(ast.parse(handler))) == 3  # the with, its target, the read
