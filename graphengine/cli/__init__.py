"""The ``graphengine`` command: the only place that prints and picks exit statuses.

Exit status: 0 ok, 1 a check found something wrong, 2 invalid input or usage, 130 interrupted.

Layout: this module holds the group, one ``cli.add_command`` line per command and the
error → exit-status map; :mod:`.options` the shared arguments and options; :mod:`.output`
the console, tables, progress bar and JSON; one module per command. A new command is a
module defining a ``@click.command`` plus one ``cli.add_command`` line below.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

import click

from ..__about__ import __version__
from .._util.escape import terminal
from .._util.gcpause import startup_without_collector
from .._util.interrupts import watch_interrupts
from .._util.reading import run_inputs
from ..errors import GraphEngineError, one_line
from .helpformat import Group
from .output import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, broken_pipe_status

# One line per command, in the order `graphengine --help` lists them: name → (module, function).
# A command's module is imported when that command runs (`run` pays for nothing else), all of
# them for `--help`.
COMMANDS = {
    "new": ("new", "new"),
    "validate": ("validate", "validate"),
    "render": ("render", "render_command"),
    "run": ("run", "run"),
    "train": ("train", "train"),
    "predict": ("evaluate", "predict_command"),
    "evaluate": ("evaluate", "evaluate_command"),
    "explain": ("explain", "explain"),
    "check": ("check", "check"),
    "audit": ("audit", "audit"),
    "exercise": ("exercise", "exercise"),
    "grade": ("grade", "grade"),
    "plugins": ("plugins", "plugins"),
    "report": ("page", "report"),
    "serve": ("page", "serve"),
    "export": ("export", "export_command"),
    "import": ("export", "import_command"),
}


class _LazyGroup(Group):
    """A group whose commands are imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)  # click lists commands by name

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        from importlib import import_module

        module, name = COMMANDS[cmd_name]
        command: click.Command = getattr(import_module(f".{module}", __name__), name)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        no_such = getattr(click.exceptions, "NoSuchCommand", None)  # click >= 8.2: "Did you mean …?"
        name = args[0]
        if no_such is not None and name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            raise no_such(name, possibilities=list(COMMANDS), ctx=ctx)
        return super().resolve_command(ctx, args)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
    epilog="Shell completion: add this line to ~/.bashrc (zsh: zsh_source, in ~/.zshrc)\n\n"
    '\b\n  eval "$(_GRAPHENGINE_COMPLETE=bash_source graphengine)"',
    examples=[
        "graphengine run specs/doc_example.yaml",
        "graphengine new my_net.yaml && graphengine run my_net.yaml",
    ],
)
@click.version_option(__version__, "--version", prog_name="graphengine")
@click.option("--debug", is_flag=True, help="Show the Python traceback behind an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Neural networks described in YAML, computed and drawn neuron by neuron.

    Start with the worked example of backpropagation (the first example below),
    or write a network of your own with `graphengine new`.

    Exit status: 0 ok, 1 a check found something wrong, 2 invalid input.
    `graphengine COMMAND --help` shows a command's options and examples.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _printable_everywhere() -> None:
    """On a terminal or pipe whose encoding cannot show every character (``PYTHONIOENCODING=ascii``,
    a C locale), a character it cannot encode is written as ``\\u2202`` instead of failing."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding not in ("utf8", "utf16", "utf32"):
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or detached stream
                pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit status instead of raising SystemExit."""
    args = list(sys.argv[1:] if argv is None else argv)
    _printable_everywhere()
    broken_pipe_status[0] = EXIT_OK
    debug = "--debug" in args
    try:
        with warnings.catch_warnings():
            if not debug:
                # numpy's "overflow encountered in exp" would add lines to stderr; a non-finite
                # result is shown as nan/inf, and training stops with a one-line error naming it.
                warnings.simplefilter("ignore", RuntimeWarning)
            # a plugin raising KeyboardInterrupt is an error, not the user's Ctrl-C; no output
            # replaces a file the command has read (run_inputs)
            # start-up (imports, pydantic's models) without the collector walking it again and again
            with watch_interrupts(), run_inputs(), startup_without_collector():
                result = cli.main(args=args, prog_name="graphengine", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except GraphEngineError as e:
        if debug:
            raise
        click.echo(f"error: {terminal(str(e))}", err=True)  # a key or name may hold escape sequences
        return EXIT_INVALID
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `graphengine` alone: the help text
            e.show()
            return e.exit_code
        # One line like every other error; the command's --help has the usage.
        context = getattr(e, "ctx", None)
        hint = f" (see `{context.command_path} --help`)" if isinstance(e, click.UsageError) and context else ""
        click.echo(f"error: {one_line(e.format_message())}{hint}", err=True)
        return e.exit_code if e.exit_code else EXIT_INVALID
    except MemoryError:
        if debug:
            raise
        click.echo("error: not enough memory for this network and data", err=True)
        return EXIT_INVALID
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `graphengine run … | head`: the reader has gone. Point stdout at /dev/null so that
        # Python's final flush does not complain on stderr.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return broken_pipe_status[0]
    except Exception as e:  # a user's plugin failing on real data: name its file and line, no traceback
        from ..plugins.discovery import raised_in_plugin

        located = None if debug else raised_in_plugin(e)
        if located is None:
            raise
        click.echo(f"error: {located}", err=True)
        return EXIT_INVALID
