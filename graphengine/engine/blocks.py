"""The pieces a :class:`~graphengine.engine.plan.Plan` is made of, with the arithmetic each does.

A :class:`Block` holds the edges from some source columns into some neurons of one
level as one matrix ``W`` read from the flat parameter vector ``theta``; its kind
says how ``W`` is stored (see :mod:`graphengine.engine.plan` for how kinds are chosen):

* ``rows`` / ``cols``: the parameters sit in ``theta`` in row- or column-major order,
  so ``W`` is a view of ``theta`` (no copy) and its gradient is written straight into
  the gradient vector with ``np.matmul(..., out=...)``;
* ``gather``: every source feeds every target, parameters elsewhere or shared;
* ``scatter``: a fairly dense block with missing edges (zeros, then filled);
* ``sparse``: a big block with few edges, a ``scipy.sparse`` CSR matrix refilled from
  ``theta`` per call; each weight's gradient is read out of a dense ``xᵀδ`` (BLAS) or,
  below 1 % density, summed per edge from gathered rows.

Gradients accumulate (``+=``; ``np.add.at`` where a parameter repeats inside one
block); a block or bias whose parameters nothing else uses assigns instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

import numpy as np

from ..plugins.registry import Activation

# A sparse block's weight gradient goes through a dense xᵀδ (then a gather) unless that
# matrix is big or the block sparser than this.
DENSE_GRADIENT_LIMIT = 1 << 24
GATHER_DENSITY = 0.01
_CHUNK = 1 << 14  # edges per chunk of per-edge gradient sums: temporaries stay a few MB

Columns = slice | np.ndarray
ALL = slice(None)  # the whole level; compared with `is`


def as_columns(columns: np.ndarray, width: int | None = None) -> Columns:
    """A contiguous ascending run becomes a slice (numpy then gives views, not copies);
    the whole of ``width`` columns becomes ``slice(None)``."""
    n = len(columns)
    if n and columns[-1] - columns[0] == n - 1 and np.all(np.diff(columns) == 1):
        if width is not None and n == width and columns[0] == 0:
            return ALL
        return slice(int(columns[0]), int(columns[0]) + n)
    return columns


@dataclass(repr=False, eq=False)
class ActivationGroup:
    """Columns of one level that share an activation and its parameters."""

    activation: Activation
    params: dict[str, float]
    columns: Columns

    @property
    def identity(self) -> bool:
        """The built-in identity: the engine passes values through instead of copying them."""
        return self.activation.name == "identity" and self.activation.source == "built-in"


@dataclass(repr=False, eq=False)
class Bias:
    """``net[:, columns] += theta[index]``; ``index`` is a slice, one shared int, or an array."""

    columns: Columns
    index: slice | int | np.ndarray
    repeated: bool  # an index array naming a parameter twice (shared bias within the level)
    exclusive: bool = False  # nothing else uses these parameters: assign instead of add

    def accumulate(self, grad: np.ndarray, d: np.ndarray) -> None:
        # np.add.reduce: np.sum's Python wrapper costs more than the sum for a small batch.
        if self.columns is not ALL:
            d = d[:, self.columns]
        if isinstance(self.index, int):
            grad[self.index] += np.add.reduce(d, axis=None)
        elif self.repeated:
            np.add.at(grad, cast(np.ndarray, self.index), np.add.reduce(d, axis=0))
        elif self.exclusive:
            grad[self.index] = np.add.reduce(d, axis=0)
        else:
            grad[self.index] += np.add.reduce(d, axis=0)


class Source(NamedTuple):
    """One run of a block's source columns, all in one level: ``W``'s rows ``row : row + width``
    read ``columns`` of level ``level``'s outputs."""

    level: int
    columns: Columns
    width: int
    row: int


@dataclass(repr=False, eq=False)
class Block:
    """Edges from ``sources`` into the level's ``targets``: ``net[:, targets] += x @ W``.

    ``sources`` lists ``(level, columns)`` segments (a skip connection reads from two levels);
    ``rows``/``cols``/``index`` give each edge's place in ``W`` and in ``theta``.
    """

    kind: str  # rows | cols | gather | scatter | sparse
    sources: list[Source]
    targets: Columns
    whole: bool  # targets are the whole level
    shape: tuple[int, int]
    index: np.ndarray  # per edge (row-major order): parameter index
    flat: np.ndarray  # per edge: position in W.ravel()
    span: slice | None = None  # rows/cols: theta[span] is W's storage
    exclusive: bool = False  # no other edge or bias uses these parameters
    repeated: bool = False  # a parameter appears twice within this block
    sparse: Any = None  # scipy.sparse.csr_matrix with the edges' structure (scipy is untyped)
    # rows/cols: the last theta seen and W as a view of it (valid while theta lives, even
    # when it is updated in place, as training does).
    _theta: np.ndarray | None = field(default=None, repr=False)
    _view: np.ndarray | None = field(default=None, repr=False)

    reads_inputs_only: bool = False  # set in __post_init__: the inputs' gradient is optional

    def __post_init__(self) -> None:
        self.reads_inputs_only = all(source.level == 0 for source in self.sources)

    def weights(self, theta: np.ndarray) -> Any:
        """The block's weight matrix ``(sources, width)`` from ``theta`` (a SciPy CSR matrix for a sparse block)."""
        if theta is self._theta:
            return self._view
        S, L = self.shape
        kind = self.kind
        if kind == "rows" or kind == "cols":
            view = theta[self.span].reshape(S, L) if kind == "rows" else theta[self.span].reshape(L, S).T
            self._theta, self._view = theta, view
            return view
        if kind == "gather":
            return theta[self.index].reshape(S, L)
        if kind == "scatter":
            W = np.zeros(S * L, dtype=theta.dtype)
            W[self.flat] = theta[self.index]
            return W.reshape(S, L)
        if self.sparse.data.dtype != theta.dtype:  # float32 training: a float32 matrix
            self.sparse.data = self.sparse.data.astype(theta.dtype)
        np.take(theta, self.index, out=self.sparse.data)
        return self.sparse

    def apply(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``x @ W`` for ``x`` shaped (samples, sources)."""
        if self.kind == "sparse":
            return cast(np.ndarray, (self.weights(theta).T @ x.T).T)
        return cast(np.ndarray, x @ self.weights(theta))

    def back(self, d: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """``d @ Wᵀ``: the block's share of ∂L/∂out of its sources."""
        if self.kind == "sparse":
            return cast(np.ndarray, (self.weights(theta) @ d.T).T)
        return cast(np.ndarray, d @ self.weights(theta).T)

    def accumulate(self, grad: np.ndarray, x: np.ndarray, d: np.ndarray, theta: np.ndarray) -> None:
        """grad[p] += Σ_samples x_u·δ_v for every edge u→v with parameter p."""
        S, L = self.shape
        if self.kind == "rows":
            target = grad[self.span].reshape(S, L)
            if self.exclusive:
                np.matmul(x.T, d, out=target)
            else:
                target += x.T @ d
            return
        if self.kind == "cols":
            target = grad[self.span].reshape(L, S)
            if self.exclusive:
                np.matmul(d.T, x, out=target)
            else:
                target += d.T @ x
            return
        if self.kind == "sparse" and (S * L > DENSE_GRADIENT_LIMIT or len(self.index) < GATHER_DENSITY * S * L):
            # Per edge Σ_samples x_u·δ_v from gathered rows of xᵀ and δᵀ (contiguous per node),
            # in chunks that keep the temporaries a few MB.
            values = np.empty(len(self.index), dtype=x.dtype)
            rows, cols = np.divmod(self.flat, L)
            xt, dt = np.ascontiguousarray(x.T), np.ascontiguousarray(d.T)
            for a in range(0, len(values), _CHUNK):
                b = a + _CHUNK
                values[a:b] = np.einsum("ij,ij->i", xt[rows[a:b]], dt[cols[a:b]])
        elif self.kind in ("sparse", "scatter"):
            # A dense xᵀδ then a gather: BLAS does ~100× more multiply-adds per second than a
            # gather, so this wins down to ~1 % density.
            values = (x.T @ d).ravel()[self.flat]
        else:
            values = (x.T @ d).ravel()
        if self.repeated:
            np.add.at(grad, self.index, values)
        else:
            grad[self.index] += values
