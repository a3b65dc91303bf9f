"""matplotlib pictures as files: which formats, refused early when they cannot be written, and
written atomically (the ``graphengine[plot]`` extra; matplotlib is imported only when used)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import GraphEngineError

__all__ = ["PLOT_FORMATS", "check_plot", "save_figure"]

PLOT_FORMATS = (".svg", ".png", ".pdf")


def check_plot(path: str, option: str = "--plot") -> None:
    """Fail early (before training) when a plot cannot be written."""
    if Path(path).suffix.lower() not in PLOT_FORMATS:
        raise GraphEngineError(f"{option}: `{path}` must end in {', '.join(PLOT_FORMATS)}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise GraphEngineError(
            f"{option} needs matplotlib, which is not installed: pip install 'graphengine[plot]'"
        ) from None


def save_figure(fig: Any, path: str, option: str, what: str = "picture") -> None:
    """Write a matplotlib figure to ``path`` (its suffix names the format) atomically, and close it."""
    import io
    import warnings

    import matplotlib.pyplot as plt

    from .._util.files import write_atomic

    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Glyph … missing from font": noise on stderr
            fig.tight_layout()
            fig.savefig(buffer, format=Path(path).suffix.lower().lstrip("."))
    except (ValueError, RuntimeError) as e:
        raise GraphEngineError(f"{option}: matplotlib cannot draw the {what}: {e}", file=path) from None
    finally:
        plt.close(fig)
    write_atomic(Path(path), buffer.getvalue())
