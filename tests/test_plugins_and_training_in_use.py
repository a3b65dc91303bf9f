"""Training and plugins as a user meets them: NaN stops, Ctrl-C, the progress bar, plugin losses in explanations, plugin errors."""

import math
import re
import textwrap
from pathlib import Path

from graphengine.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_nan_stop_names_the_output_whose_loss_overflowed(tmp_path, capsys):
    # y = w·h with h = x = 3 (frozen weight 1) and mse: every node stays finite while (y − t)² overflows.
    # The same recurrence in Python floats gives the epoch and the output value at that epoch.
    path = tmp_path / "diverge.yaml"
    path.write_text(
        "inputs: [x]\nnodes: {h: {}, y: {}}\n"
        "edges: [{from: x, to: h, weight: one}, {from: h, to: y, weight: w}]\n"
        "parameters: {w: 1.0, one: {value: 1.0, trainable: false}}\n"
        "outputs: [y]\nloss: mse\ndata: [{inputs: {x: 3.0}, targets: {y: 1.0}}]\n"
    )
    w, epoch = 1.0, 0
    while True:
        epoch += 1
        w = w - 1000.0 * 2 * (w * 3 - 1) * 3
        if not math.isfinite((w * 3 - 1) * (w * 3 - 1)):  # float * float gives inf, ** would raise
            break
    assert math.isfinite(w * 3)
    assert main(["train", str(path), "--epochs", "1000", "--lr", "1000"]) == 2
    err = capsys.readouterr().err
    assert (
        f"epoch {epoch}: the loss became inf although every node value is finite: the loss of sample 0 "
        f"overflowed at output `y` (out = {w * 3:.6g}, target 1); try a smaller learning rate"
    ) in err


def test_explain_names_the_gradient_of_a_plugin_loss_without_a_formula(tmp_path, capsys):
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
    assert main(["explain", str(spec), "--plugins", str(plugin), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    # y = 0.6 (margin − t·y = 0.4 > 0), so ∂hinge/∂y = −t = −1.
    assert (
        r"\frac{\partial E}{\partial \mathrm{out}_{y}} = \frac{\partial\,\operatorname{hinge}}{\partial \mathrm{out}_{y}} = -1"
        in out
    )
    assert main(["explain", str(spec), "--plugins", str(plugin)]) == 0
    assert "∂E/∂out_y = ∂hinge/∂out_y = -1" in capsys.readouterr().out


def test_plugin_descriptions_keep_plus_minus_and_accented_letters_in_latex():
    # Plugin docstrings are free text: ± and accented letters must not become "?" for pdflatex.
    from graphengine.mathfmt import escape_tex_text

    assert escape_tex_text("Hinge loss, targets ±1 (Clevert, Hüber, café)") == (
        r"Hinge loss, targets $\pm$1 (Clevert, Huber, cafe)"
    )
    assert escape_tex_text("中") == "?"


def test_progress_bar_on_a_terminal_shows_epoch_loss_accuracy_and_eta():
    # stderr is a real pseudo-terminal, as in a user's shell; stdout (the report) is a pipe.
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS="160", TERM="xterm")
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphengine", "train", "specs/digits.yaml", "--epochs", "40"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode()
    assert proc.wait() == 0
    os.close(leader)
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))  # no colours
    assert "epoch 40/40" in screen
    assert "loss " in screen and "accuracy" in screen and "val accuracy" in screen
    assert "ETA 0:00:00" in screen
    assert "40 epoch(s) of adam" in out


def test_unknown_activation_says_how_to_load_a_plugin(tmp_path, capsys):
    # The README's elu example run without --plugins: the message must say how plugins are loaded,
    # not only suggest the built-in `relu`.
    spec = tmp_path / "elu_net.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes:\n  h: {activation: {name: elu, alpha: 0.5}, bias: 0.1}\n  y: {}\n"
        "edges:\n  - {from: x, to: h, weight: 0.8}\n  - {from: h, to: y, weight: 1.5}\n"
    )
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {spec}:4: nodes.h.activation: unknown activation `elu`; did you mean `relu`?")
    assert err.rstrip().endswith("; a plugin's file is named with --plugins FILE or GRAPHENGINE_PLUGINS")
    assert len(err.strip().splitlines()) == 1


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


def test_latex_of_the_readme_elu_plugin(tmp_path, capsys):
    # The README's own plugin: e^x with x → net_h must stay one superscript, e^{\mathrm{net}_{h}}
    # (not e^\mathrm{net}_{h}, which subscripts e), and its parameter reads α = 0.5, not a·l·p·h·a.
    plugin = tmp_path / "my_activations.py"
    plugin.write_text(README_ELU)
    spec = tmp_path / "elu_net.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes:\n  h: {activation: {name: elu, alpha: 0.5}, bias: 0.1}\n"
        "  y: {activation: identity}\nedges:\n  - {from: x, to: h, weight: 0.8}\n  - {from: h, to: y, weight: 1.5}\n"
        "loss: mse\ndata:\n  - inputs: {x: -1.0}\n    targets: {y: 0.2}\n"
    )
    assert main(["explain", str(spec), "--plugins", str(plugin), "--format", "latex"]) == 0
    tex = capsys.readouterr().out
    assert r"\alpha (e^{\mathrm{net}_{h}} - 1)" in tex
    assert r"\operatorname{elu}(\mathrm{net}_{h};\ \alpha=0.5)" in tex
    assert r"\operatorname{elu}(-0.7;\ \alpha=0.5)" in tex
    # A parameter that is no Greek letter's name is upright.
    assert main(["explain", str(ROOT / "specs" / "plugins_demo.yaml"), "--format", "latex"]) == 0
    assert r"\operatorname{scaled\_tanh}(\mathrm{net}_{h3};\ \mathrm{a}=1.7159;\ \mathrm{b}=0.6667)" in (
        capsys.readouterr().out
    )


def test_plugins_in_a_folder_can_share_a_helper_module(tmp_path, capsys):
    # A folder of plugins with a `_common.py` helper: the helper is no plugin, but the others import it.
    import json
    import sys

    folder = tmp_path / "myplugs"
    folder.mkdir()
    (folder / "_common.py").write_text("import numpy as np\n\ndef sig(x):\n    return 0.5 * (1 + np.tanh(0.5 * x))\n")
    (folder / "silu.py").write_text(
        textwrap.dedent(
            '''
            from graphengine import activation
            from _common import sig

            @activation
            def silu2(x):
                """SiLU through a shared helper."""
                return x * sig(x)

            @silu2.derivative
            def silu2(x, y):
                s = sig(x)
                return s + y * (1 - s)
            '''
        )
    )
    path_before = list(sys.path)
    assert main(["plugins", "--json", "--plugins", str(folder)]) == 0
    assert sys.path == path_before
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["activations"]}
    assert rows["silu2"]["source"] == str(folder / "silu.py")
    assert "_common" not in rows and "sig" not in rows


def test_ctrl_c_stops_between_steps_so_the_epoch_count_matches_the_parameters(monkeypatch):
    # SIGINT arrives while the loss after step 3 is being computed: training stops after that epoch,
    # and the parameters are exactly those of 3 epochs (a fresh net trained 3 epochs has the same θ).
    import os
    import signal

    import numpy as np

    import graphengine
    import graphengine.train as train_module

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    real_forward = train_module.forward
    calls = [0]

    def forward(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 4:  # call 1 is before training; call k + 1 measures the loss after step k
            os.kill(os.getpid(), signal.SIGINT)
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(train_module, "forward", forward)
    net = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    history = net.train(100)
    assert history.interrupted and history.epochs == 3 and len(history.losses) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    monkeypatch.setattr(train_module, "forward", real_forward)
    reference = graphengine.load(ROOT / "specs" / "doc_example.yaml")
    reference.train(3)
    assert np.array_equal(net.theta, reference.theta)


def test_a_second_ctrl_c_interrupts_at_once(monkeypatch):
    import os
    import signal

    import graphengine
    import graphengine.train as train_module

    real_forward = train_module.forward
    calls = [0]

    def forward(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 4:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)  # raises KeyboardInterrupt here, inside the pass
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(train_module, "forward", forward)
    history = graphengine.load(ROOT / "specs" / "doc_example.yaml").train(100)
    assert history.interrupted and history.epochs == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_plugin_failing_on_the_real_network_is_one_line_naming_its_file_and_line(tmp_path, capsys):
    # The load-time checks use 3 outputs; this loss indexes output 2, so it fails only on a 1-output net.
    plugin = tmp_path / "weighted.py"
    plugin.write_text(
        textwrap.dedent(
            '''
            import numpy as np
            from graphengine import loss

            @loss
            def weighted(y, t):
                """Squared error, the third output counted twice."""
                w = np.ones(y.shape[1]); w[2] = 2.0
                return np.sum(w * (y - t) ** 2, axis=1)

            @weighted.gradient
            def weighted(y, t):
                w = np.ones(y.shape[1]); w[2] = 2.0
                return 2 * w * (y - t)
            '''
        ).lstrip()
    )
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes: {y: {bias: 0.1}}\nedges: [{from: x, to: y, weight: 0.5}]\n"
        "loss: weighted\ndata: [{inputs: {x: 1.0}, targets: {y: 1.0}}]\n"
    )
    for command in (["run"], ["train", "--epochs", "3"]):
        assert main([*command, str(spec), "--plugins", str(plugin)]) == 2
        captured = capsys.readouterr()
        assert captured.err == (
            f"error: {plugin}:7: loss `weighted`: raised IndexError: index 2 is out of bounds for axis 0 with size 1\n"
        )
