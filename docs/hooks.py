"""MkDocs hooks: the JSON Schema of a spec, generated from its validation schema at build time, and
the layout page's table of modules, read from the package itself (so neither can go stale).

`reference/spec.schema.json` is added to the site's files (so pages link to it and
`mkdocs build --strict` checks those links) and published with the site for editors.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from mkdocs.structure.files import File, Files

SCHEMA_URI = "reference/spec.schema.json"


def spec_schema() -> str:
    """The JSON Schema of a graphengine spec, as pydantic writes it from the spec's core schema."""
    from graphengine.spec.schema import spec_json_schema

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **spec_json_schema(),
        "title": "graphengine spec",
        "description": "A graphengine network: inputs, nodes, edges or layers, parameters, loss, data, training.",
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def on_files(files: Files, config, **kwargs) -> Files:
    files.append(File.generated(config, SCHEMA_URI, content=spec_schema()))
    return files


LAYOUT_MARKER = "<!-- layout-table -->"
PACKAGE = Path(__file__).resolve().parent.parent / "graphengine"


def _summary(path: Path) -> str:
    """The first paragraph of a module's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")


def layout_table() -> str:
    """Every module of the package, subpackage by subpackage in processing order, with what it holds."""
    from graphengine import PROCESSING_ORDER

    rows = ["| module | what it holds |", "|---|---|"]
    top = ["__about__.py", "__init__.py", "__main__.py"]
    rows += [f"| `{name}` | {_summary(PACKAGE / name)} |" for name in top]
    for entry in PROCESSING_ORDER:
        for name in entry if isinstance(entry, tuple) else (entry,):
            path = PACKAGE / f"{name}.py"
            files = [path] if path.is_file() else sorted((PACKAGE / name).rglob("*.py"))
            for file in files:
                rows.append(f"| `{file.relative_to(PACKAGE).as_posix()}` | {_summary(file)} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if LAYOUT_MARKER in markdown:
        return markdown.replace(LAYOUT_MARKER, layout_table())
    return markdown
