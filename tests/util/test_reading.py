"""graphengine._util.reading: files are read only where asked, only if regular, only up to a cap.

Generated cases: data paths that leave the spec's folder (absolute, `..`, symbolic links) with
a secret in the file they point at; special files (FIFO, /dev/zero, folders) in every place a
file is read (spec, hand file, data file); files over the size cap. Every refusal is one
`error:` line, exit status 2, in well under a second, and never shows the secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.robustness_tools import BOUNDED, DOC, cli, refused
from hypothesis import given
from hypothesis import strategies as st

from graphengine._util.reading import MB, data_path, outside_data_allowed, read_bytes, read_cap, read_text
from graphengine.errors import DataError, SpecError

SECRET = "root:$6$s3cr3t-hash-do-not-print:19000:0:99999:7:::"

SPEC = """\
inputs: [a, b]
outputs: [y]
nodes: {{y: {{activation: sigmoid}}}}
edges:
  - {{from: a, to: y, weight: 0.5}}
  - {{from: b, to: y, weight: -0.5}}
data: {{csv: {csv}, targets: [y]}}
"""
TABLE = "a,b,y\n1,2,0\n0.5,-1,1\n"


def _spec(folder: Path, csv: str, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(SPEC.format(csv=csv), encoding="utf-8")
    return path


# ---------------------------------------------------------------------- paths outside the spec's folder


# How a path can leave the spec's folder: (name in the spec, made by `place(tmp, secret_file)`).
ESCAPES = st.sampled_from(["absolute", "dotdot", "deep-dotdot", "symlink-file", "symlink-folder", "inside-then-up"])


def _escape(kind: str, home: Path, secret: Path) -> str:
    if kind == "absolute":
        return str(secret)
    if kind == "dotdot":
        return f"../{secret.name}"
    if kind == "deep-dotdot":
        (home / "sub").mkdir(exist_ok=True)
        return f"sub/../../{secret.name}"
    if kind == "symlink-file":
        link = home / "data.csv"
        link.unlink(missing_ok=True)
        link.symlink_to(secret)
        return "data.csv"
    if kind == "symlink-folder":
        link = home / "linked"
        if not link.exists():
            link.symlink_to(secret.parent, target_is_directory=True)
        return f"linked/{secret.name}"
    return f"../{home.name}/../{secret.name}"  # inside-then-up


@BOUNDED
@given(kind=ESCAPES, first_line=st.sampled_from([SECRET, "a,b,y", "password=hunter2"]))
def test_data_outside_the_spec_folder_is_refused_and_never_shown(tmp_path: Path, kind: str, first_line: str) -> None:
    home = tmp_path / "project"
    home.mkdir(exist_ok=True)
    secret = tmp_path / "secret.csv"
    secret.write_text(first_line + "\n1,2,3\n", encoding="utf-8")
    spec = _spec(home, repr(_escape(kind, home, secret)))
    line = refused(["validate", str(spec)], seconds=10)
    assert f"{spec}:7: data.csv: " in line and "outside the spec's folder" in line and "--allow-outside-data" in line
    assert first_line not in line and "hunter2" not in line
    # The user can allow it; then the table is read (a header `a,b,y` fits this network).
    status, _, err = cli(["validate", "--allow-outside-data", str(spec)], seconds=10)
    assert (status == 0) == (first_line == "a,b,y"), err
    assert SECRET not in err and "hunter2" not in err


@pytest.mark.parametrize("name", ["data.csv", "sub/data.csv", "./sub/../data.csv"])
def test_data_below_the_spec_folder_is_read(tmp_path: Path, name: str) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / name).write_text(TABLE, encoding="utf-8")
    status, out, err = cli(["validate", str(_spec(tmp_path, name))])
    assert status == 0 and "2 samples" in out, err


def test_data_path_api(tmp_path: Path) -> None:
    class Located:  # what data_path needs of a Spec
        file = str(tmp_path / "spec.yaml")

        def error(self, cls, message, path):
            return cls(message, file=self.file, path=path)

    assert data_path(Located(), "a.csv") == tmp_path / "a.csv"
    with pytest.raises(DataError, match="outside the spec's folder"):
        data_path(Located(), "/etc/hostname")
    with outside_data_allowed():
        assert data_path(Located(), "/etc/hostname") == Path("/etc/hostname")
    with pytest.raises(DataError):  # the permission ends with the block
        data_path(Located(), "../x.csv")


# ---------------------------------------------------------------------- special files, everywhere a file is read


def _special(kind: str, tmp_path: Path) -> str:
    if kind == "fifo":
        path = tmp_path / "pipe"
        if not path.exists():
            os.mkfifo(path)
        return str(path)
    if kind == "folder":
        path = tmp_path / "folder.yaml"
        path.mkdir(exist_ok=True)
        return str(path)
    return "/dev/zero" if kind == "device" else "/dev/null"


SPECIAL = st.sampled_from(["fifo", "folder", "device", "empty-device"])
WHERE = st.sampled_from(["spec", "hand", "data"])


@BOUNDED
@given(kind=SPECIAL, where=WHERE)
def test_special_files_are_refused_without_blocking(tmp_path: Path, kind: str, where: str) -> None:
    path = _special(kind, tmp_path)
    if where == "spec":
        argv = ["validate", path]
    elif where == "hand":
        argv = ["check", str(DOC), "--expect", path]
    else:
        (tmp_path / "dev").mkdir(exist_ok=True)
        link = tmp_path / "dev" / "table.csv"
        link.unlink(missing_ok=True)
        link.symlink_to(path)
        argv = ["validate", "--allow-outside-data", str(_spec(tmp_path / "dev", "table.csv"))]
    # A FIFO without a writer blocks a plain open() forever; /dev/zero never ends.
    line = refused(argv, seconds=5)
    assert "not a regular file" in line or "is a directory" in line or "a folder" in line, line


def test_read_bytes_cap_and_growth(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 1000)
    assert read_bytes(path, 1000) == b"x" * 1000
    with pytest.raises(SpecError, match="larger than"):
        read_bytes(path, 999)
    with pytest.raises(SpecError, match="no such file"):
        read_bytes(tmp_path / "none", 10)
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "none", 10, missing=True)
    with pytest.raises(SpecError, match="not UTF-8"):
        (tmp_path / "latin.yaml").write_bytes(b"name: caf\xe9\n")
        read_text(tmp_path / "latin.yaml")


@BOUNDED
@given(size_kb=st.integers(1, 64), cap_kb=st.integers(1, 64), where=WHERE)
def test_size_cap_is_configurable_and_enforced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size_kb: int, cap_kb: int, where: str
) -> None:
    monkeypatch.setenv("GRAPHENGINE_MAX_READ_MB", str(cap_kb / 1024))
    assert read_cap(123) == int(cap_kb / 1024 * MB)
    padding = "#" * (size_kb * 1024) + "\n"  # a comment: valid YAML and CSV-free
    if where == "spec":
        path = tmp_path / "spec.yaml"
        path.write_text(DOC.read_text() + padding)
        argv = ["validate", str(path)]
    elif where == "hand":
        path = tmp_path / "hand.yaml"
        path.write_text("h1.out: 0.5933\n" + padding)
        argv = ["check", str(DOC), "--expect", str(path)]
    else:
        path = tmp_path / "table.csv"
        path.write_text(TABLE + "1," * (size_kb * 512) + "\n")
        argv = ["validate", str(_spec(tmp_path, "table.csv"))]
    too_big = path.stat().st_size > int(cap_kb / 1024 * MB)
    status, _, err = cli(argv, seconds=20)
    if too_big:
        assert status == 2 and "larger than" in err and "GRAPHENGINE_MAX_READ_MB" in err, err
    else:
        assert "larger than" not in err


def test_a_bad_cap_setting_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHENGINE_MAX_READ_MB", "lots")
    assert "GRAPHENGINE_MAX_READ_MB='lots' must be a positive number" in refused(["validate", str(DOC)])


@BOUNDED
@given(cell=st.sampled_from(["eight", "1e", "--1", "0x10", "nan", "inf"]), row=st.integers(0, 3))
def test_a_bad_cell_is_the_only_content_shown(tmp_path: Path, cell: str, row: int) -> None:
    rows = [["1", "2", "0"], ["0.5", "-1", "1"], ["2", "3", "1"], ["4", "5", "0"]]
    rows[row][1] = cell
    (tmp_path / "t.csv").write_text("a,b,y\n" + "".join(",".join(r) + "\n" for r in rows))
    line = refused(["validate", str(_spec(tmp_path, "t.csv"))])
    assert f"t.csv:{row + 2}: column `b`: `{cell}` is not" in line
    others = {c for r in rows for c in r} - {cell}
    shown = line.split("column `b`: ")[1]
    assert not any(f"`{c}`" in shown for c in others)
