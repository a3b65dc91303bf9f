"""How `audit` does on the real pages of tests/fixtures/pages/, measured against the manifest.

The manifest labels every number of each page (kind, name, verdict) and truth.py checks
those labels independently of graphengine; this module only compares `audit`'s rows with
them. Per page:

- **recognised**: of the numbers that are network quantities or intermediates, those
  `audit` judged: the number is a judged row, or a number of the chain of one (its operand);
- **slips found**: of the page's real slips (a label that is a slip code), those `audit`
  marks wrong on the same line and value (and whether with the same code);
- **false alarms**: numbers `audit` marks wrong (not right, not rounding) that the
  manifest labels right or rounding, or that it does not list at all.

Run ``python tests/helpers/pages_audit.py`` for the table.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
FINE = {"right", "rounding"}
NOT_SLIPS = FINE | {"carried"}


def _truth_module():
    spec = importlib.util.spec_from_file_location("pages_truth", PAGES / "truth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


truth = _truth_module()
MANIFEST = truth.load_manifest()


@dataclass
class Figures:
    page: str
    targets: int = 0  # numbers that are network quantities or intermediates
    recognised: int = 0
    checked: int = 0  # rows audit judged
    wrong: int = 0  # rows audit marks wrong
    slips: list[str] = field(default_factory=list)  # the page's real slips: "line text code"
    found: list[str] = field(default_factory=list)  # real slips audit marks wrong: "line text code→audit's"
    false_alarms: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # targets not recognised
    reconstructed: bool | None = None  # audit without --spec (None: not tried)

    @property
    def rate(self) -> float:
        return self.recognised / self.targets if self.targets else 1.0


def _offsets(text: str, entries: list[dict]) -> list[int]:
    """Each manifest entry's offset in the page: the k-th occurrence of its text on its line."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    offsets = []
    seen: dict[tuple[int, str], int] = {}
    for n in entries:
        line = lines[n["line"] - 1]
        k = seen.get((n["line"], n["text"]), 0)
        at = -1
        for _ in range(k + 1):
            at = line.find(n["text"], at + 1)
            while at >= 0 and at > 0 and line[at - 1].isdigit():
                at = line.find(n["text"], at + 1)  # `0.5` inside `10.5` is not it
        seen[(n["line"], n["text"])] = k + 1
        offsets.append(starts[n["line"] - 1] + max(at, 0))
    return offsets


def measure(name: str, result, spans: list[tuple[int, int]]) -> Figures:
    """Compare an :class:`~graphengine.teach.audit.audit.Audit` of page ``name`` with the manifest.

    ``spans`` (unused: each row names its chain's numbers, ``Row.operands``) are kept for callers."""
    from graphengine.teach.audit.audit import verdict_word

    text = (PAGES / f"{name}.md").read_text(encoding="utf-8")
    entries = MANIFEST[name]["numbers"]
    offsets = _offsets(text, entries)
    rows = {}
    for row in result.rows:
        rows[row.number.start] = row
    figures = Figures(name, checked=len(result.rows))
    figures.wrong = sum(1 for r in result.rows if verdict_word(r.verdict) not in FINE)
    labelled = {}
    operands = {start for r in result.rows for start in r.operands}
    for n, at in zip(entries, offsets):
        # a row's number may start at the sign the manifest keeps or drops
        row = rows.get(at) or rows.get(at - 1) or rows.get(at + 1)
        labelled[id(row)] = n
        is_target = n["kind"] in ("quantity", "intermediate")
        if is_target:
            figures.targets += 1
            if row is not None or {at, at - 1, at + 1} & operands:
                figures.recognised += 1
            else:
                figures.missed.append(f"{n['line']} {n['text']} {n['name']}")
        if n["verdict"] not in NOT_SLIPS:
            figures.slips.append(f"{n['line']} {n['text']} {n['verdict']}")
            if row is not None and verdict_word(row.verdict) not in FINE:
                figures.found.append(f"{n['line']} {n['text']} {n['verdict']}→{verdict_word(row.verdict)}")
    for row in result.rows:
        word = verdict_word(row.verdict)
        if word in FINE:
            continue
        n = labelled.get(id(row))
        if n is None or n["verdict"] in FINE:
            figures.false_alarms.append(f"{row.line} {row.number.text} {word} ({row.text})")
    return figures


def audit_page(name: str, with_spec: bool = True) -> Figures:
    import graphengine
    from graphengine.teach.audit.audit import audit
    from graphengine.teach.audit.scan import read_page

    page = read_page(PAGES / f"{name}.md")
    if with_spec:
        net = graphengine.load(str(PAGES / MANIFEST[name]["spec"]))
    else:  # the network audit reconstructs from the page alone
        net = inferred_network(page)
        if net is None:
            figures = Figures(name, reconstructed=False)
            return figures
    result = audit(net, net.trace(), page)
    spans = [row.span for row in result.rows]
    figures = measure(name, result, spans)
    figures.reconstructed = None if with_spec else True
    return figures


def inferred_network(page):
    """The network `audit PAGE` (no --spec) reconstructs, or None when the page leaves something open."""
    import yaml

    from graphengine.engine.network import Network
    from graphengine.spec.load import parse_spec
    from graphengine.teach.audit.infer import infer

    inferred = infer(page)
    if inferred.missing:
        return None
    return Network(parse_spec(yaml.safe_dump(inferred.spec, sort_keys=False)))


def main() -> int:
    total = Figures("all")
    print(f"{'page':24} {'recog':>9} {'%':>5} {'checked':>7} {'wrong':>5} {'slips':>6} {'false':>5}  no --spec")
    for name in sorted(MANIFEST):
        f = audit_page(name)
        bare = audit_page(name, with_spec=False)
        alone = (
            f"{len(bare.found)}/{len(bare.slips)} slips, {len(bare.false_alarms)} false" if bare.reconstructed else "-"
        )
        print(
            f"{name:24} {f.recognised:>4}/{f.targets:<4} {100 * f.rate:5.1f} {f.checked:>7} {f.wrong:>5}"
            f" {len(f.found):>2}/{len(f.slips):<3} {len(f.false_alarms):>5}  {alone}"
        )
        if "-v" in sys.argv:
            for x in f.false_alarms:
                print("   FALSE", x)
            for x in f.slips:
                print(
                    "   SLIP ",
                    x,
                    "found" if any(y.startswith(x.rsplit(" ", 1)[0] + " ") for y in f.found) else "MISSED",
                )
            for x in f.missed:
                print("   unread", x)
        total.targets += f.targets
        total.recognised += f.recognised
    print(f"overall recognised {total.recognised}/{total.targets} = {100 * total.rate:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
