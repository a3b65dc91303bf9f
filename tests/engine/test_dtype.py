"""float32 training: every array the loop computes is float32, and it tracks float64 closely."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphengine
from graphengine.cli import main
from graphengine.engine import compute as engine
from graphengine.engine import train
from graphengine.plugins.discovery import discover
from graphengine.plugins.registry import Registry, activation, optimizer

ACTIVATIONS = ["relu", "sigmoid", "tanh", "leaky_relu", "softplus", "identity"]
LOSSES = {
    "softmax_cross_entropy": "onehot",
    "mse": "real",
    "half_squared_error": "real",
    "binary_cross_entropy": "bits",
}


def network(widths: list[int], acts: list[str], loss: str, seed: int, optimizer_name: str = "sgd") -> str:
    layers = []
    previous = "x"
    for k, (width, act) in enumerate(zip(widths[1:], acts)):
        name = f"h{k}" if k < len(widths) - 2 else "y"
        if name == "y" and loss == "binary_cross_entropy":
            act = "sigmoid"
        layers.append(f"  - {{name: {name}, size: {width}, from: {previous}, activation: {act}, seed: {seed + k}}}")
        previous = name
    return (
        f"inputs: [{{name: x, size: {widths[0]}}}]\nlayers:\n"
        + "\n".join(layers)
        + f"\noutputs: [y]\nloss: {loss}\ntraining: {{optimizer: {optimizer_name}, learning_rate: 0.02, seed: 0}}\n"
    )


def with_data(text: str, widths: list[int], loss: str, seed: int, registry: Registry | None = None):
    net = graphengine.Network.from_yaml(text, registry)
    rng = np.random.default_rng(seed)
    n = 48
    net.X = rng.normal(size=(n, widths[0]))
    kind = LOSSES[loss]
    if kind == "onehot":
        net.T = np.eye(widths[-1])[rng.integers(0, widths[-1], n)]
    elif kind == "bits":
        net.T = (rng.uniform(size=(n, widths[-1])) > 0.5).astype(float)
    else:
        net.T = rng.normal(size=(n, widths[-1]))
    return net


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    widths=st.lists(st.integers(1, 12), min_size=2, max_size=4).map(lambda w: w if w[-1] > 1 else [*w[:-1], 2]),
    acts=st.lists(st.sampled_from(ACTIVATIONS), min_size=3, max_size=3),
    loss=st.sampled_from(sorted(LOSSES)),
    opt=st.sampled_from(["sgd", "momentum", "adam"]),
    batch=st.sampled_from([None, 8]),
    seed=st.integers(0, 1000),
)
def test_float32_tracks_float64(widths, acts, loss, opt, batch, seed):
    """Generated networks: 20 epochs in float32 stay within float32 rounding of float64."""
    text = network(widths, acts, loss, seed, opt)
    runs = {}
    for dtype in ("float64", "float32"):
        net = with_data(text, widths, loss, seed)
        history = net.train(20, batch_size=batch, dtype=dtype)
        assert net.theta.dtype == np.float64  # float64 again after training
        runs[dtype] = (np.array(history.losses), net.theta.copy())
    (l64, p64), (l32, p32) = runs["float64"], runs["float32"]
    scale = np.abs(l64).max() + 1e-3
    # float32 rounds at ~6e-8 relative; 20 epochs of steps multiply it by a modest factor.
    assert np.max(np.abs(l32 - l64)) <= 1e-3 * scale, (l32, l64)
    assert np.max(np.abs(p32 - p64)) <= 1e-3 * (np.abs(p64).max() + 1)
    assert not np.array_equal(l32, l64)  # float32 really ran (its rounding differs)


def test_every_array_is_float32(monkeypatch):
    """Parameters, data, activations (plugins too), derivatives, gradients and optimiser state."""
    seen: dict[str, set] = {}

    def record(what: str, *arrays) -> None:
        for a in arrays:
            seen.setdefault(what, set()).add(np.asarray(a).dtype)

    registry = discover(entry_points=False)

    @activation(formula="x^3 + x", derivative_formula="3x^2 + 1")
    def cubic(x):
        record("plugin activation", x)
        return (x**3 + x).astype(np.float64)  # a sloppy plugin: the engine casts its result

    @cubic.derivative
    def cubic(x, y):
        record("plugin derivative", x, y)
        return 3 * x**2 + 1

    @optimizer(formula="adam-like")
    def recording_adam(grad, state, learning_rate=0.01):
        record("optimizer grad", grad)
        m = state.get("m")
        state["m"] = m = grad if m is None else 0.9 * m + 0.1 * grad
        record("optimizer state", m)
        return learning_rate * m

    registry.add(cubic, source="test")
    registry.add(recording_adam, source="test")
    text = (
        "inputs: [{name: x, size: 3}]\nlayers:\n"
        "  - {name: h, size: 4, from: x, activation: cubic, seed: 1, init: {name: uniform, scale: 0.1}}\n"
        "  - {name: g, size: 4, from: h, activation: relu, seed: 2}\n"
        "  - {name: y, size: 2, from: [g, x], seed: 3}\n"
        "outputs: [y]\nloss: softmax_cross_entropy\n"
        "training: {optimizer: recording_adam, dtype: float32, batch_size: 4}\n"
    )
    net = with_data(text, [3, 4, 4, 2], "softmax_cross_entropy", 0, registry)
    real_forward, real_gradient = train.forward, train.gradient

    def forward(plan, theta, X):
        fwd = real_forward(plan, theta, X)
        record("theta", theta)
        record("data", X)
        record("net", *fwd.nets)
        record("out", *fwd.outs)
        record("dact", *(fwd.level_dact(k) for k in range(len(fwd.outs))))
        return fwd

    def gradient(plan, theta, fwd, T):
        record("targets", T)
        grad = real_gradient(plan, theta, fwd, T)
        record("gradient", grad)
        return grad

    monkeypatch.setattr(train, "forward", forward)
    monkeypatch.setattr(train, "gradient", gradient)
    history = net.train(3)
    assert all(np.isfinite(history.losses))
    assert seen.keys() >= {"theta", "data", "net", "out", "dact", "targets", "gradient", "optimizer state"}
    assert seen == {k: {np.dtype(np.float32)} for k in seen}, seen
    # run / explain stay float64 exact after float32 training
    assert net.theta.dtype == np.float64
    fwd = engine.forward(net.plan, net.theta, net.X)
    assert fwd.out.dtype == np.float64


def test_cli_dtype_and_spec_dtype(tmp_path, capsys):
    import json

    spec = tmp_path / "net.yaml"
    text = open("specs/doc_example.yaml").read()
    assert "\ntraining:\n" in text
    spec.write_text(text.replace("\ntraining:\n", "\ntraining:\n  dtype: float32\n"))
    assert main(["train", str(spec), "--epochs", "50", "--json"]) == 0
    f32 = json.loads(capsys.readouterr().out)
    assert main(["train", "specs/doc_example.yaml", "--epochs", "50", "--json", "--dtype", "float64"]) == 0
    f64 = json.loads(capsys.readouterr().out)
    assert main(["train", "specs/doc_example.yaml", "--epochs", "50", "--json", "--dtype", "float32"]) == 0
    cli32 = json.loads(capsys.readouterr().out)
    assert f32["losses"] == cli32["losses"] != f64["losses"]
    assert np.allclose(f32["losses"], f64["losses"], rtol=1e-5)
    bad = tmp_path / "bad.yaml"
    bad.write_text(spec.read_text().replace("float32", "float16"))
    assert main(["train", str(bad), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "training.dtype" in err and "float16" in err and len(err.strip().splitlines()) == 1
