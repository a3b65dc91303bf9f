"""MkDocs hook: the JSON Schema of a spec, generated from the pydantic models at build time.

`reference/spec.schema.json` is added to the site's files (so pages link to it and
`mkdocs build --strict` checks those links) and published with the site for editors.
"""

from __future__ import annotations

import json

from mkdocs.structure.files import File, Files

SCHEMA_URI = "reference/spec.schema.json"


def spec_schema() -> str:
    """The JSON Schema of a graphengine spec, as `Spec.model_json_schema()` gives it."""
    from graphengine.spec_schema import Spec

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **Spec.model_json_schema(),
        "title": "graphengine spec",
        "description": "A graphengine network: inputs, nodes, edges or layers, parameters, loss, data, training.",
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def on_files(files: Files, config, **kwargs) -> Files:
    files.append(File.generated(config, SCHEMA_URI, content=spec_schema()))
    return files
