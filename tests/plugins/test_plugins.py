"""Plugins: discovery, verification, the `plugins` command and the shipped examples.

Gradients through networks that use the shipped plugins are compared with central
finite differences of the whole network's loss in float64; plugin values with the
formulas written out by hand.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import graphengine
from graphengine.engine.network import Network
from graphengine.errors import PluginError
from graphengine.plugins.discovery import discover, entry_point_plugins, repository_plugins
from graphengine.plugins.verify import check_all

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# ---------------------------------------------------------------------- shipped plugins


def net_text(hidden: str, output: str = "identity", loss: str = "mse") -> str:
    """A 2-2-2 net whose hidden layer uses ``hidden``; targets far enough to cross Huber's δ."""
    return f"""
inputs: [x1, x2]
outputs: [o1, o2]
nodes:
  h1: {{activation: {hidden}, bias: 0.1}}
  h2: {{activation: {hidden}, bias: -0.3}}
  o1: {{activation: {output}, bias: 0.2}}
  o2: {{activation: {output}}}
edges:
  - {{from: x1, to: h1, weight: 0.6}}
  - {{from: x2, to: h1, weight: -0.4}}
  - {{from: x1, to: h2, weight: 0.9}}
  - {{from: x2, to: h2, weight: 0.35}}
  - {{from: h1, to: o1, weight: 0.5}}
  - {{from: h2, to: o1, weight: -0.8}}
  - {{from: h1, to: o2, weight: 0.7}}
  - {{from: h2, to: o2, weight: 1.1}}
loss: {loss}
data:
  - {{inputs: {{x1: 0.5, x2: -1.0}}, targets: {{o1: 0.2, o2: 0.4}}}}
  - {{inputs: {{x1: -1.5, x2: 0.8}}, targets: {{o1: 2.5, o2: -1.0}}}}
  - {{inputs: {{x1: 1.2, x2: 0.3}}, targets: {{o1: -0.1, o2: 0.9}}}}
"""


def finite_difference_gradient(net: Network, h: float = 1e-6) -> np.ndarray:
    """Central differences of the whole network's batch loss, one parameter at a time."""
    theta = net.theta.copy()
    grad = np.empty_like(theta)
    for i in range(len(theta)):
        losses = []
        for sign in (1.0, -1.0):
            net.theta = theta.copy()
            net.theta[i] += sign * h
            losses.append(net.loss())
        grad[i] = (losses[0] - losses[1]) / (2 * h)
    net.theta = theta
    return grad


@pytest.fixture(scope="module")
def registry():
    return discover(entry_points=False)


@pytest.mark.parametrize(
    "hidden, output, loss",
    [
        ("swish", "identity", "mse"),
        ("{name: swish, beta: 1.5}", "{name: swish, beta: 0.4}", "half_squared_error"),
        ("gaussian", "identity", "mse"),
        ("scaled_tanh", "gaussian", "mse"),
        ("{name: scaled_tanh, a: 1.2, b: 0.9}", "identity", "half_squared_error"),
        ("sigmoid", "identity", "huber"),
        ("tanh", "identity", "{name: huber, delta: 2.0}"),
        ("{name: swish, beta: 1.5}", "scaled_tanh", "{name: huber, delta: 0.3, reduction: sum}"),
    ],
)
def test_shipped_plugins_give_finite_difference_gradients(registry, hidden, output, loss):
    net = Network.from_yaml(net_text(hidden, output, loss), registry)
    engine = np.array(list(net.trace().gradients.values()))
    assert np.abs(engine).max() > 1e-3
    np.testing.assert_allclose(engine, finite_difference_gradient(net), rtol=1e-6, atol=1e-9)


def test_plugins_demo_spec_gradients_and_hand_values():
    net = graphengine.load(ROOT / "specs" / "plugins_demo.yaml")
    trace = net.trace()
    np.testing.assert_allclose(
        np.array(list(trace.gradients.values())), finite_difference_gradient(net), rtol=1e-6, atol=1e-9
    )
    # swish with β = 1.5 at net 0.6·0.5 − 0.4·(−1) + 0.1 = 0.8: x·σ(βx).
    assert trace.out("h1", 0) == pytest.approx(0.8 / (1 + math.exp(-1.2)), rel=1e-14)
    # gaussian at −0.95, scaled tanh at −0.5.
    assert trace.out("h2", 0) == pytest.approx(math.exp(-(0.95**2)), rel=1e-14)
    assert trace.out("h3", 0) == pytest.approx(1.7159 * math.tanh(-1 / 3), rel=1e-14)
    # Huber, δ = 0.5: sample 1's o1 is 2.6 away from its target, so its term is linear
    # and its gradient is clipped to δ (divided by 3 samples for the mean).
    r = trace.out("o1", 1) - 2.5
    assert abs(r) > 0.5
    assert trace.loss_terms(1)["o1"] == pytest.approx(0.5 * (abs(r) - 0.25), rel=1e-14)
    assert trace.dout("o1", 1) == pytest.approx(-0.5 / 3, rel=1e-14)


def test_shipped_plugin_values_match_their_formulas(registry):
    x = np.array([[-2.0, -0.5, 0.0, 1.0, 3.0]])
    swish, gaussian, scaled = (registry.activation(n) for n in ("swish", "gaussian", "scaled_tanh"))
    np.testing.assert_allclose(swish(x, beta=2.0), x / (1 + np.exp(-2 * x)), rtol=1e-14)
    np.testing.assert_allclose(gaussian(x), np.exp(-(x**2)), rtol=1e-14)
    # LeCun's constants make f(±1) ≈ ±1.
    assert scaled(np.array([1.0]), **scaled.params)[0] == pytest.approx(1.0, abs=2e-5)
    huber = registry.loss("huber")
    y, t = np.array([[0.0, 3.0]]), np.array([[0.5, 0.0]])
    assert huber(y, t, delta=1.0)[0] == pytest.approx(0.125 + 1.0 * (3.0 - 0.5), rel=1e-14)
    np.testing.assert_allclose(huber.grad(y, t, delta=1.0), [[-0.5, 1.0]])
    for plugin in (swish, gaussian, scaled, huber):
        assert plugin.formula and plugin.description
        assert Path(plugin.source).name == f"{plugin.name}.py"


def test_shipped_plugins_train(cli):
    ran = cli("train", ROOT / "specs" / "plugins_demo.yaml", "--epochs", "200", "--json")
    assert ran.code == 0
    result = json.loads(ran.out)
    assert result["losses"][-1] < 0.5 * 0.511745987  # started at the hand-checked run loss


def test_run_table_names_plugins_and_loss_parameters(cli):
    ran = cli("run", ROOT / "specs" / "plugins_demo.yaml")
    assert ran.code == 0
    out = ran.out
    assert "loss huber delta=0.5" in out
    assert "swish beta=1.5" in out and "gaussian" in out and "scaled_tanh a=1.7159" in out


def test_repository_folder_is_found_next_to_the_package():
    assert repository_plugins() == ROOT / "plugins"


# ---------------------------------------------------------------------- the docs example


def test_docs_example_works_when_copied(tmp_path, cli, monkeypatch):
    # docs/how-to/write-my-own-activation.md: the first Python and YAML blocks
    section = (ROOT / "docs" / "how-to" / "write-my-own-activation.md").read_text(encoding="utf-8")
    section = section.split("<!-- section: plugins -->")[1].split("<!-- section:")[0]
    blocks: dict[str, str] = {}
    for language, body in re.findall(r"```(python|yaml)\n(.*?)```", section, re.S):
        blocks.setdefault(language, body)
    (tmp_path / "my_activations.py").write_text(blocks["python"])
    (tmp_path / "elu_net.yaml").write_text(blocks["yaml"])
    monkeypatch.chdir(tmp_path)
    ran = cli("run", "elu_net.yaml", "--plugins", "my_activations.py", "--json")
    assert ran.code == 0
    result = json.loads(ran.out)
    h = 0.5 * math.expm1(0.8 * -1.0 + 0.1)  # elu with α = 0.5 at net −0.7
    y = 1.5 * h
    assert result["samples"][0]["nodes"]["h"]["out"] == pytest.approx(h, rel=1e-14)
    assert result["loss"] == pytest.approx((y - 0.2) ** 2, rel=1e-14)
    # ∂L/∂w(h→y) = 2(y − t)·h
    assert result["gradients"]["h->y"] == pytest.approx(2 * (y - 0.2) * h, rel=1e-12)


# ---------------------------------------------------------------------- discovery


SWISH_COPY = """
import numpy as np
from graphengine import activation

@activation
def {name}(x, beta=1.0):
    \"\"\"A copy of swish.\"\"\"
    return x / (1.0 + np.exp(-beta * x))

@{name}.derivative
def {name}(x, y, beta=1.0):
    s = 1.0 / (1.0 + np.exp(-beta * x))
    return s + beta * y * (1.0 - s)
"""


def test_plugin_file_folder_and_environment_variable(tmp_path, monkeypatch, cli):
    write(tmp_path / "a.py", SWISH_COPY.format(name="silu2"))
    folder = tmp_path / "more"
    folder.mkdir()
    write(folder / "b.py", SWISH_COPY.format(name="silu3"))
    write(folder / "_helper.py", "raise RuntimeError('helpers are not plugins')")
    write(folder / "notes.txt", "not python")
    env_file = write(tmp_path / "c.py", SWISH_COPY.format(name="silu4"))
    monkeypatch.setenv("GRAPHENGINE_PLUGINS", os.pathsep.join(["", str(env_file)]))
    ran = cli("plugins", "--json", "--plugins", tmp_path / "a.py", "--plugins", folder)
    assert ran.code == 0
    rows = {row["name"]: row for row in json.loads(ran.out)["activations"]}
    assert {"silu2", "silu3", "silu4", "swish", "sigmoid"} <= set(rows)
    assert rows["silu3"]["source"].endswith(os.path.join("more", "b.py"))
    assert rows["silu2"]["params"] == {"beta": 1.0}


def test_a_file_named_twice_is_loaded_once(cli):
    swish = str(ROOT / "plugins" / "swish.py")
    ran = cli("plugins", "--json", "--plugins", swish, "--plugins", swish)
    assert ran.code == 0
    names = [row["name"] for row in json.loads(ran.out)["activations"]]
    assert names.count("swish") == 1


def test_clash_names_both_sources(tmp_path, cli):
    one, two = tmp_path / "one.py", tmp_path / "two.py"
    write(one, SWISH_COPY.format(name="silu2"))
    write(two, SWISH_COPY.format(name="silu2"))
    ran = cli("plugins", "--plugins", one, "--plugins", two)
    assert ran.code == 2
    err = ran.err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "activation `silu2`" in err and "two.py" in err and "one.py" in err and "clashes" in err


def test_clash_with_the_repository_folder_and_with_a_builtin(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    mine = write(tmp_path / "my_swish.py", SWISH_COPY.format(name="swish"))
    ran = cli("plugins", "--plugins", mine)
    assert ran.code == 2
    err = ran.err
    assert "my_swish.py" in err and os.path.join("plugins", "swish.py") in err
    builtin = write(tmp_path / "my_sigmoid.py", SWISH_COPY.format(name="sigmoid"))
    ran = cli("plugins", "--plugins", builtin)
    assert ran.code == 2
    err = ran.err
    assert "activation `sigmoid` from" in err and "my_sigmoid.py" in err and "built-in" in err


def test_a_spec_never_imports_code_it_names(tmp_path, cli):
    marker = tmp_path / "imported"
    write(tmp_path / "elu.py", f"open({str(marker)!r}, 'w').close()\n")
    (tmp_path / "net.yaml").write_text(net_text("elu"))
    ran = cli("validate", tmp_path / "net.yaml")
    assert ran.code == 2
    assert "unknown activation `elu`" in ran.err
    assert not marker.exists()


def test_missing_plugin_path(cli):
    ran = cli("plugins", "--plugins", "no/such/file.py")
    assert ran.code == 2
    assert "--plugins: no such plugin file or folder `no/such/file.py`" in ran.err


# ---------------------------------------------------------------------- broken plugins

BROKEN = {
    "wrong_derivative": (
        """
        import numpy as np
        from graphengine import activation

        @activation
        def cube(x, k=1.0):
            return k * x**3

        @cube.derivative
        def cube(x, y, k=1.0):
            return 3 * x**2
        """,
        # right at k = 1, wrong at the halved k = 0.5: −3.7 is the first point.
        r"wrong_derivative.py:8: activation `cube`: wrong derivative at x = -3.7 with k = 0.5: "
        r"expected 20.535\d* \(central finite difference\), got 41.07",
    ),
    "not_vectorised": (
        """
        import math
        from graphengine import activation

        @activation
        def mexp(x):
            return math.exp(x)

        @mexp.derivative
        def mexp(x, y):
            return y
        """,
        r"not_vectorised.py:6: activation `mexp`: function `mexp` is not vectorised: on float64 arrays "
        r"shaped \(3, 4\) it raised TypeError",
    ),
    "wrong_shape": (
        """
        import numpy as np
        from graphengine import loss

        @loss
        def sq(y, t):
            return np.sum((y - t) ** 2)

        @sq.gradient
        def sq(y, t):
            return 2 * (y - t)
        """,
        r"wrong_shape.py:4: loss `sq`: function `sq` is not vectorised: on arrays shaped \(4, 3\) and \(4, 3\) "
        r"it returned shape \(\), expected one value per sample, shaped \(4,\)",
    ),
    "derivative_not_vectorised": (
        """
        import numpy as np
        from graphengine import activation

        @activation
        def step(x):
            return np.tanh(x)

        @step.derivative
        def step(x, y):
            return 1.0 if x > 0 else 0.5
        """,
        r"derivative_not_vectorised.py:10: activation `step`: derivative `step` is not vectorised: .*ValueError",
    ),
    "missing_derivative": (
        """
        import numpy as np
        from graphengine import activation

        @activation
        def lonely(x):
            return np.sin(x)
        """,
        r"missing_derivative.py:4: activation `lonely`: missing derivative: add one with `@lonely.derivative`",
    ),
    "missing_gradient": (
        """
        import numpy as np
        from graphengine import loss

        @loss
        def l1(y, t):
            return np.sum(np.abs(y - t), axis=1)
        """,
        r"missing_gradient.py:4: loss `l1`: missing gradient: add one with `@l1.gradient`",
    ),
    "wrong_gradient": (
        """
        import numpy as np
        from graphengine import loss

        @loss
        def sq(y, t):
            return np.sum((y - t) ** 2, axis=1)

        @sq.gradient
        def sq(y, t):
            return y - t
        """,
        r"wrong_gradient.py:8: loss `sq`: wrong gradient ∂L/∂y\[0\] at y = \[0.12, 0.57, 0.91\], "
        r"t = \[0.0, 1.0, 0.0\]: expected 0.24\d* \(central finite difference\), got 0.12",
    ),
    "parameter_names": (
        """
        import numpy as np
        from graphengine import activation

        @activation
        def sw(x, beta=1.0):
            return x * beta

        @sw.derivative
        def sw(x, y, b=1.0):
            return b + 0 * x
        """,
        r"parameter_names.py:8: activation `sw`: derivative `sw` must take \(x, y\) and the same parameters "
        r"as the function: \(beta=1\), got \(b=1\)",
    ),
    "syntax_error": (
        """
        import numpy as np

        def f(x:
            return x
        """,
        r"syntax_error.py:3: syntax error in plugin file: '\(' was never closed",
    ),
    "raises_at_import": (
        """
        import numpy as np

        x = 1
        y = undefined_name + 1
        """,
        r"raises_at_import.py:4: importing the plugin file raised NameError: name 'undefined_name' is not defined",
    ),
    "no_plugins": (
        """
        import numpy as np
        """,
        r"no_plugins.py: the plugin file defines no activation, loss or optimizer; decorate a function with",
    ),
    # An error that is not about vectorising is reported as what it is, at the line that raised it.
    "derivative_raises": (
        """
        import numpy as np
        from graphengine import activation

        @activation
        def soft(x, k=1.0):
            return np.tanh(k * x)

        @soft.derivative
        def soft(x, y, k=1.0):
            z = k * (1 - y * y)
            return z * undefined_name
        """,
        r"derivative_raises.py:11: activation `soft`: derivative `soft` raised NameError: name 'undefined_name' "
        r"is not defined when called on float64 arrays shaped \(3, 4\) and \(3, 4\)$",
    ),
    # The derivative's first arguments are (x, y): a parameter in y's place is named as such.
    "derivative_without_y": (
        """
        import numpy as np
        from graphengine import activation

        @activation
        def soft(x, k=1.0):
            return np.tanh(k * x)

        @soft.derivative
        def soft(x, k=1.0):
            return k * (1 - np.tanh(k * x) ** 2)
        """,
        r"derivative_without_y.py:8: derivative `soft` must take \(x, y\) first, without defaults, then its "
        r"parameters with defaults; got soft\(x, k=1.0\)",
    ),
    "optimizer_without_state": (
        """
        from graphengine import optimizer

        @optimizer
        def plain(grad, learning_rate=0.1):
            return learning_rate * grad
        """,
        r"optimizer_without_state.py:3: optimizer `plain` must take \(grad, state\) first, without defaults, "
        r"then its parameters with defaults; got plain\(grad, learning_rate=0.1\)",
    ),
    "optimizer_wrong_shape": (
        """
        import numpy as np
        from graphengine import optimizer

        @optimizer
        def flat(grad, state, learning_rate=0.1):
            return learning_rate * np.mean(grad)
        """,
        r"optimizer_wrong_shape.py:4: optimizer `flat`: function `flat` must return a step shaped like the "
        r"gradient: given a gradient shaped \(5,\) it returned shape \(\)",
    ),
    "optimizer_raises": (
        """
        import numpy as np
        from graphengine import optimizer

        @optimizer
        def rms(grad, state, learning_rate=0.1):
            square = state["square"]
            return learning_rate * grad / np.sqrt(square)
        """,
        r"optimizer_raises.py:6: optimizer `rms`: function `rms` raised KeyError: 'square' when called on "
        r"float64 arrays shaped \(5,\)",
    ),
    "optimizer_not_finite": (
        """
        import numpy as np
        from graphengine import optimizer

        @optimizer
        def rms(grad, state, learning_rate=0.1):
            return learning_rate * grad / np.abs(grad)
        """,
        r"optimizer_not_finite.py:4: optimizer `rms`: step 1 from the gradient \[0.3, -1.2, 0.0, 2.5, -0.01\] "
        r"with learning_rate = 0.1 is not finite: element 2 is nan",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("command", [["plugins"], ["run", str(ROOT / "specs" / "doc_example.yaml")]])
def test_broken_plugin_is_one_line_exit_2(tmp_path, cli, case, command):
    source, expected = BROKEN[case]
    path = write(tmp_path / f"{case}.py", source)
    ran = cli(*command, "--plugins", path)
    assert ran.code == 2
    assert ran.out == ""
    err = ran.err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("error: ") and str(tmp_path) in err
    assert re.search(expected, err), err


def test_broken_plugin_from_the_environment_variable(tmp_path, monkeypatch, cli):
    source, expected = BROKEN["wrong_derivative"]
    path = write(tmp_path / "wrong_derivative.py", source)
    monkeypatch.setenv("GRAPHENGINE_PLUGINS", str(path))
    ran = cli("validate", ROOT / "specs" / "doc_example.yaml")
    assert ran.code == 2
    assert re.search(expected, ran.err)


def test_plugins_check_reports_each_plugin(tmp_path, cli):
    ran = cli("plugins", "check")
    assert ran.code == 0
    out = ran.out
    for name in ("sigmoid", "swish", "gaussian", "scaled_tanh", "huber", "softmax_cross_entropy"):
        assert re.search(rf"^ok +(activation|loss) +{name} ", out, re.M), name
    for name in ("sgd", "momentum", "adam"):
        assert re.search(rf"^ok +optimizer +{name} +built-in$", out, re.M), name
    assert "agree with central finite differences; all 3 optimisers take finite steps" in out

    source, expected = BROKEN["wrong_derivative"]
    path = write(tmp_path / "wrong_derivative.py", source)
    good = write(tmp_path / "good.py", SWISH_COPY.format(name="silu2"))
    ran = cli("plugins", "check", "--plugins", path, "--plugins", good)
    assert ran.code == 2
    assert re.search(r"^ok +activation +silu2 ", ran.out, re.M)
    assert re.search(expected, ran.err)
    assert "1 of " in ran.err and "Traceback" not in ran.err


def test_check_all_on_the_default_registry_finds_nothing(registry):
    assert [e for _, e in check_all(registry) if e is not None] == []


# ---------------------------------------------------------------------- the listing


def test_plugins_listing_table(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    ran = cli("plugins")
    assert ran.code == 0
    out = ran.out
    assert "Activations" in out and "Losses" in out
    assert re.search(r"leaky_relu\s*│\s*alpha=0.01\s*│\s*built-in\s*│\s*Leaky ReLU", out)
    assert re.search(r"swish\s*│\s*beta=1\s*│\s*plugins/swish.py\s*│\s*Swish: f\(x\) = x·σ\(βx\)", out)
    assert re.search(r"huber\s*│\s*delta=1\s*│\s*plugins/huber.py\s*│\s*Huber loss", out)
    # A description with brackets is printed as text, not as rich markup.
    assert "−mean[t ln y + (1−t) ln(1−y)]" in out


def test_plugins_json_shape(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    ran = cli("plugins", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    assert set(data) == {"activations", "losses", "optimizers"}
    for rows in data.values():
        for row in rows:
            assert set(row) == {"name", "params", "source", "description"}
            assert all(isinstance(v, float) for v in row["params"].values())
    activations = {row["name"]: row for row in data["activations"]}
    losses = {row["name"]: row for row in data["losses"]}
    assert activations["sigmoid"] == {
        "name": "sigmoid",
        "params": {},
        "source": "built-in",
        "description": "Logistic sigmoid: f(x) = 1 / (1 + e^-x).",
    }
    assert activations["scaled_tanh"]["params"] == {"a": 1.7159, "b": 2.0 / 3.0}
    assert losses["huber"]["params"] == {"delta": 1.0}
    assert losses["huber"]["source"] == os.path.join("plugins", "huber.py")
    assert {"half_squared_error", "mse", "binary_cross_entropy", "softmax_cross_entropy", "huber"} <= set(losses)
    optimizers = {row["name"]: row for row in data["optimizers"]}
    assert set(optimizers) == {"sgd", "momentum", "adam"}
    assert optimizers["adam"]["params"]["beta2"] == 0.999


# ---------------------------------------------------------------------- entry points


PACKAGE_MODULE = """
import numpy as np
from graphengine import activation, loss


@activation(formula="x^3 / 3")
def cube_third(x, k=1.0):
    \"\"\"k·x³/3, from an installed package.\"\"\"
    return k * x**3 / 3


@cube_third.derivative
def cube_third(x, y, k=1.0):
    return k * x**2
"""

PACKAGE_LOSSES = """
import numpy as np
from graphengine import loss


@loss
def quartic(y, t, scale=1.0):
    \"\"\"Σ scale·(y − t)⁴, from an installed package.\"\"\"
    return scale * np.sum((y - t) ** 4, axis=1)


@quartic.gradient
def quartic(y, t, scale=1.0):
    return 4 * scale * (y - t) ** 3
"""

PACKAGE_OPTIMIZERS = """
from graphengine import optimizer


@optimizer
def sign_descent(grad, state, learning_rate=0.01):
    \"\"\"Sign descent: θ ← θ − η·sign(g), from an installed package.\"\"\"
    return learning_rate * (grad > 0) - learning_rate * (grad < 0)
"""

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "graphengine-tiny-plugins"
version = "0.3.0"

[tool.setuptools]
packages = ["ge_tiny_plugins"]

[project.entry-points."graphengine.plugins.activations"]
cube_third = "ge_tiny_plugins:cube_third"

[project.entry-points."graphengine.plugins.losses"]
tiny_losses = "ge_tiny_plugins.losses"

[project.entry-points."graphengine.plugins.optimizers"]
sign_descent = "ge_tiny_plugins.optimizers:sign_descent"
"""


@pytest.fixture(scope="module")
def installed_package(tmp_path_factory):
    """A real package with entry points, built and pip-installed (offline) into a target dir."""
    base = tmp_path_factory.mktemp("entry_points")
    source, target = base / "src", base / "site"
    (source / "ge_tiny_plugins").mkdir(parents=True)
    write(source / "pyproject.toml", PYPROJECT)
    write(source / "ge_tiny_plugins" / "__init__.py", PACKAGE_MODULE)
    write(source / "ge_tiny_plugins" / "losses.py", PACKAGE_LOSSES)
    write(source / "ge_tiny_plugins" / "optimizers.py", PACKAGE_OPTIMIZERS)
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index"]
    command += ["--disable-pip-version-check", "--quiet", "--target", str(target), str(source)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "graphengine_tiny_plugins-0.3.0.dist-info" / "entry_points.txt").is_file()
    return target


@pytest.fixture
def on_path(installed_package, monkeypatch):
    monkeypatch.syspath_prepend(str(installed_package))
    yield installed_package
    for name in [m for m in sys.modules if m.startswith("ge_tiny_plugins")]:
        del sys.modules[name]


def test_entry_points_of_an_installed_package(on_path, cli):
    # importlib.metadata itself sees the installed distribution's entry points ...
    groups = importlib.metadata.entry_points()
    assert [ep.value for ep in groups.select(group="graphengine.plugins.activations", name="cube_third")] == [
        "ge_tiny_plugins:cube_third"
    ]
    found = {plugin.name: source for plugin, source in entry_point_plugins()}
    assert found["cube_third"] == (
        "package graphengine-tiny-plugins 0.3.0 (entry point cube_third = ge_tiny_plugins:cube_third)"
    )
    assert found["quartic"].startswith("package graphengine-tiny-plugins 0.3.0 (entry point tiny_losses")
    # ... and so do the registry and the command.
    ran = cli("plugins", "--json")
    assert ran.code == 0
    data = json.loads(ran.out)
    row = next(r for r in data["activations"] if r["name"] == "cube_third")
    assert row["params"] == {"k": 1.0} and row["description"] == "k·x³/3, from an installed package."
    assert any(r["name"] == "quartic" and r["params"] == {"scale": 1.0} for r in data["losses"])
    assert any(r["name"] == "sign_descent" and r["params"] == {"learning_rate": 0.01} for r in data["optimizers"])


def test_entry_point_plugins_work_in_a_spec(on_path):
    text = net_text("{name: cube_third, k: 0.5}", "identity", "{name: quartic, scale: 2.0}")
    net = Network.from_yaml(text, discover())
    trace = net.trace()
    assert trace.out("h1", 0) == pytest.approx(0.5 * 0.8**3 / 3, rel=1e-14)  # net 0.6·0.5 + 0.4 + 0.1
    np.testing.assert_allclose(
        np.array(list(trace.gradients.values())), finite_difference_gradient(net), rtol=1e-6, atol=1e-9
    )


def test_entry_points_in_a_fresh_process(installed_package):
    env = dict(os.environ, PYTHONPATH=str(installed_package))
    done = subprocess.run(
        [sys.executable, "-m", "graphengine", "plugins", "--json"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    names = [row["name"] for row in json.loads(done.stdout)["activations"]]
    assert "cube_third" in names


def test_entry_point_clashing_with_a_plugin_file(on_path, tmp_path, cli):
    path = write(tmp_path / "cube.py", SWISH_COPY.format(name="cube_third"))
    ran = cli("plugins", "--plugins", path)
    assert ran.code == 2
    err = ran.err
    assert "activation `cube_third` from" in err and "cube.py" in err
    assert "package graphengine-tiny-plugins 0.3.0" in err


def test_an_entry_point_must_name_a_plugin(tmp_path, monkeypatch):
    # A hand-written dist-info is enough to exercise the error paths of entry-point loading.
    dist = tmp_path / "broken_ep-1.0.dist-info"
    dist.mkdir()
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: broken-ep\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[graphengine.plugins.activations]\nnot_a_plugin = json:dumps\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(
        PluginError, match=r"package broken-ep 1.0 \(entry point not_a_plugin = json:dumps\): .*got function"
    ):
        discover()
    write(dist / "entry_points.txt", "[graphengine.plugins.activations]\nmissing = no_such_module_xyz:thing\n")
    with pytest.raises(PluginError, match=r"importing it raised ModuleNotFoundError"):
        discover()


@pytest.mark.parametrize(
    "loss, expected",
    [
        ("{name: huber, detla: 2.0}", r"net.yaml:\d+: loss.detla: unknown key `detla`; did you mean `delta`\?"),
        ("{name: huber, delta: big}", r"net.yaml:\d+: loss: loss `huber`: parameter `delta` must be a finite number"),
        ("{name: mse, delta: 2.0}", r"net.yaml:\d+: loss.*`delta`"),
    ],
)
def test_bad_loss_parameters(tmp_path, cli, loss, expected):
    (tmp_path / "net.yaml").write_text(net_text("sigmoid", "identity", loss))
    ran = cli("run", tmp_path / "net.yaml")
    assert ran.code == 2
    err = ran.err
    assert err.count("\n") == 1 and re.search(expected, err), err


# --------------------------------------------------------------------------- plugins as a user meets them


def test_unknown_activation_says_how_to_load_a_plugin(tmp_path, cli):
    # The docs' elu example run without --plugins: the message must say how plugins are loaded,
    # not only suggest the built-in `relu`.
    spec = tmp_path / "elu_net.yaml"
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes:\n  h: {activation: {name: elu, alpha: 0.5}, bias: 0.1}\n  y: {}\n"
        "edges:\n  - {from: x, to: h, weight: 0.8}\n  - {from: h, to: y, weight: 1.5}\n"
    )
    ran = cli("validate", spec)
    assert ran.code == 2
    err = ran.err
    assert err.startswith(f"error: {spec}:4: nodes.h.activation: unknown activation `elu`; did you mean `relu`?")
    assert err.rstrip().endswith("; a plugin's file is named with --plugins FILE or GRAPHENGINE_PLUGINS")
    assert len(err.strip().splitlines()) == 1


def test_plugins_in_a_folder_can_share_a_helper_module(tmp_path, cli):
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
    ran = cli("plugins", "--json", "--plugins", folder)
    assert ran.code == 0
    assert sys.path == path_before
    rows = {row["name"]: row for row in json.loads(ran.out)["activations"]}
    assert rows["silu2"]["source"] == str(folder / "silu.py")
    assert "_common" not in rows and "sig" not in rows


def test_a_plugin_failing_on_the_real_network_is_one_line_naming_its_file_and_line(tmp_path, cli):
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
        ran = cli(*command, spec, "--plugins", plugin)
        assert ran.code == 2
        assert ran.err == (
            f"error: {plugin}:7: loss `weighted`: raised IndexError: index 2 is out of bounds for axis 0 with size 1\n"
        )
