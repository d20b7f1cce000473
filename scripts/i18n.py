"""Extract UI strings, merge them into the zh_CN catalog and fill the Chinese wording.

Run by `make i18n`. Fails when a UI string has no Chinese wording, so none ships untranslated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from i18n_gaps import enum_labels, template_words
from zh_cn_ui import ZH_CN

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "src/kefu/locale/messages.pot"
PO = ROOT / "src/kefu/locale/zh_CN/LC_MESSAGES/messages.po"


def main() -> int:
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [
            pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "-o",
            str(POT),
            "--no-location",
            "--omit-header",
            "--sort-output",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with POT.open("rb") as f:
        template = read_po(f)
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    catalog.update(template, no_fuzzy_matching=True)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        wording = ZH_CN.get(str(message.id))
        if wording is None:
            missing.append(str(message.id))
        else:
            message.string = wording
            message.flags.discard("fuzzy")
    for extra, wording in ZH_CN.items():
        if extra not in catalog:
            catalog.add(extra, wording)
    catalog.obsolete.clear()
    with PO.open("wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, sort_output=True, width=100)
    gaps = [f"{name}: {words}" for name, words in template_words()]
    gaps += [f"labels {kind!r} lack {sorted(lost)}" for kind, lost in enum_labels().items() if lost]
    if missing:
        print("UI strings without Chinese wording:", *missing, sep="\n  ")
    if gaps:
        print("Words outside _() or values without a label:", *gaps, sep="\n  ")
    if missing or gaps:
        return 1
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
