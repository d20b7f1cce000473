"""What escapes `_()`: the gaps `make i18n` and tests/unit/test_i18n_coverage.py refuse.

`pybabel extract` only sees strings wrapped in `_()`; this finds the rest — words written
straight into templates, error codes without a wording, labels tables missing an enum
value, audit actions without a sentence — so none reaches a person in English only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "src/kefu/web/templates"
SERVICES = ROOT / "src/kefu/services"

# Words a template may show as they are in every language: names and symbols.
ALLOWED = frozenset(
    {
        "kefu",
        "API",
        "AliExpress",
        "Amazon",
        "eBay",
        "Wish",
        "中文",
        "English",
        "USD",
        "CSV",
        "XLSX",
        "JSON",
        "IMAP",
        "SMTP",
        "OAuth",
        "SKU",
        "UTC",
        "ms",  # milliseconds
        "g",  # grams
        "https://",
    }
)
# Examples a template shows as they are typed (codes, settings, a sample store name).
EXAMPLES = {
    "pages/imports.html": {"gb18030"},
    "pages/settings_terms.html": {
        "zh=真丝 en=mulberry silk es=seda de morera fr=soie de mûrier",
        "Sunrise Fashion",
    },
    "pages/settings_translation.html": {
        "KEFU_TRANSLATOR=deepl KEFU_DEEPL_KEY=… KEFU_TRANSLATOR=google KEFU_GOOGLE_KEY=… "
        "KEFU_TRANSLATOR=baidu KEFU_BAIDU_APPID=… KEFU_BAIDU_KEY=… "
        "KEFU_TRANSLATOR=libretranslate KEFU_LIBRETRANSLATE_URL=http://127.0.0.1:5000"
    },
}
# Markup the parser sees in pieces when an expression sits inside a tag.
MARKUP = re.compile(r"^<\w+$|^[\w-]+=['\"]")
# Attributes whose value a person reads (or a screen reader says).
READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt"})
# Text that carries no words: numbers, punctuation, symbols, arrows, whitespace.
NO_WORDS = re.compile(r"^[\W\d_]*$")


class _Text(HTMLParser):
    """The text nodes and read attributes of one piece of template data."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "kbd"):  # a key's name is the key, in every language
            self.skip += 1
        self.found += [v for k, v in attrs if k in READ_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "kbd"):
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.found.append(data)


def template_words() -> Iterator[tuple[str, str]]:
    """(template, words) for each piece of text a template writes outside `_()`."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # parsed, never rendered
    for path in sorted(TEMPLATES.rglob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        # The template's literal HTML, joined so a tag split by an expression still parses.
        html = "\x00".join(node.data for node in tree.find_all(nodes.TemplateData))
        parser = _Text()
        parser.feed(html)
        for chunk in parser.found:
            for piece in chunk.split("\x00"):
                words = " ".join(
                    w for w in piece.split() if w not in ALLOWED and not NO_WORDS.match(w)
                )
                name = str(path.relative_to(TEMPLATES))
                if words and not MARKUP.match(words) and words not in EXAMPLES.get(name, ()):
                    yield name, words


def audit_actions() -> dict[str, str]:
    """Every audit action code the services write, with the file that writes it: the
    literal `action` of `.audit(...)`, the fourth argument of the `_audit`/`_change`
    helpers, and the constants assigned to a variable named `action`."""
    found: dict[str, str] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.AST] = []
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("audit", "_audit", "_change"):
                    values += [k.value for k in node.keywords if k.arg == "action"]
                    values += node.args[3:4]
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                values.append(node.value)
            for value in values:
                for leaf in ast.walk(value):
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        found[leaf.value] = path.name
    return found


def enum_labels() -> dict[str, set[str]]:
    """Each labels table checked, with the values it must name and does not."""
    from kefu.domain.buyers import BuyerKind
    from kefu.domain.customs import RuleKind
    from kefu.domain.intents import INTENT_GROUPS, INTENTS
    from kefu.domain.mail import MailError, Security
    from kefu.domain.permissions import Permission, Role
    from kefu.domain.platform_rules import Rule
    from kefu.domain.types import (
        ColourMark,
        Marketplace,
        OrderStatus,
        Origin,
        Stage,
        Status,
        TrackingStatus,
    )
    from kefu.services.oauth import RESULTS
    from kefu.web.labels import LABELS

    wanted: dict[str, set[str]] = {
        "stage": {v.value for v in Stage},
        "status": {v.value for v in Status} | {"unread"},
        "mark": {v.value for v in ColourMark},
        "platform": {v.value for v in Marketplace},
        "order_status": {v.value for v in OrderStatus},
        "tracking": {v.value for v in TrackingStatus},
        "customs_rule": {v.value for v in RuleKind},
        "role": {v.value for v in Role},
        "permission": {v.value for v in Permission},
        "buyer_kind": {v.value for v in BuyerKind},
        "origin": {v.value for v in Origin},
        "intent": set(INTENTS),
        "intent_group": set(INTENT_GROUPS),
        "mail_error": {v.value for v in MailError},
        "mail_security": {v.value for v in Security},
        "policy": {v.value for v in Rule},
        "oauth_result": set(RESULTS),
        "audit_action": set(audit_actions()),
        "error": error_codes(),
    }
    return {kind: values - set(LABELS[kind]) for kind, values in wanted.items()}


def error_codes() -> set[str]:
    """The code of every DomainError kind in kefu (the domain's and the services')."""
    import importlib
    import pkgutil

    import kefu.domain
    import kefu.services
    from kefu.domain.errors import DomainError

    for package in (kefu.domain, kefu.services):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    kinds: list[type[DomainError]] = [DomainError]
    codes: set[str] = set()
    while kinds:
        kind = kinds.pop()
        codes.add(kind.code)
        kinds += kind.__subclasses__()
    return codes


def untranslated(wordings: dict[str, str]) -> list[str]:
    """The strings wrapped in `_()` or `N_()` in the sources and templates that have no
    Chinese wording: what `pybabel extract` would find, read in-process (no catalog
    written), so a unit test can fail on it."""
    from babel.messages.extract import extract_from_dir

    method_map = [("src/kefu/**.py", "python"), ("src/kefu/web/templates/**.html", "jinja2")]
    options = {"src/kefu/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options,
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)},
    )
    missing: set[str] = set()
    for _file, _line, message, _comments, _context in found:
        for text in message if isinstance(message, tuple) else (message,):
            if text and text not in wordings:
                missing.add(text)
    return sorted(missing)
