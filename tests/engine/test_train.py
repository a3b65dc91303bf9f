"""Training: optimisers step by step, accuracy, the NaN guard, Ctrl-C, plots."""

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import graphengine
from graphengine.errors import TrainingError
from graphengine.plugins.optimizers import adam, momentum, sgd

DOC = "specs/doc_example.yaml"
ROOT = Path(__file__).resolve().parents[2]


def gradient_at(theta: np.ndarray) -> np.ndarray:
    """∂L/∂θ of the worked example at ``theta`` (the engine's gradient, checked in test_doc_example)."""
    net = graphengine.load(DOC)
    net.theta = theta.copy()
    return net.trace().backward.grad


def two_steps(optimizer: str, learning_rate: float) -> tuple[graphengine.Network, np.ndarray]:
    net = graphengine.load(DOC)
    theta0 = net.theta.copy()
    net.train(2, learning_rate=learning_rate, optimizer=optimizer)
    return net, theta0


def test_sgd_two_steps():
    net, t0 = two_steps("sgd", 0.5)
    mask = net.plan.trainable
    g1 = gradient_at(t0)
    t1 = np.where(mask, t0 - 0.5 * g1, t0)
    g2 = gradient_at(t1)
    t2 = np.where(mask, t1 - 0.5 * g2, t1)
    np.testing.assert_allclose(net.theta, t2, rtol=1e-15, atol=1e-17)
    # The worked example's own numbers after the first step.
    assert round(t1[net.plan.parameter_index["w5"]], 8) == 0.35891648


def test_momentum_two_steps():
    net, t0 = two_steps("momentum", 0.5)
    mask, beta = net.plan.trainable, 0.9
    g1 = gradient_at(t0)
    v1 = g1  # the velocity starts at the first gradient
    t1 = np.where(mask, t0 - 0.5 * v1, t0)
    g2 = gradient_at(t1)
    v2 = beta * v1 + g2
    t2 = np.where(mask, t1 - 0.5 * v2, t1)
    np.testing.assert_allclose(net.theta, t2, rtol=1e-15, atol=1e-17)


def test_adam_two_steps():
    net, t0 = two_steps("adam", 0.01)
    mask, b1, b2, eps = net.plan.trainable, 0.9, 0.999, 1e-8
    g1 = gradient_at(t0)
    # Step 1: m̂ = g, v̂ = g², so every trainable parameter moves by lr·g/(|g| + ε) ≈ lr·sign(g).
    t1 = np.where(mask, t0 - 0.01 * g1 / (np.abs(g1) + eps), t0)
    assert abs(t1[net.plan.parameter_index["w5"]] - (0.40 - 0.01)) < 1e-8
    g2 = gradient_at(t1)
    m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    step2 = 0.01 * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    t2 = np.where(mask, t1 - step2, t1)
    np.testing.assert_allclose(net.theta, t2, rtol=1e-14, atol=1e-17)
    # Frozen biases never move.
    assert net.parameters["b1"] == 0.35 and net.parameters["b2"] == 0.60


@pytest.mark.parametrize("frozen", [("w5",), (), ("w1", "w8", "b1", "b2")])
def test_sgd_moves_exactly_the_trainable_parameters(frozen, tmp_path):
    # w5 frozen: the trainable ones are two runs (a gather and a scatter); none frozen; the
    # trainable ones one run between frozen ends (views) — each against the step by hand.
    data = yaml.safe_load(Path(DOC).read_text())
    data["parameters"] = {
        name: {"value": value["value"] if isinstance(value, dict) else value, "trainable": name not in frozen}
        for name, value in data["parameters"].items()
    }
    spec = tmp_path / "frozen.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    net = graphengine.load(spec)
    assert net.plan.parameter_index == graphengine.load(DOC).plan.parameter_index
    t0 = net.theta.copy()
    net.train(2, learning_rate=0.5)
    mask = net.plan.trainable
    assert [name for name, k in net.plan.parameter_index.items() if not mask[k]] == sorted(
        frozen, key=list(data["parameters"]).index
    )
    t1 = np.where(mask, t0 - 0.5 * gradient_at(t0), t0)
    t2 = np.where(mask, t1 - 0.5 * gradient_at(t1), t1)
    np.testing.assert_allclose(net.theta, t2, rtol=1e-15, atol=1e-17)
    assert all(net.theta[net.plan.parameter_index[name]] == t0[net.plan.parameter_index[name]] for name in frozen)


def test_optimiser_functions_by_hand():
    g = np.array([0.5, -2.0])
    assert sgd(g, {"t": 1}, learning_rate=0.1).tolist() == [0.05, -0.2]
    state = {"t": 1}
    assert momentum(g, state, learning_rate=0.1, beta=0.5).tolist() == [0.05, -0.2]
    state["t"] = 2
    assert momentum(g, state, learning_rate=0.1, beta=0.5).tolist() == pytest.approx([0.075, -0.3])
    state = {"t": 1}
    first = adam(g, state, learning_rate=0.1, beta1=0.9, beta2=0.999, epsilon=0.0)
    assert first.tolist() == pytest.approx([0.1, -0.1], rel=1e-14)
    assert state["m"].tolist() == pytest.approx([0.05, -0.2]) and state["v"].tolist() == pytest.approx([0.00025, 0.004])


def test_optimizer_from_the_spec_with_parameters(tmp_path):
    spec = (
        Path(DOC)
        .read_text()
        .replace(
            "training:\n  learning_rate: 0.5",
            "training:\n  optimizer: {name: momentum, beta: 0.0}\n  learning_rate: 0.5",
        )
    )
    path = tmp_path / "m.yaml"
    path.write_text(spec)
    net = graphengine.load(path)
    net.train(2)
    ref, _ = two_steps("sgd", 0.5)  # momentum with β = 0 is plain gradient descent
    np.testing.assert_allclose(net.theta, ref.theta, rtol=1e-15)


@pytest.mark.parametrize(
    "training, message",
    [
        ("optimizer: adamw", "training.optimizer: unknown optimizer `adamw`; did you mean `adam`?"),
        ("optimizer: {name: adam, beta: 0.9}", "optimizer `adam` has no parameter `beta`"),
        (
            "optimizer: {name: adam, learning_rate: 0.1}\n  learning_rate: 0.5",
            "the learning rate is set twice",
        ),
    ],
)
def test_optimizer_errors(tmp_path, cli, training, message):
    path = tmp_path / "bad.yaml"
    path.write_text(Path(DOC).read_text().replace("training:\n  learning_rate: 0.5", "training:\n  " + training))
    ran = cli("train", path, "--epochs", "1")
    assert ran.code == 2
    err = ran.err
    assert err.startswith(f"error: {path}:") and message in err and len(err.strip().splitlines()) == 1


def test_nan_stop_names_epoch_and_first_node(tmp_path, cli):
    # y = w·x with mse: w ← w − lr·2(wx − t)x grows ×(2·lr·x² − 1) per epoch until it overflows.
    path = tmp_path / "diverge.yaml"
    path.write_text(
        "inputs: [x]\nnodes: {h: {}, y: {}}\n"
        "edges: [{from: x, to: h, weight: one}, {from: h, to: y, weight: w}]\n"
        "parameters: {w: 1.0, one: {value: 1.0, trainable: false}}\n"
        "outputs: [y]\nloss: mse\ndata: [{inputs: {x: 3.0}, targets: {y: 1.0}}]\n"
    )
    # The same recurrence in plain Python floats gives the epoch at which the loss stops being finite.
    w, lr, expected = 1.0, 1000.0, None
    for epoch in range(1, 1000):
        w = w - lr * 2 * (w * 3 - 1) * 3
        if not math.isfinite((w * 3 - 1) * (w * 3 - 1)):
            expected = epoch
            break
    assert expected is not None
    ran = cli("train", path, "--epochs", "1000", "--lr", "1000", "-o", tmp_path / "o.yaml")
    assert ran.code == 2
    err = ran.err
    assert len(err.strip().splitlines()) == 1 and "RuntimeWarning" not in err
    assert f"training: epoch {expected}: the loss became" in err
    # (x−t)² overflows before any node does, and the message says so.
    assert "although every node value is finite" in err
    assert not (tmp_path / "o.yaml").exists()
    with pytest.raises(TrainingError):
        graphengine.load(path).train(1000, learning_rate=1000.0)


def test_nan_stop_names_the_first_non_finite_node(tmp_path, cli):
    # Softmax cross-entropy: ∂L/∂w_0 = (p_0 − 1)·x = −1.5 at the start, so one step with lr = 1e308 makes
    # w_0 = 0.5 + 1.5e308 (finite) and net(y_0) = 3·w_0 = inf (by hand, in Python floats below);
    # h stays finite because its weight is frozen.
    assert math.isinf(3.0 * (0.5 + 1e308 * 1.5)) and math.isfinite(0.5 + 1e308 * 1.5)
    path = tmp_path / "diverge.yaml"
    path.write_text(
        "inputs: [x]\nnodes: {h: {}, y_0: {}, y_1: {}}\n"
        "edges: [{from: x, to: h, weight: one}, {from: h, to: y_0, weight: 0.5}, {from: h, to: y_1, weight: 0.5}]\n"
        "parameters: {one: {value: 1.0, trainable: false}}\n"
        "outputs: [y_0, y_1]\nloss: softmax_cross_entropy\ndata: [{inputs: {x: 3.0}, targets: {y_0: 1, y_1: 0}}]\n"
    )
    ran = cli("train", path, "--epochs", "10", "--lr", "1e308")
    assert ran.code == 2
    err = ran.err
    assert "epoch 1: the loss became nan; the first node that went non-finite is `y_0` (net = inf in sample 0)" in err


def test_accuracy_in_json(tmp_path, cli):
    # The worked example with binary cross-entropy: outputs 0.7514 and 0.7729 against targets 0.01 and 0.99,
    # so one of the two outputs is on the right side of 0.5.
    path = tmp_path / "bce.yaml"
    path.write_text(Path(DOC).read_text().replace("loss: half_squared_error", "loss: binary_cross_entropy"))
    ran = cli("train", path, "--epochs", "0", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert data["accuracy"] == 0.5 and "val_accuracy" not in data
    ran = cli("train", DOC, "--epochs", "1", "--json")
    assert ran.code == 0
    assert "accuracy" not in json.loads(ran.out)  # not a classification loss


def test_digits_learns_quickly_with_validation(cli):
    # 2 epochs of the shipped spec (adam, batch 32): the loss falls and the accuracy is far above chance.
    ran = cli("train", "specs/digits.yaml", "--epochs", "2", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert data["losses"][1] < data["losses"][0] < math.log(10)
    assert data["accuracy"] > 0.8 and data["val_accuracy"] > 0.8
    ran = cli("train", "specs/digits.yaml", "--epochs", "1")
    assert ran.code == 0
    out = ran.out
    assert "accuracy" in out and "validation (180 samples)" in out


def test_plot_writes_an_svg(tmp_path, cli):
    pytest.importorskip("matplotlib")
    out = tmp_path / "curve.svg"
    assert cli("train", "specs/digits.yaml", "--epochs", "2", "--plot", out).code == 0
    text = out.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text


def test_plot_errors_before_training(tmp_path, cli, monkeypatch):
    ran = cli("train", DOC, "--plot", tmp_path / "curve.txt")
    assert ran.code == 2
    assert "must end in .svg, .png, .pdf" in ran.err
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    ran = cli("train", DOC, "--plot", tmp_path / "curve.png")
    assert ran.code == 2
    assert "pip install 'graphengine[plot]'" in ran.err


def test_ctrl_c_stops_and_still_writes_output(tmp_path):
    out = tmp_path / "trained.yaml"
    code = (
        "import sys; import graphengine.cli as c; import graphengine.engine.network; print('ready', flush=True); "
        f"sys.exit(c.main(['train', {DOC!r}, '--epochs', '10000000', '-o', {str(out)!r}]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)  # let it load the spec and start training
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "interrupted after" in stderr and "written to" in stderr and "Traceback" not in stderr
    saved = yaml.safe_load(out.read_text())
    assert saved["parameters"]["w5"] != 0.40  # trained for a while
    assert graphengine.load(out).parameters["w5"] == saved["parameters"]["w5"]
    assert os.path.getsize(out) > 0


def test_docs_training_section_examples(tmp_path, cli):
    # docs/reference/spec-format.md, from its training section on
    page = (ROOT / "docs" / "reference" / "spec-format.md").read_text(encoding="utf-8")
    text = page[page.index("<!-- section: training -->") :]

    def blocks(text: str, language: str) -> list[str]:
        return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)

    example = blocks(text, "yaml")[0]
    net = graphengine.Network.from_yaml(example, file="specs/readme_example.yaml")  # data/ is next to specs/
    reference = graphengine.load("specs/digits.yaml")
    assert np.array_equal(net.theta, reference.theta) and np.array_equal(net.X, reference.X)
    # The optimiser plugin of the docs, loaded as a plugin file: its first step by hand.
    plugin = tmp_path / "rmsprop.py"
    plugin.write_text(blocks(text, "python")[0])
    ran = cli("train", DOC, "--plugins", plugin, "--optimizer", "rmsprop", "--epochs", "1", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    start = graphengine.load(DOC)
    g = start.trace().backward.grad
    expected = start.theta - 0.5 * g / (np.sqrt(0.1 * g**2) + 1e-8)  # lr 0.5 from the spec, rho 0.9
    for name, k in start.plan.parameter_index.items():
        if start.plan.trainable[k]:
            assert data["parameters"][name] == pytest.approx(expected[k], rel=1e-14)


# --------------------------------------------------------------------------- as a user meets it: NaN stops, the progress bar, Ctrl-C


def test_nan_stop_names_the_output_whose_loss_overflowed(tmp_path, cli):
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
    ran = cli("train", path, "--epochs", "1000", "--lr", "1000")
    assert ran.code == 2
    err = ran.err
    assert (
        f"epoch {epoch}: the loss became inf although every node value is finite: the loss of sample 0 "
        f"overflowed at output `y` (out = {w * 3:.6g}, target 1); try a smaller learning rate"
    ) in err


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


def test_ctrl_c_stops_between_steps_so_the_epoch_count_matches_the_parameters(monkeypatch):
    # SIGINT arrives while the loss after step 3 is being computed: training stops after that epoch,
    # and the parameters are exactly those of 3 epochs (a fresh net trained 3 epochs has the same θ).
    import os
    import signal

    import numpy as np

    import graphengine
    import graphengine.engine.train as train_module

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    real_forward = train_module.forward
    calls = [0]

    def forward(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 4:  # call 1 is before training; call k + 1 measures the loss after step k
            os.kill(os.getpid(), signal.SIGINT)
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(train_module, "forward", forward)
    monkeypatch.setattr(train_module, "LEAN", False)  # the general loop's passes are what is intercepted
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
    import graphengine.engine.train as train_module

    real_forward = train_module.forward
    calls = [0]

    def forward(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 4:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)  # raises KeyboardInterrupt here, inside the pass
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(train_module, "forward", forward)
    monkeypatch.setattr(train_module, "LEAN", False)  # the general loop's passes are what is intercepted
    history = graphengine.load(ROOT / "specs" / "doc_example.yaml").train(100)
    assert history.interrupted and history.epochs == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
