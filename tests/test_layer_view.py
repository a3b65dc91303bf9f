"""The layer view: one box per layer, weight heatmaps, mean |δ| and gradient norms, shaped inputs."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import graphengine
from graphengine._util.numfmt import diagram_number as number
from graphengine.cli import main
from graphengine.views.diagram.heatmap import colours
from graphengine.views.diagram.layer_view import LAYER_VIEW_EDGES, choose_view, to_layer_dot

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def boxes(dot: str) -> dict[str, str]:
    """Box id → its DOT line (the layer boxes only)."""
    return {m.group(1): line for line in dot.splitlines() if (m := re.match(r'\s+"(layer \d+)" \[label=<', line))}


def box_edges(dot: str) -> list[tuple[str, str, str]]:
    return re.findall(r'"(layer \d+)" -> "(layer \d+)" \[label="([^"]*)"', dot)


def cells(line: str) -> list[str]:
    return re.findall(r'<TD BGCOLOR="(#[0-9a-f]{6})" WIDTH', line)


def layered_spec(rng: np.random.Generator, shape: list[int] | None = None) -> tuple[str, list[tuple[str, int, str]]]:
    """A random chain of dense layers (and sometimes a skip connection) with inline data."""
    n_in = int(np.prod(shape)) if shape else int(rng.integers(1, 9))
    sizes = [int(rng.integers(1, 21)) for _ in range(int(rng.integers(1, 5)))]
    acts = [str(rng.choice(["tanh", "sigmoid", "relu", "identity"])) for _ in sizes]
    layers, names, sources = [], [], "x"
    for i, (size, act) in enumerate(zip(sizes, acts)):
        name = f"L{i}"
        source = sources
        if i >= 2 and rng.random() < 0.5:
            source = f"[{names[i - 1]}, x]"  # a skip connection from the inputs
        layers.append(f"  - {{name: {name}, size: {size}, from: {source}, activation: {act}, seed: {i}}}")
        names.append(name)
        sources = name
    shape_text = f", shape: {shape}" if shape else ""
    samples = "\n".join(
        "  - {inputs: {"
        + ", ".join(f"x_{k}: {v:.3f}" for k, v in enumerate(rng.normal(size=n_in)))
        + "}, targets: {"
        + ", ".join(f"{names[-1]}_{k}: {v:.3f}" for k, v in enumerate(rng.normal(size=sizes[-1])))
        + "}}"
        for _ in range(int(rng.integers(1, 4)))
    )
    text = (
        f"name: gen\ninputs: [{{name: x, size: {n_in}{shape_text}}}]\nlayers:\n"
        + "\n".join(layers)
        + f"\noutputs: [{names[-1]}]\nloss: mse\ndata:\n{samples}\n"
    )
    return text, list(zip(names, sizes, acts))


@pytest.mark.parametrize("seed", range(12))
def test_one_box_per_layer_with_its_numbers(seed):
    rng = np.random.default_rng(seed)
    text, layers = layered_spec(rng, shape=[2, 3] if seed % 3 == 0 else None)
    net = graphengine.Network.from_yaml(text)
    trace = net.trace()
    dot = to_layer_dot(net, trace)
    found = boxes(dot)
    assert len(found) == 1 + len(layers)  # the input layer, then every dense layer
    G, spec = net.graph, net.spec
    n_in = len(spec.inputs)
    for k, (name, size, act) in enumerate(layers, start=1):
        line = found[f"layer {k}"]
        assert f"<B>{name}</B>" in line and f">{size}</FONT>" in line and act in line
        nodes = spec.layer_nodes[name]
        refs = spec.layers[k - 1].source
        sources = [
            u for ref in ([refs] if isinstance(refs, str) else refs) for u in spec.layer_nodes[ref]
        ]  # `from` order
        grid = cells(line)
        assert len(grid) == size * len(sources)  # every weight is a cell (all matrices here are small)
        # Rows are the layer's neurons, columns its sources: cell colour follows the weight's sign.
        W = np.array([[trace.values[f"{u}->{v}"] for u in sources] for v in nodes])
        for colour, w in zip(grid, W.ravel()):
            r, b = int(colour[1:3], 16), int(colour[5:7], 16)
            if abs(w) > 1e-3 * np.abs(W).max():
                assert (r > b) == (w > 0), (colour, w)
        # mean |δ| of the batch loss over the layer's neurons; gradient norm of its weights and biases.
        columns = [net.plan.index[v] for v in nodes]
        delta = np.abs(trace.backward.dnet[:, columns].sum(axis=0)).mean()
        names = [f"{u}->{v}" for u in sources for v in nodes] + [f"{v}.bias" for v in nodes]
        norm = np.sqrt(sum(trace.gradients[p] ** 2 for p in names))
        assert f"mean |δ| <B>{number(float(delta))}</B>" in line
        assert f"‖∂E/∂θ‖ <B>{number(float(norm))}</B>" in line
    # One arrow per (feeding box, layer), labelled with the number of weights it carries.
    expected = set()
    member = {v: f"layer {k}" for k, (name, _, _) in enumerate(layers, start=1) for v in spec.layer_nodes[name]}
    member.update({v: "layer 0" for v in spec.inputs})
    for u, v in G.edges:
        expected.add((member[u], member[v]))
    edges = box_edges(dot)
    assert {(a, b) for a, b, _ in edges} == expected and len(edges) == len(expected)
    for a, b, label in edges:
        count = sum(1 for u, v in G.edges if member[u] == a and member[v] == b)
        assert label.startswith(f"{count:,} weights")
    if seed % 3 == 0:  # the shaped input is a picture of sample 0: one grey cell per input
        picture = cells(found["layer 0"])
        assert len(picture) == n_in and all(c[1:3] == c[3:5] == c[5:7] for c in picture)


def test_digits_has_one_box_per_layer_in_dot_and_svg(tmp_path):
    net = graphengine.load("specs/digits.yaml")
    dot = to_layer_dot(net, net.trace())
    found = boxes(dot)
    assert [re.search(r"<B>([^<]+)</B>", line).group(1) for line in found.values()] == ["pixel", "hidden", "digit"]
    assert "8 × 8" in found["layer 0"] and len(cells(found["layer 0"])) == 64  # the 8×8 image
    assert len(cells(found["layer 1"])) == 32 * 64  # 32 tiles of 8×8 weights
    assert len(cells(found["layer 2"])) == 10 * 32
    assert [(a, b) for a, b, _ in box_edges(dot)] == [("layer 0", "layer 1"), ("layer 1", "layer 2")]
    if shutil.which("dot"):
        svg = tmp_path / "digits.svg"
        assert main(["render", "specs/digits.yaml", "-o", str(svg)]) == 0  # automatic above 300 edges
        text = svg.read_text()
        assert text.count('class="node layer"') == 3 and text.count('class="node loss"') == 1
        assert text.count('class="edge"') == 3  # two between layers, one into the loss


@needs_dot
@pytest.mark.parametrize("suffix", [".png", ".pdf", ".svg"])
def test_digits_fits_a_16_9_slide_in_every_format(tmp_path, suffix):
    out = tmp_path / f"digits{suffix}"
    assert main(["render", "specs/digits.yaml", "-o", str(out)]) == 0
    data = out.read_bytes()
    if suffix == ".png":
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width <= 1920 and height <= 1080  # 13.33 × 7.5 in at 144 dpi: a 16:9 slide
        assert width > 1000  # and it uses the slide's width
    elif suffix == ".pdf":
        assert data.startswith(b"%PDF")
        # 13.33 in = 960 pt of drawing, plus the 36 pt margins of Graphviz's PDF page on both sides
        assert int(re.search(rb"/MediaBox \[ ?0 0 (\d+)", data).group(1)) <= 960 + 72
    else:
        assert b'class="node layer"' in data


def test_auto_view_and_overrides(tmp_path):
    digits, iris = graphengine.load("specs/digits.yaml"), graphengine.load("specs/iris_4883.yaml")
    assert digits.graph.number_of_edges() > LAYER_VIEW_EDGES >= iris.graph.number_of_edges()
    assert choose_view(digits) == "layers" and choose_view(iris) == "neurons"
    assert choose_view(iris, "layers") == "layers" and choose_view(digits, "neurons") == "neurons"
    neurons, layers = tmp_path / "n.dot", tmp_path / "l.dot"
    assert main(["render", "specs/digits.yaml", "--neurons", "-o", str(neurons)]) == 0
    assert main(["render", "specs/iris_4883.yaml", "--layers", "-o", str(layers)]) == 0
    assert "layer view" not in neurons.read_text() and neurons.read_text().count(" -> ") > 2368
    iris_boxes = boxes(layers.read_text())
    names = [re.search(r"<B>([^<]+)</B>", line).group(1) for line in iris_boxes.values()]
    assert names == ["x1 … x4", "a1 … a8", "b1 … b8", "setosa … virginica"]  # plain nodes grouped by depth


def test_structure_only_without_data(tmp_path):
    text = open("specs/digits.yaml").read().split("\ndata:")[0].replace("validation_split", "x")
    net = graphengine.Network.from_yaml(text + "\n")
    dot = to_layer_dot(net, None)
    assert len(boxes(dot)) == 3 and "structure only" in dot and "mean |δ|" not in dot


def test_colours():
    got = colours(np.array([[1.0, -1.0, 0.0, np.nan, 5.0]]), 1.0)[0].tolist()
    assert got == ["#b35806", "#542788", "#f7f7f7", "#d9d9d9", "#b35806"]  # orange, purple, white, no edge, clipped


def test_bad_shape_and_sample(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(open("specs/digits.yaml").read().replace("shape: [8, 8]", "shape: [8, 7]"))
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "inputs[0]: shape 8 × 7 holds 56 values but the layer has size 64" in err
    assert main(["render", "specs/digits.yaml", "--sample", "5000", "-o", str(tmp_path / "d.svg")]) == 2
    assert "sample 5000 does not exist: 1617 sample(s)" in capsys.readouterr().err
    assert not (tmp_path / "d.svg").exists()


def test_pooling_averages_blocks_and_skips_missing_edges():
    from graphengine.views.diagram.heatmap import pool

    matrix = np.array([[1.0, 3.0, 5.0], [np.nan, 2.0, 7.0], [4.0, np.nan, np.nan]])
    # limit 2: blocks of 2×2 (the last row and column padded with "no edge")
    assert pool(matrix, limit=2).tolist() == [[2.0, 6.0], [4.0, pytest.approx(np.nan, nan_ok=True)]]
    assert pool(matrix, limit=3) is matrix  # small enough: drawn cell for cell


def test_a_big_layer_is_drawn_in_at_most_64_by_64_cells():
    text = "inputs: [{name: x, size: 300}]\nlayers:\n  - {name: h, size: 130, from: x}\noutputs: [h]\n"
    dot = to_layer_dot(graphengine.Network.from_yaml(text))
    line = boxes(dot)["layer 1"]
    # 130 neurons in blocks of 3 → 44 rows (the last block holds one), 300 inputs in blocks of 5 → 60 columns
    assert len(cells(line)) == 44 * 60
    assert "of 44×60 block means" in line
