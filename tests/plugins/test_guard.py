"""graphengine.plugins.guard: plugins are checked where the network runs them, not only at load time.

Each generated case writes a plugin file whose activation (or loss) is right wherever the load
check samples it (|x| < 3.7) but misbehaves beyond a threshold — a wrong derivative, NaN, ±inf,
complex numbers, a Python list, a wrong shape, changing its input in place, raising,
``sys.exit(0)``, ``KeyboardInterrupt`` — and a spec whose net crosses that threshold. Every
command that shows a step (run, explain, check, render) must refuse it in one `error:` line
naming the plugin's file and name (exit status 2), or, for a harmless list, give exactly the
numbers of the same plugin written properly. Correct plugins, kinks included, must never be
refused.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers.robustness_tools import BOUNDED, DOC, cli, fresh, refused
from hypothesis import given
from hypothesis import strategies as st

# Each defect: the body of `f(x)` and of `df(x, y)` for |x| > T (T replaced), else tanh's.
DEFECTS = {
    "wrong-derivative": ("np.tanh(x)", "np.where(np.abs(x) > T, 3.0 * (1 - y**2) + 0.25, 1 - y**2)"),
    "nan": ("np.where(np.abs(x) > T, np.nan, np.tanh(x))", "1 - np.tanh(x) ** 2"),
    "inf": ("np.where(np.abs(x) > T, np.inf, np.tanh(x))", "1 - np.tanh(x) ** 2"),
    "nan-derivative": ("np.tanh(x)", "np.where(np.abs(x) > T, np.nan, 1 - y**2)"),
    "complex": ("np.tanh(x) if (np.abs(x) <= T).all() else np.tanh(x) + 1j", "1 - np.tanh(x) ** 2"),
    "shape": ("np.tanh(x) if (np.abs(x) <= T).all() else np.tanh(x).ravel()[:1]", "1 - y**2"),
    "in-place": ("_inplace(x, T)", "1 - y**2"),
    "raises": ("_raise(x, T, ValueError('too big'))", "1 - y**2"),
    "exit": ("_raise(x, T, SystemExit(0))", "1 - y**2"),
    "ctrl-c": ("_raise(x, T, KeyboardInterrupt())", "1 - y**2"),
    "object": ("np.tanh(x) if (np.abs(x) <= T).all() else np.full(x.shape, None, dtype=object)", "1 - y**2"),
}
# Harmless oddities (f, df) and the plain plugin (f, df) that must give the same numbers.
HARMLESS = {
    "list": (("np.tanh(x).tolist()", "(1 - np.asarray(y) ** 2).tolist()"), ("np.tanh(x)", "1 - y**2")),
    "integers": (("np.sign(x).astype(int)", "np.zeros(x.shape, dtype=int)"), ("np.sign(x)", "0.0 * x")),
    "returns-its-input": (("x", "np.ones_like(x)"), ("x * 1.0", "np.ones_like(x)")),
}

PLUGIN = """\
import sys

import numpy as np

from graphengine import activation


def _inplace(x, T):
    if (np.abs(x) > T).any():
        x *= 1.0
    return np.tanh(x)


def _raise(x, T, error):
    if (np.abs(x) > T).any():
        raise error
    return np.tanh(x)


@activation
def {name}(x):
    return {f}


@{name}.derivative
def {name}(x, y):
    return {df}
"""

SPEC = """\
inputs: [x]
outputs: [y]
nodes:
  h: {{activation: {name}, bias: 0.1}}
  y: {{}}
edges:
  - {{from: x, to: h, weight: 1.0}}
  - {{from: h, to: y, weight: 1.0}}
data:
{samples}
"""


def _write(tmp_path: Path, name: str, f: str, df: str, threshold: float, xs: list[float]) -> tuple[Path, Path]:
    plugin = tmp_path / "my_plugin.py"
    plugin.write_text(PLUGIN.format(name=name, f=f.replace("T", repr(threshold)), df=df.replace("T", repr(threshold))))
    # yaml's own writer: PyYAML reads repr's 1e-06 (no dot) as text, and 1.0e-06 as the number
    samples = "".join(f"  - {{inputs: {{x: {yaml.safe_dump(x).split()[0]}}}, targets: {{y: 0.2}}}}\n" for x in xs)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.format(name=name, samples=samples))
    return plugin, spec


def _commands(spec: Path, plugin: Path, tmp_path: Path) -> list[list[str]]:
    hand = tmp_path / "hand.yaml"
    hand.write_text("h.out: 0.5\n")
    return [
        ["run", str(spec), "--plugins", str(plugin)],
        ["run", "--json", str(spec), "--plugins", str(plugin)],
        ["explain", str(spec), "--plugins", str(plugin)],
        ["check", str(spec), "--expect", str(hand), "--plugins", str(plugin)],
        ["render", str(spec), "-o", str(tmp_path / "d.dot"), "--plugins", str(plugin)],
    ]


THRESHOLDS = st.floats(4.0, 40.0)
BEYOND = st.floats(1.05, 3.0)  # how far past the threshold the far sample's net lies


@BOUNDED
@given(defect=st.sampled_from(sorted(DEFECTS)), threshold=THRESHOLDS, beyond=BEYOND, sign=st.sampled_from([1, -1]))
def test_plugins_wrong_beyond_the_load_check_are_refused_where_they_run(
    tmp_path: Path, defect: str, threshold: float, beyond: float, sign: int
) -> None:
    tmp_path = fresh(tmp_path)
    f, df = DEFECTS[defect]
    far = sign * threshold * beyond - 0.1  # net = x + 0.1
    plugin, spec = _write(tmp_path, "odd_act", f, df, threshold, [0.3, far])
    assert cli(["plugins", "--plugins", str(plugin)])[0] == 0  # it passes the load check
    for argv in _commands(spec, plugin, tmp_path):
        line = refused(argv, seconds=30)
        assert "my_plugin.py:" in line and "activation `odd_act`" in line, (defect, argv[0], line)
    assert not (tmp_path / "d.dot").exists()


@BOUNDED
@given(kind=st.sampled_from(sorted(HARMLESS)), xs=st.lists(st.floats(-30, 30), min_size=1, max_size=5))
def test_harmless_plugins_give_the_numbers_of_the_proper_one(tmp_path: Path, kind: str, xs: list[float]) -> None:
    tmp_path = fresh(tmp_path)
    (f, df), (plain_f, plain_df) = HARMLESS[kind]
    plugin, spec = _write(tmp_path, "odd_act", f, df, 0.0, xs)
    status, out, err = cli(["run", "--json", str(spec), "--plugins", str(plugin)])
    assert status == 0, err
    got = json.loads(out)
    reference = tmp_path / "ref"
    reference.mkdir()
    plugin, spec = _write(reference, "odd_act", plain_f, plain_df, 0.0, xs)
    status, out, err = cli(["run", "--json", str(spec), "--plugins", str(plugin)])
    assert status == 0, err
    assert _close(got, json.loads(out))


def _close(a: object, b: object) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)  # type: ignore[union-attr,index]
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-7)  # type: ignore[arg-type]
    return a == b


# Correct plugins with kinks: the net may sit exactly on a kink (0 here), where a central
# difference straddles it; the one-sided differences accept the derivative's side.
CORRECT = {
    "relu-like": ("np.maximum(x, 0.0)", "np.where(x > 0, 1.0, 0.0)"),
    "abs": ("np.abs(x)", "np.sign(x)"),
    "leaky": ("np.where(x > 0, x, 0.1 * x)", "np.where(x > 0, 1.0, 0.1)"),
    "cubic": ("x**3 / 3", "x**2"),
    "softsign": ("x / (1 + np.abs(x))", "1 / (1 + np.abs(x)) ** 2"),
}


@BOUNDED
@given(
    kind=st.sampled_from(sorted(CORRECT)),
    xs=st.lists(st.one_of(st.just(-0.1), st.floats(-50, 50)), min_size=1, max_size=6),
)
def test_correct_plugins_are_never_refused(tmp_path: Path, kind: str, xs: list[float]) -> None:
    tmp_path = fresh(tmp_path)
    f, df = CORRECT[kind]
    plugin, spec = _write(tmp_path, "ok_act", f, df, 0.0, xs)  # x = -0.1 puts net on the kink at 0
    for argv in _commands(spec, plugin, tmp_path)[:3]:
        status, _, err = cli(argv)
        assert status == 0, (kind, xs, err)
    status, _, err = cli(["train", str(spec), "--epochs", "3", "--plugins", str(plugin)])
    assert status in (0, 2) and "Traceback" not in err
    if status == 2:
        assert "loss became" in err  # a diverging cubic, say: the training error, not the plugin's


# ---------------------------------------------------------------------- losses

LOSS_PLUGIN = """\
import numpy as np

from graphengine import loss


@loss
def odd_loss(y, t):
    return np.sum(0.5 * (y - t) ** 2, axis=1)


@odd_loss.gradient
def odd_loss(y, t):
    return {gradient}
"""
LOSS_DEFECTS = {
    "wrong-far": "np.where(np.abs(y - t) > T, 2.0 * (y - t), y - t)",
    "nan-far": "np.where(np.abs(y - t) > T, np.nan, y - t)",
    "list": "(y - t).tolist() if (np.abs(y - t) <= T).all() else [[1j]] * len(y)",
}


@BOUNDED
@given(defect=st.sampled_from(sorted(LOSS_DEFECTS)), threshold=st.floats(1.5, 20.0), beyond=BEYOND)
def test_loss_plugins_wrong_beyond_the_load_check_are_refused(
    tmp_path: Path, defect: str, threshold: float, beyond: float
) -> None:
    tmp_path = fresh(tmp_path)
    plugin = tmp_path / "my_loss.py"
    plugin.write_text(LOSS_PLUGIN.format(gradient=LOSS_DEFECTS[defect].replace("T", repr(threshold))))
    spec = tmp_path / "spec.yaml"
    far = threshold * beyond
    spec.write_text(
        "inputs: [x]\noutputs: [y]\nnodes: {y: {}}\nedges: [{from: x, to: y, weight: 1.0}]\nloss: odd_loss\n"
        f"data:\n  - {{inputs: {{x: 0.1}}, targets: {{y: 0.0}}}}\n  - {{inputs: {{x: {far!r}}}, targets: {{y: 0.0}}}}\n"
    )
    assert cli(["plugins", "--plugins", str(plugin)])[0] == 0
    line = refused(["run", str(spec), "--plugins", str(plugin)], seconds=30)
    assert "my_loss.py:" in line and "loss `odd_loss`" in line, line
    line = refused(["train", str(spec), "--epochs", "2", "--plugins", str(plugin)], seconds=30)
    assert "loss `odd_loss`" in line, line


# ---------------------------------------------------------------------- the process stays ours


@pytest.mark.parametrize(
    "body",
    ["import sys\nsys.exit(0)\n", "raise KeyboardInterrupt\n", "import os\nraise SystemExit('bye')\n", "1/0\n"],
)
def test_plugin_files_that_end_the_process_while_loading(tmp_path: Path, body: str) -> None:
    plugin = tmp_path / "ender.py"
    plugin.write_text(body)
    for argv in (["plugins"], ["run", str(DOC)], ["validate", str(DOC)]):
        line = refused([*argv, "--plugins", str(plugin)], seconds=30)
        assert "ender.py:" in line and "importing the plugin file raised" in line, line


@pytest.mark.parametrize("name", ["bad\nname", "tab\there", " spaced", "x" * 1001, "bell\x07"])
def test_plugin_names_follow_the_rules_of_spec_names(tmp_path: Path, name: str) -> None:
    plugin = tmp_path / "named.py"
    plugin.write_text(
        "import numpy as np\nfrom graphengine import activation\n\n"
        f"@activation(name={name!r})\ndef f(x):\n    return x\n\n@f.derivative\ndef f(x, y):\n    return np.ones_like(x)\n"
    )
    line = refused(["plugins", "--plugins", str(plugin)])
    assert "named.py:4: activation name" in line


def test_complex_results_are_refused_at_load(tmp_path: Path) -> None:
    plugin, _ = _write(tmp_path, "wavy", "np.where(x > 100, 1j, np.tanh(x))", "1 - y**2", 0.0, [0.5])
    line = refused(["plugins", "--plugins", str(plugin)])  # np.where made every value complex
    assert "activation `wavy`: function `wavy` returned complex numbers" in line


def test_in_place_changes_cannot_corrupt_net(tmp_path: Path) -> None:
    # Plugins get read-only arrays, at the load check and in the engine: a change is an error,
    # never a silently wrong net.
    plugin, spec = _write(tmp_path, "sneaky", "_inplace(x, -1.0)", "1 - y**2", 0.0, [0.5])
    line = refused(["plugins", "--plugins", str(plugin)])
    assert "my_plugin.py:10: activation `sneaky`" in line and "must not change the arrays" in line


def test_guard_converts_and_refuses_directly() -> None:
    from graphengine.errors import PluginError
    from graphengine.plugins.guard import guarded
    from graphengine.plugins.registry import activation

    @activation
    def listy(x):
        return (2 * np.asarray(x)).tolist()

    @listy.derivative
    def listy(x, y):
        return 1j * np.ones_like(x)

    listy.source = "test"
    safe = guarded(listy)
    x = np.array([[1.0, -2.0]])
    out = safe.function(x)
    assert out.dtype == np.float64 and out.tolist() == [[2.0, -4.0]] and out.flags.writeable
    with pytest.raises(PluginError, match="activation `listy` \\(derivative\\): returned complex numbers"):
        safe.derivative_function(x, out)
    assert guarded(safe) is safe and listy.function is not safe.function  # the original is left as it was


def test_user_ctrl_c_is_still_an_interrupt() -> None:
    # The plugin's KeyboardInterrupt is an error; the user's Ctrl-C (counted by the CLI's handler) is not.
    import graphengine._util.interrupts as interrupts

    with interrupts.watch_interrupts():
        before = interrupts.interrupt_presses()
        assert interrupts.raised_by_plugin(KeyboardInterrupt(), before)
        with pytest.raises(KeyboardInterrupt):
            interrupts.count_interrupt(2, None)
        assert not interrupts.raised_by_plugin(KeyboardInterrupt(), before)
    assert not interrupts.raised_by_plugin(KeyboardInterrupt(), interrupts.interrupt_presses())  # not watching


def test_the_users_ctrl_c_during_plugin_code_is_exit_130(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    plugin, spec = _write(tmp_path, "slow", "_slow(x)", "1 - y**2", 0.0, [0.5])
    plugin.write_text(
        plugin.read_text().replace(
            "def _raise(",
            "def _slow(x):\n    if x.shape == (1, 1):\n        print('in plugin', flush=True)\n"
            "        import time\n        time.sleep(30)\n    return np.tanh(x)\n\n\ndef _raise(",
        )
    )
    code = f"import sys; from graphengine.cli import main; sys.exit(main(['run', {str(spec)!r}, '--plugins', {str(plugin)!r}]))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "in plugin"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and stderr.strip() == "interrupted", stderr
