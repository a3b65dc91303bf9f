"""`graphengine explain`: the worked example's derivation, written by the engine.

Expected numbers are computed here from the hand formulas in float64 (sigmoid, the
half squared error, the chain rule) or by central finite differences, then rounded
with plain format strings, independently of graphengine's own rounding.
"""

import math
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

import graphengine
from graphengine.views.derivation.explain import explain

SPEC = "specs/doc_example.yaml"
ROOT = Path(__file__).resolve().parents[2]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# The worked example by hand.
NET_H1 = 0.15 * 0.05 + 0.20 * 0.10 + 0.35
NET_H2 = 0.25 * 0.05 + 0.30 * 0.10 + 0.35
H1, H2 = sigmoid(NET_H1), sigmoid(NET_H2)
O1, O2 = sigmoid(0.40 * H1 + 0.45 * H2 + 0.60), sigmoid(0.50 * H1 + 0.55 * H2 + 0.60)
DOUT_O1, DOUT_O2 = O1 - 0.01, O2 - 0.99
DACT_O1, DACT_O2 = O1 * (1 - O1), O2 * (1 - O2)
DNET_O1, DNET_O2 = DOUT_O1 * DACT_O1, DOUT_O2 * DACT_O2
DOUT_H1 = DNET_O1 * 0.40 + DNET_O2 * 0.50


def f4(x: float) -> str:
    return f"{x:.4f}".rstrip("0")


@pytest.fixture(scope="module")
def doc_text() -> str:
    net = graphengine.load(SPEC)
    return explain(net, net.trace()).render("text")


def test_forward_pass_with_numbers_substituted(doc_text):
    assert "net_h1 = w1·i1 + w2·i2 + b1 = 0.15×0.05 + 0.2×0.1 + 0.35 = 0.3775" in doc_text
    assert f"out_h1 = sigmoid(net_h1) = 1/(1 + e^(−net_h1)) = 1/(1 + e^(−0.3775)) = {f4(H1)}" in doc_text
    assert f"net_h2 = w3·i1 + w4·i2 + b1 = 0.25×0.05 + 0.3×0.1 + 0.35 = {f4(NET_H2)}" in doc_text
    assert f4(NET_H2) == "0.3925"  # the seed page's 0.39 swapped i1 and i2


def test_loss_terms_and_total(doc_text):
    e1, e2 = 0.5 * (0.01 - O1) ** 2, 0.5 * (0.99 - O2) ** 2
    assert f"E_o1 = ½(t_o1 − out_o1)² = ½(0.01 − {f4(O1)})² = {f4(e1)}" in doc_text
    assert f"E = E_o1 + E_o2 = {f4(e1)} + {f4(e2)} = {f4(e1 + e2)}" in doc_text
    assert f4(e1 + e2) == "0.2984"


def test_output_weight_pieces_product_and_update(doc_text):
    assert f"piece 1: ∂E/∂out_o1 = out_o1 − t_o1 = {f4(O1)} − 0.01 = {f4(DOUT_O1)}" in doc_text
    assert f"piece 2: ∂out_o1/∂net_o1 = out_o1 (1 − out_o1) = {f4(O1)} · (1 − {f4(O1)}) = {f4(DACT_O1)}" in doc_text
    assert f"piece 3: ∂net_o1/∂w5 = out_h1 = {f4(H1)}" in doc_text
    grad = DOUT_O1 * DACT_O1 * H1
    assert f"∂E/∂w5 = {f4(DOUT_O1)} × {f4(DACT_O1)} × {f4(H1)} = {f4(grad)}" in doc_text
    assert f4(grad) == "0.0822"
    assert f"w5' = w5 − η·∂E/∂w5 = 0.4 − 0.5 × 0.0822 = {f4(0.4 - 0.5 * grad)}" in doc_text
    assert f4(0.4 - 0.5 * grad) == "0.3589"


def test_three_digits_give_the_pages_pieces():
    # The page writes 0.741 × 0.186 × 0.593; rounding the exact ∂out/∂net = 0.18682 gives
    # 0.187 (the page truncated), the other two pieces agree.
    net = graphengine.load(SPEC)
    text = explain(net, net.trace(), params=["w5"], digits=3).render("text")
    pieces = f"{DOUT_O1:.3f} × {DACT_O1:.3f} × {H1:.3f}"
    assert pieces == "0.741 × 0.187 × 0.593"
    assert f"∂E/∂w5 = {pieces} = 0.082" in text


def test_hidden_weight_expands_over_both_paths(doc_text):
    block = doc_text.split("∂E/∂w1\n")[1].split("∂E/∂w2\n")[0]
    assert "chain rule: ∂E/∂w1 = ∂E/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1" in block
    # both downstream deltas, each with its own numbers ...
    assert f"∂E/∂net_o1 = ∂E/∂out_o1 × ∂out_o1/∂net_o1 = {f4(DOUT_O1)} × {f4(DACT_O1)} = {f4(DNET_O1)}" in block
    assert f"∂E/∂net_o2 = ∂E/∂out_o2 × ∂out_o2/∂net_o2 = ({f4(DOUT_O2)}) × {f4(DACT_O2)} = {f4(DNET_O2)}" in block
    # ... then the sum over the paths through o1 and o2
    assert (
        f"piece 1: ∂E/∂out_h1 = ∂E/∂net_o1·w5 + ∂E/∂net_o2·w7 = {f4(DNET_O1)} × 0.4 + ({f4(DNET_O2)}) × 0.5 "
        f"= {f4(DOUT_H1)}"
    ) in block
    grad_w1 = DOUT_H1 * H1 * (1 - H1) * 0.05
    assert f"∂E/∂w1 = {f4(DOUT_H1)} × {f4(H1 * (1 - H1))} × 0.05 = {grad_w1:.3g}" in block
    assert f"w1' = w1 − η·∂E/∂w1 = 0.15 − 0.5 × {grad_w1:.3g} = {f4(0.15 - 0.5 * grad_w1)}" in doc_text


def test_shared_bias_sums_its_uses(doc_text):
    block = doc_text.split("∂E/∂b2\n")[1].split("Update\n")[0]
    assert "b2 is the bias of o1 and the bias of o2." in block
    assert (
        "chain rule, summed over the 2 uses of b2: ∂E/∂b2 = ∂E/∂net_o1 · ∂net_o1/∂b2 + ∂E/∂net_o2 · ∂net_o2/∂b2"
        in block
    )
    assert f"∂E/∂b2 = {f4(DNET_O1)} × 1 + ({f4(DNET_O2)}) × 1 = {f4(DNET_O1 + DNET_O2)}" in block
    assert "b2 is frozen (trainable: false): it keeps its value 0.6." in doc_text


def _loss_at(net, name: str, value: float) -> float:
    theta = net.theta.copy()
    net.theta[net.plan.parameter_index[name]] = value
    try:
        return net.loss()
    finally:
        net.theta = theta


def test_shared_weight_over_two_samples_matches_finite_differences():
    net = graphengine.load("specs/skip_shared.yaml")
    text = explain(net, net.trace(), params=["w"]).render("text")
    h = 1e-6
    fd = (_loss_at(net, "w", 0.5 + h) - _loss_at(net, "w", 0.5 - h)) / (2 * h)
    assert "w is the weight of the edge x1 → h1 and the weight of the edge x2 → h2." in text
    assert "chain rule, summed over the 2 uses of w" in text
    line = next(x for x in text.splitlines() if "all samples: ∂E/∂w = Σ over the 2 samples" in x)
    assert line.endswith(f"= {f4(fd)}")
    # the two sample contributions shown add up to the gradient
    terms = re.findall(r"-?\d+\.\d+", line.split("samples =")[1].rsplit("=", 1)[0])
    assert sum(float(t) for t in terms) == pytest.approx(fd, abs=2e-4)


def test_plugin_activation_and_loss_appear_with_their_names(cli):
    ran = cli("explain", "specs/plugins_demo.yaml", "--node", "h1")
    assert ran.code == 0
    out = ran.out
    assert "out_h1 = swish(net_h1; beta=1.5) = net_h1 σ(β net_h1) = 0.8 · σ(1.5 · 0.8) =" in out
    assert "(1/3)·(∂huber/∂out_o1)" in out  # a plugin loss without a gradient formula
    assert "all samples: ∂E/∂h1.bias = Σ over the 3 samples" in out


def _big_spec(tmp_path):
    lines = ["name: big", "inputs: [a, b, c, d]", "outputs: [y1, y2]", "nodes:"]
    hidden = [f"h{i}" for i in range(8)]
    lines += [f"  {h}: {{activation: tanh, bias: 0.1}}" for h in hidden]
    lines += ["  y1: {bias: 0.0}", "  y2: {bias: 0.0}", "edges:"]
    lines += [f"  - {{from: {x}, to: {h}, weight: 0.1}}" for x in "abcd" for h in hidden]
    lines += [f"  - {{from: {h}, to: {y}, weight: -0.2}}" for h in hidden for y in ("y1", "y2")]
    lines += ["data:", "  - inputs: {a: 1, b: 2, c: 3, d: 4}", "    targets: {y1: 0, y2: 1}"]
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_large_network_gets_a_summary_that_says_how_to_focus(tmp_path, cli):
    path = _big_spec(tmp_path)
    ran = cli("explain", path)
    assert ran.code == 0
    out = ran.out
    assert "This network has 58 parameters" in out
    assert f"graphengine explain {path} --param" in out and "--node" in out
    assert "Forward pass" not in out
    ran = cli("explain", path, "--param", "h3->y2")
    assert ran.code == 0
    focused = ran.out
    assert "∂E/∂h3->y2" in focused and "h3->y2' = " in focused
    ran = cli("explain", path, "--all")
    assert ran.code == 0
    assert "Forward pass" in ran.out


# --------------------------------------------------------------------------- markdown and LaTeX


def _math_blocks(markdown: str) -> list[str]:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    tokens = MarkdownIt("commonmark").enable("table").use(dollarmath_plugin).parse(markdown)
    blocks = [t.content for t in tokens if t.type == "math_block"]
    inline = [t for t in tokens if t.type == "inline" and "$$" in t.content]
    assert not inline, "a $$ block was not recognised as display maths"
    return blocks


def _check_latex_math(source: str) -> None:
    from pylatexenc.latexwalker import LatexEnvironmentNode, LatexWalker

    assert source.count("{") == source.count("}"), source
    nodes, _, _ = LatexWalker(source, tolerant_parsing=False).get_latex_nodes()
    for node in nodes:
        if isinstance(node, LatexEnvironmentNode):
            assert node.environmentname == "aligned"


@pytest.mark.parametrize("spec", [SPEC, "specs/skip_shared.yaml"])
def test_markdown_has_one_parsable_math_block_per_equation(spec):
    net = graphengine.load(spec)
    doc = explain(net, net.trace())
    markdown = doc.render("markdown")
    blocks = _math_blocks(markdown)
    equations = [item for item in doc.items if type(item).__name__ == "Eq"]
    assert len(blocks) == len(equations) > 20
    for block in blocks:
        _check_latex_math(block)
    if spec == SPEC:
        assert any(r"\frac{\partial E}{\partial w_{5}}" in b and "0.0822" in b for b in blocks)
        assert "| w5 | 0.4 | 0.0822 | 0.3589 |  |" in markdown


@pytest.mark.parametrize("bad", [r"\frac{a}{b", r"\begin{aligned} a &= b \end{array}"])
def test_the_latex_check_catches_broken_maths(bad):
    with pytest.raises(Exception):  # noqa: B017 - either the brace count or pylatexenc
        _check_latex_math(bad)


def test_latex_is_a_standalone_document(tmp_path, cli):
    out = tmp_path / "doc.tex"
    assert cli("explain", SPEC, "--format", "latex", "-o", out).code == 0
    tex = out.read_text()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    for env in ("document", "aligned", "tabular", "center"):
        assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") > 0
    assert tex.count(r"\[") == tex.count(r"\]")
    assert all(ord(c) < 128 for c in tex), "pdflatex needs ASCII here"
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


# --------------------------------------------------------------------------- CLI


def test_output_file_equals_terminal_output(tmp_path, cli):
    ran = cli("explain", SPEC, "--param", "w5", "--param", "w1")
    assert ran.code == 0
    printed = ran.out
    out = tmp_path / "w.txt"
    assert cli("explain", SPEC, "--param", "w5", "--param", "w1", "-o", out).code == 0
    assert out.read_text() == printed
    assert printed.index("∂E/∂w5\n") < printed.index("∂E/∂w1\n")  # in the order asked
    assert "∂E/∂w2\n" not in printed


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--param", "w55"],
            "--param: unknown parameter `w55`; did you mean `w5`? (choose from w1, w2, w3, w4, w5, w6, w7, w8, b1, b2)",
        ),
        (["--node", "hh1"], "--node: unknown node `hh1`; did you mean `h1`? (choose from i1, i2, h1, h2, o1, o2)"),
        (["--sample", "4"], "sample 4 does not exist (the spec has 1 sample(s); valid: 0)"),
    ],
)
def test_bad_focus_is_a_one_line_error(tmp_path, cli, args, message):
    out = tmp_path / "never.md"
    ran = cli("explain", SPEC, *args, "-o", out)
    assert ran.code == 2
    err = ran.err
    assert err == f"error: {message}\n"
    assert not out.exists()


def test_python_api():
    net = graphengine.load(SPEC)
    text = net.explain(params=["w5"])
    assert f"∂E/∂w5 = {f4(DOUT_O1)} × {f4(DACT_O1)} × {f4(H1)} = 0.0822" in text
    assert net.explain(params=["w5"], format="markdown").count("$$") % 2 == 0
    assert [(v.name, v.reason) for v in net.check("specs/doc_example_hand.yaml") if not v.right] == [
        ("net_h2", "swapped"),
        ("net_o2", "rounding"),
    ]


# --------------------------------------------------------------------------- readable on large and multi-sample specs


def test_summary_suggests_a_command_the_shell_can_run(tmp_path, cli):
    import shlex

    path = "specs/digits.yaml"
    ran = cli("explain", path)
    assert ran.code == 0
    out = ran.out
    # The suggestion names the parameter with the largest gradient; unquoted, its `>` would
    # make the shell redirect the output into a file.
    net = graphengine.load(path)
    grads = net.trace().gradients
    top = max(grads, key=lambda p: abs(grads[p]))
    assert "->" in top
    command = re.search(r"`(graphengine explain [^`]*--param [^`]*)`", out)[1]
    assert shlex.split(command) == ["graphengine", "explain", str(path), "--param", top]


def test_long_input_lists_are_shortened_in_the_header(cli):
    ran = cli("explain", "specs/digits.yaml")
    assert ran.code == 0
    out = ran.out
    assert "Inputs pixel_0, pixel_1," in out and "… (53 more), pixel_63; outputs" in out
    assert "pixel_30" not in out


def test_sample_terms_add_up_to_the_printed_gradient_despite_cancellation(cli):
    # xor: ∂E/∂w(a→h1) is 0 + 0 − 0.0305663 + 0.0304198 = −0.000147 (hand formulas below);
    # at 4 decimals the terms −0.0306 + 0.0304 would suggest −0.0002.
    ran = cli("explain", "specs/xor.yaml")
    assert ran.code == 0
    out = ran.out
    sums = re.findall(r"all samples: ∂E/∂(\S+) = Σ over the 4 samples = (.+) = (\S+)\n", out)
    assert len(sums) == 13
    for _, terms, total in sums:
        values = [float(t.strip("()")) for t in terms.split(" + ")]
        unit = 10.0 ** -len(total.split(".")[1])
        assert abs(sum(values) - float(total)) <= 1.5 * unit, (terms, total)
    by_name = {name: (terms, total) for name, terms, total in sums}
    # hand: sample 2 (a=1, b=0, t=1) and 3 (a=1, b=1, t=0) of tanh hidden, sigmoid output, BCE mean
    h = [math.tanh(0.6), math.tanh(0.7), math.tanh(-0.4)], [math.tanh(0.2), math.tanh(1.5), math.tanh(0.2)]
    parts = []
    for hidden, t in zip(h, (1.0, 0.0)):
        y = sigmoid(0.3 * hidden[0] - 0.5 * hidden[1] + 0.4 * hidden[2])
        parts.append((y - t) / 4 * 0.3 * (1 - hidden[0] ** 2))
    terms, total = by_name["a->h1"]
    assert float(total) == pytest.approx(sum(parts), abs=1e-6)
    assert [float(t.strip("()")) for t in terms.split(" + ")][2:] == pytest.approx(parts, abs=1e-6)


def test_latex_and_markdown_keep_commands_as_code(tmp_path, cli):
    path = _big_spec(tmp_path)
    ran = cli("explain", path, "--format", "latex")
    assert ran.code == 0
    tex = ran.out
    assert r"\texttt{graphengine explain" in tex and "-{}-param" in tex and "-{}-all" in tex
    assert "--" not in tex.replace("---", "")  # pdflatex would print an en dash
    ran = cli("explain", "specs/digits.yaml", "--format", "markdown")
    assert ran.code == 0
    markdown = ran.out
    assert re.search(r"`graphengine explain \S+ --param '[^']+'`", markdown)


def test_piecewise_plugin_loss_reads_otherwise_not_if_otherwise(cli):
    ran = cli("explain", "specs/plugins_demo.yaml")
    assert ran.code == 0
    out = ran.out
    assert "δ (|y_k − t_k| − ½δ) otherwise" in out and "if otherwise" not in out


def test_option_names_in_prose_are_code_so_pandoc_keeps_the_double_dash(cli):
    ran = cli("explain", "specs/xor.yaml", "--format", "markdown", "--param", "y.bias")
    assert ran.code == 0
    assert "(use `--sample K` to see another sample's pieces)" in ran.out


DEEP = """\
name: deep
inputs: [x]
outputs: [y, z]
nodes:
  h1: {activation: tanh, bias: 0.1}
  h2: {activation: sigmoid, bias: -0.2}
  y: {activation: sigmoid, bias: 0.05}
  z: {bias: 0.0}
edges:
  - {from: x, to: h1, weight: a}
  - {from: h1, to: h2, weight: 0.8}
  - {from: h2, to: y, weight: 0.6}
  - {from: h1, to: y, weight: -0.5}
  - {from: h2, to: z, weight: a}
parameters: {a: 0.7}
loss: half_squared_error
data:
  - {inputs: {x: 1.5}, targets: {y: 0.3, z: 0.9}}
  - {inputs: {x: -0.5}, targets: {y: 0.8, z: -0.1}}
training: {learning_rate: 0.2}
"""


def test_skip_path_of_another_length_is_one_more_term_of_dE_dout(tmp_path, cli):
    # h1 feeds h2 (then y and z) and, skipping h2, y itself: ∂E/∂out_h1 has one term per edge out
    # of h1, each with its own ∂E/∂net. `a` is also shared (x→h1 and h2→z). Hand formulas, mean of 2.
    path = tmp_path / "deep.yaml"
    path.write_text(DEEP)
    ran = cli("explain", path, "--param", "a")
    assert ran.code == 0
    out = ran.out

    def sample(x: float, ty: float, tz: float, a: float = 0.7) -> tuple[float, ...]:
        h1 = math.tanh(a * x + 0.1)
        h2 = sigmoid(0.8 * h1 - 0.2)
        y = sigmoid(0.6 * h2 - 0.5 * h1 + 0.05)
        z = a * h2
        d_y = (y - ty) / 2 * y * (1 - y)
        d_z = (z - tz) / 2
        d_h2 = (d_y * 0.6 + d_z * a) * h2 * (1 - h2)
        dout_h1 = d_h2 * 0.8 + d_y * -0.5
        grad = dout_h1 * (1 - h1 * h1) * x + d_z * h2
        return d_y, d_h2, dout_h1, grad, 0.5 * (y - ty) ** 2 + 0.5 * (z - tz) ** 2

    d_y, d_h2, dout_h1, grad0, _ = sample(1.5, 0.3, 0.9)
    grad1 = sample(-0.5, 0.8, -0.1)[3]
    line = f"∂E/∂out_h1 = ∂E/∂net_h2·h1->h2 + ∂E/∂net_y·h1->y = ({f4(d_h2)}) × 0.8 + {f4(d_y)} × (-0.5) = "
    assert line + f4(dout_h1) in out
    assert "sample 0's contribution: ∂E/∂a = " in out and f"= {f4(grad0)}\n" in out
    assert f"= Σ over the 2 samples = {f4(grad0)} + {f4(grad1)} = {f4(grad0 + grad1)}" in out
    # and the sum is the derivative of the mean loss: a central difference in float64
    h = 1e-6
    loss = lambda a: sum(sample(x, ty, tz, a)[4] for x, ty, tz in ((1.5, 0.3, 0.9), (-0.5, 0.8, -0.1))) / 2  # noqa: E731
    assert grad0 + grad1 == pytest.approx((loss(0.7 + h) - loss(0.7 - h)) / (2 * h), rel=1e-7)


def test_sample_out_of_range_says_which_are_valid(cli):
    ran = cli("explain", "specs/xor.yaml", "--sample", "4")
    assert ran.code == 2
    assert ran.err == "error: sample 4 does not exist (the spec has 4 sample(s); valid: 0 to 3)\n"


def test_latex_code_keeps_straight_quotes_for_the_shell(cli):
    ran = cli("explain", "specs/digits.yaml", "--format", "latex")
    assert ran.code == 0
    tex = ran.out
    assert r"-{}-param \textquotesingle{}hidden\_30-\textgreater{}digit\_6\textquotesingle{}}" in tex


# --------------------------------------------------------------------------- plugins in explanations


def test_explain_names_the_gradient_of_a_plugin_loss_without_a_formula(tmp_path, cli):
    # A loss plugin that gives no gradient_formula: the markdown/LaTeX still reads ∂hinge/∂out_y.
    plugin = tmp_path / "hinge.py"
    plugin.write_text(
        textwrap.dedent(
            '''
            import numpy as np
            from graphengine import loss

            @loss
            def hinge(y, t, margin=1.0):
                """Hinge loss summed over outputs, targets ±1."""
                return np.sum(np.maximum(0.0, margin - t * y), axis=1)

            @hinge.gradient
            def hinge(y, t, margin=1.0):
                return np.where(margin - t * y > 0, -t, 0.0)
            '''
        )
    )
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes: {y: {bias: 0.1}}\nedges: [{from: x, to: y, weight: 0.5}]\n"
        "loss: hinge\ndata: [{inputs: {x: 1.0}, targets: {y: 1.0}}]\n"
    )
    ran = cli("explain", spec, "--plugins", plugin, "--format", "markdown")
    assert ran.code == 0
    out = ran.out
    # y = 0.6 (margin − t·y = 0.4 > 0), so ∂hinge/∂y = −t = −1.
    assert (
        r"\frac{\partial E}{\partial \mathrm{out}_{y}} = \frac{\partial\,\operatorname{hinge}}{\partial \mathrm{out}_{y}} = -1"
        in out
    )
    ran = cli("explain", spec, "--plugins", plugin)
    assert ran.code == 0
    assert "∂E/∂out_y = ∂hinge/∂out_y = -1" in ran.out


def test_plugin_descriptions_keep_plus_minus_and_accented_letters_in_latex():
    # Plugin docstrings are free text: ± and accented letters must not become "?" for pdflatex.
    from graphengine.views.derivation.mathfmt import escape_tex_text

    assert escape_tex_text("Hinge loss, targets ±1 (Clevert, Hüber, café)") == (
        r"Hinge loss, targets $\pm$1 (Clevert, Huber, cafe)"
    )
    assert escape_tex_text("中") == "?"


README_ELU = '''
import numpy as np

from graphengine import activation


@activation(
    formula=r"\\begin{cases} x & x > 0 \\\\ \\alpha (e^x - 1) & x \\le 0 \\end{cases}",
    derivative_formula=r"\\begin{cases} 1 & x > 0 \\\\ f(x) + \\alpha & x \\le 0 \\end{cases}",
)
def elu(x, alpha=1.0):
    """ELU (Clevert et al. 2015): x for x > 0, alpha·(e^x − 1) otherwise."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


@elu.derivative
def elu(x, y, alpha=1.0):
    return np.where(x > 0, 1.0, y + alpha)
'''


def test_latex_of_the_readme_elu_plugin(tmp_path, cli):
    # The docs' own plugin (how-to/write-my-own-activation.md): e^x with x → net_h must stay one superscript, e^{\mathrm{net}_{h}}
    # (not e^\mathrm{net}_{h}, which subscripts e), and its parameter reads α = 0.5, not a·l·p·h·a.
    plugin = tmp_path / "my_activations.py"
    plugin.write_text(README_ELU)
    spec = tmp_path / "elu_net.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes:\n  h: {activation: {name: elu, alpha: 0.5}, bias: 0.1}\n"
        "  y: {activation: identity}\nedges:\n  - {from: x, to: h, weight: 0.8}\n  - {from: h, to: y, weight: 1.5}\n"
        "loss: mse\ndata:\n  - inputs: {x: -1.0}\n    targets: {y: 0.2}\n"
    )
    ran = cli("explain", spec, "--plugins", plugin, "--format", "latex")
    assert ran.code == 0
    tex = ran.out
    assert r"\alpha (e^{\mathrm{net}_{h}} - 1)" in tex
    assert r"\operatorname{elu}(\mathrm{net}_{h};\ \alpha=0.5)" in tex
    assert r"\operatorname{elu}(-0.7;\ \alpha=0.5)" in tex
    # A parameter that is no Greek letter's name is upright.
    ran = cli("explain", ROOT / "specs" / "plugins_demo.yaml", "--format", "latex")
    assert ran.code == 0
    assert r"\operatorname{scaled\_tanh}(\mathrm{net}_{h3};\ \mathrm{a}=1.7159;\ \mathrm{b}=0.6667)" in ran.out
