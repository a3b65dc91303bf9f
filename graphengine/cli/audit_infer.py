"""`audit` without ``--spec``: the network reconstructed from the page, printed and used."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import DocumentError

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..teach.audit.scan import Page


def parse_settings(settings: tuple[str, ...]) -> dict[str, float]:
    """``--set w7=0.50`` → {"w7": 0.5}; a malformed one is a usage error."""
    found: dict[str, float] = {}
    for item in settings:
        name, eq, value = item.partition("=")
        try:
            if not eq or not name.strip():
                raise ValueError
            found[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"`{item}` is not NAME=VALUE (as w7=0.50)", param_hint="--set") from None
    return found


def network_from_page(page: Page, doc: str, settings: tuple[str, ...], write_spec: str | None, quiet: bool) -> Network:
    import yaml

    from .._util.files import check_writable, write_atomic
    from ..engine.network import Network
    from ..spec.load import parse_spec
    from ..teach.audit.infer import infer

    if write_spec:
        check_writable(write_spec)
    inferred = infer(page, parse_settings(settings))
    if inferred.missing:
        raise DocumentError("; ".join(inferred.missing), file=doc)
    text = "# reconstructed from " + doc + " by `graphengine audit`\n"
    text += "".join(f"# {note}\n" for note in inferred.notes)
    text += yaml.safe_dump(inferred.spec, sort_keys=False, default_flow_style=None, width=120)
    net = Network(parse_spec(text, write_spec or doc))
    if write_spec:
        from pathlib import Path

        write_atomic(Path(write_spec), text)
        click.echo(f"spec written to {write_spec}", err=True)
    if not quiet:
        click.echo(text)
    return net
