"""Other tools: a network exported as PyTorch source, ONNX or a weights file; dense ONNX models
and ``nn.Sequential`` imported back as specs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._util.lazy import lazy_exports

__all__ = ["import_onnx"]

if TYPE_CHECKING:
    from .onnx_import import import_onnx

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "import_onnx": ".onnx_import",
    },
)
