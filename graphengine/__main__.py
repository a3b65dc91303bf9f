"""``python -m graphengine``: the command line, safe to start in any folder.

Python puts the current folder first on ``sys.path`` for ``-m``, so a ``numpy.py`` or
``graphviz.py`` lying there would be imported instead of the real package. The folder is
dropped from the path before anything else is imported (graphengine itself is already
loaded by then); the ``graphengine`` console script never had the folder on its path.
"""

import os
import sys


def _drop_working_folder() -> None:
    here = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != here]


_drop_working_folder()

from .cli import main  # noqa: E402  (after the path is cleaned, on purpose)

sys.exit(main())
