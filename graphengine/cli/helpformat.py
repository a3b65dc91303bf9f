"""Help that teaches: a command's own options first, the shared ones (``--plugins``,
``--allow-outside-data``, ``--debug``, ``--help``) last in a section of their own, and one
or two example lines at the end that work from the repository root (a test runs them).

Click has no option groups; :class:`Command` and :class:`Group` sort the help records of
their parameters into two sections and add the examples after the epilog. Every command
takes ``--debug`` too (:func:`graphengine.cli.main` reads it from the command line).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

# Parameters every command shares, listed last.
SHARED = ("plugins", "allow_outside_data", "debug", "help")


def debug_option() -> click.Option:
    """``--debug`` on a command: ``main`` looks for it on the whole command line."""
    return click.Option(
        ["--debug"], is_flag=True, expose_value=False, help="Show the Python traceback behind an error."
    )


class _Teaching:
    """The help layout shared by :class:`Command` and :class:`Group`."""

    examples: list[str]

    def _setup(self, examples: Sequence[str]) -> None:
        self.examples = list(examples)
        params: list[click.Parameter] = self.params  # type: ignore[attr-defined]
        if not any(p.name == "debug" for p in params):
            params.append(debug_option())

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        own: list[tuple[str | None, tuple[str, str]]] = []
        shared: list[tuple[str | None, tuple[str, str]]] = []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if not isinstance(param, click.Option):  # arguments are in the usage line
                continue
            record = param.get_help_record(ctx)
            name = "help" if "--help" in param.opts else param.name
            if record is not None:
                (shared if name in SHARED else own).append((name, record))
        if own:
            with formatter.section("Options"):
                formatter.write_dl([record for _, record in own])
        shared.sort(key=lambda item: SHARED.index(item[0]))
        with formatter.section("Shared options"):
            formatter.write_dl([record for _, record in shared])
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)  # type: ignore[misc]
        if self.examples:
            with formatter.section("Examples"):
                for line in self.examples:  # written as they are: a command line is not re-wrapped
                    formatter.write(f"{'':>{formatter.current_indent}}{line}\n")


class Command(_Teaching, click.Command):
    """A command whose help lists its own options, then the shared ones, then examples."""

    def __init__(self, *args: Any, examples: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup(examples)


class Group(_Teaching, click.Group):
    """A group (``plugins``) with the same help layout; its subcommands are :class:`Command`."""

    command_class = Command

    def __init__(self, *args: Any, examples: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup(examples)
