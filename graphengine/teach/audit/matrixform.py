"""Networks a page writes in matrix form, reconstructed (``audit`` without ``--spec``).

Two shapes, each seen on real pages:

- **a layer as a product**: ``[X] · [W] = …`` — the inputs (one row per sample) beside the
  weights (one row per input, one column per unit). A column of ones written after the inputs
  is the bias: the weights' last row holds each unit's bias. The units take the page's
  activation; under a softmax with a logarithm they are the logits of softmax cross-entropy.
- **a softmax of given scores**: ``z = [2, -1, 3, 7]``, ``scores = [3.0, 1.0, 0.2]`` and a
  softmax, no wiring: the scores are the logits, read as linear outputs fed by one input 1
  through weights equal to the scores.

Targets come from a vector the page names as such (``y_true = [[0, 1, 0]]``, ``T``) when it
fits the outputs; otherwise they are placeholders no number of the page depends on, and said so.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .pagefacts import list_targets, page_activation, page_loss
from .written_matrices import Matrix, Product, bias_column, first_product, name_of, read_matrices

_TARGET_NAME = re.compile(r"^(?:y|t|T|Y|targets?|true|y_?\{?(?:\\text\{)?true\}?\}?|desired)$")


class MatrixNetwork(NamedTuple):
    spec: dict
    notes: list[str]
    missing: list[str] = []  # what the page leaves open


def _letter(name: str, default: str) -> str:
    m = re.match(r"\\?(?:text\{)?([A-Za-z])", name)
    return m.group(1) if m and not name.startswith("\\") else default


def _targets(matrices: list[Matrix], text: str, samples: int, width: int) -> list[list[float]] | None:
    """The targets per sample from a vector named as targets that fits ``samples`` × ``width``."""
    for m in matrices:
        if _TARGET_NAME.match(m.name) and m.numeric:
            rows, cols = m.shape
            flat = m.flat()
            if rows == samples and cols == width:
                return [list(map(float, row)) for row in m.values]  # type: ignore[arg-type]
            if samples == 1 and len(flat) == width and 1 in (rows, cols):
                return [flat]
    listed = list_targets(text)
    if samples == 1 and len(listed) == width:
        return [listed]
    return None


def _placeholder(outputs: list[str], loss: str, scores: list[float]) -> dict[str, float]:
    if loss == "softmax_cross_entropy":
        best = max(range(len(outputs)), key=lambda k: scores[k]) if scores else 0
        return {o: float(k == best) for k, o in enumerate(outputs)}
    return dict.fromkeys(outputs, 0.0)


def _layer(product: Product, text: str, matrices: list[Matrix], rate: float | None) -> MatrixNetwork:
    order = "weights times inputs (a column per sample)" if product.weights_first else "inputs times weights"
    notes = [f"the page writes its layer in matrix form: {order}"]
    missing: list[str] = []
    biased = bias_column(product, text)
    weights = product.weight_rows()
    n_inputs = len(weights) - (1 if biased else 0)
    n_units = len(weights[0])
    biases = weights[-1] if biased else product.bias.flat() if product.bias else None
    loss = page_loss(text)
    start = min(product.inputs.start, product.weights.start)
    before = text[max(0, start - 300) : start]
    letter = "c" if loss == "softmax_cross_entropy" else "h" if re.search(r"hidden", before, re.I) else "o"
    inputs = [f"x{j + 1}" for j in range(n_inputs)]
    units = [f"{letter}{k + 1}" for k in range(n_units)]
    w = _letter(name_of(product.weights, matrices), "w")
    activations = page_activation(text)
    activation = None
    if loss != "softmax_cross_entropy":
        if len(activations) == 1:
            activation = next(iter(activations))
        elif activations:
            missing.append(
                f"the page names several activations ({', '.join(sorted(activations))}) and none for its layer:"
                " pass --spec"
            )
        else:
            notes.append("the page shows no activation: the layer is linear")
    nodes: dict[str, dict] = {}
    edges = []
    parameters: dict[str, object] = {}
    for k, unit in enumerate(units):
        nodes[unit] = {"activation": activation} if activation else {}
        for j, source in enumerate(inputs):
            name = f"{w}{j + 1}{k + 1}"
            edges.append({"from": source, "to": unit, "weight": name})
            parameters[name] = weights[j][k]
        if biases is not None:
            nodes[unit]["bias"] = f"b{k + 1}"
            parameters[f"b{k + 1}"] = {"value": biases[k], "trainable": False}
    if biased:
        notes.append("the inputs' column of ones is the bias: the weights' last row, one bias per unit, not updated")
    elif biases is not None:
        notes.append("the vector added to the product is the bias, one per unit, not updated")
    samples = product.samples()
    targets = _targets(matrices, text, len(samples), n_units)
    if loss is None:
        loss = "half_squared_error"
        notes.append("the page computes no loss: half squared error, targets 0 as placeholders")
        targets = None
    elif targets is None:
        notes.append("no target vector fits the outputs: placeholder targets no number depends on")
    data = []
    for i, row in enumerate(samples):
        values = {x: row[j] for j, x in enumerate(inputs)}
        wanted = dict(zip(units, targets[i], strict=True)) if targets else _placeholder(units, loss, [])
        data.append({"inputs": values, "targets": wanted})
    spec: dict[str, object] = {"name": "inferred", "inputs": inputs, "outputs": units, "nodes": nodes}
    spec |= {"edges": edges, "parameters": parameters, "loss": loss, "data": data}
    if rate is not None:
        spec["training"] = {"learning_rate": rate}
    return MatrixNetwork(spec, notes, missing)


def _scores(matrices: list[Matrix], text: str, rate: float | None) -> MatrixNetwork | None:
    vector = next(
        (m for m in matrices if m.numeric and 1 in m.shape and len(m.flat()) > 1 and not _TARGET_NAME.match(m.name)),
        None,
    )
    if vector is None:
        return None
    scores = vector.flat()
    outputs = [f"c{k + 1}" for k in range(len(scores))]
    w = _letter(vector.name, "z").lower()
    spec: dict[str, object] = {"name": "inferred", "inputs": ["x"], "outputs": outputs}
    spec["nodes"] = {o: {} for o in outputs}
    spec["edges"] = [{"from": "x", "to": o, "weight": f"{w}{k + 1}"} for k, o in enumerate(outputs)]
    spec["parameters"] = {f"{w}{k + 1}": v for k, v in enumerate(scores)}
    spec["loss"] = "softmax_cross_entropy"
    notes = [
        f"the page takes the softmax of the scores {vector.name or 'it lists'}: the logits of softmax"
        " cross-entropy, as linear outputs fed by one input 1 through weights equal to the scores"
    ]
    targets = _targets(matrices, text, 1, len(scores))
    if targets is None:
        notes.append("no target is given: a one-hot placeholder on the largest score, which no number depends on")
    wanted = (
        dict(zip(outputs, targets[0], strict=True))
        if targets
        else _placeholder(outputs, "softmax_cross_entropy", scores)
    )
    spec["data"] = [{"inputs": {"x": 1.0}, "targets": wanted}]
    if rate is not None:
        spec["training"] = {"learning_rate": rate}
    return MatrixNetwork(spec, notes)


def layer_product(text: str, rate: float | None) -> MatrixNetwork | None:
    """The network of a page that writes its layer as ``[inputs] · [weights]``, or None."""
    matrices = read_matrices(text)
    product = first_product(text, matrices)
    return _layer(product, text, matrices, rate) if product else None


def softmax_of_scores(text: str, rate: float | None) -> MatrixNetwork | None:
    """The network of a page that takes the softmax of a vector it gives, or None."""
    if not re.search(r"softmax", text, re.I):
        return None
    return _scores(read_matrices(text), text, rate)
