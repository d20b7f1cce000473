"""Load the packaged reply-template catalogue: one TOML file per template.

Each file holds every language of one template (docs/replies.md shows the format),
so a translator sees all versions side by side and a review diff stays on one file.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kefu.domain.templates import ReplyTemplate, TemplateCatalogue, TemplateError, VarType

PACKAGE_DIR = "reply_templates"
_KEYS = {"key", "title", "intents", "when", "automatic", "variables", "text"}


def parse_template(document: str, *, source: str) -> ReplyTemplate:
    """One template from TOML text; every error names the file and the field."""
    try:
        data = tomllib.loads(document)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"{source}: not valid TOML: {exc}", field="file") from exc
    unknown = set(data) - _KEYS
    if unknown:
        raise TemplateError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        variables = {str(k): VarType(str(v)) for k, v in _table(data, "variables", source).items()}
    except ValueError as exc:
        kinds = ", ".join(v.value for v in VarType)
        raise TemplateError(f"{source}: [variables]: {exc}; types are {kinds}") from exc
    try:
        return ReplyTemplate(
            key=str(data.get("key", "")),
            titles={str(k): str(v) for k, v in _table(data, "title", source).items()},
            variables=variables,
            texts={str(k): str(v).strip() for k, v in _table(data, "text", source).items()},
            intents=tuple(str(i) for i in data.get("intents", [])),
            when={str(k): str(v) for k, v in _table(data, "when", source).items()},
            automatic=bool(data.get("automatic", False)),
        )
    except TemplateError as exc:
        raise TemplateError(f"{source}: {exc.message}", **exc.params) from exc


def _table(data: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise TemplateError(f"{source}: '{name}' must be a table", field=name)
    return value


def load_directory(directory: Path) -> TemplateCatalogue:
    """Every `*.toml` of a directory; the file name must equal the template key."""
    templates = []
    for path in sorted(directory.glob("*.toml")):
        template = parse_template(path.read_text(encoding="utf-8"), source=path.name)
        if template.key != path.stem:
            raise TemplateError(f"{path.name}: key {template.key!r} differs from the file name")
        templates.append(template)
    if not templates:
        raise TemplateError(f"no templates in {directory}")
    return TemplateCatalogue(templates)


@cache
def packaged_catalogue() -> TemplateCatalogue:
    """The catalogue shipped with kefu (loaded once per process)."""
    with resources.as_file(resources.files("kefu") / PACKAGE_DIR) as directory:
        return load_directory(Path(directory))
