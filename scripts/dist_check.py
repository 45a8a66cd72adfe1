"""`make dist-check`: the wheel and sdist hold what a user needs, and the wheel works on its own.

Installs the wheel into a fresh virtual environment in a temporary folder and runs the scripted demo
from there, so nothing is found in the source tree by accident: a package-data file missing from the
wheel (a built-in scenario, a prompt, a topic, a report asset) fails here, not on a user's machine.
Usage: python scripts/dist_check.py DIST_DIR
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "hubbub"


def fail(message: str) -> None:
    """One line naming what is wrong, and a non-zero exit."""
    sys.exit(f"dist-check: {message}")


def data_files() -> set[str]:
    """Every non-Python file of the package (wheel paths): what the code may read at run time."""
    return {f"hubbub/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}


def one(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        fail(f"expected one {pattern} in {dist}, found {[p.name for p in found]}")
    return found[0]


def check_wheel(wheel: Path) -> None:
    """All package data and the licence are in the wheel; tests and the source tree's extras are not."""
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(data_files() - names)
    if missing:
        fail(f"{wheel.name} lacks {len(missing)} package-data file(s), e.g. {missing[:3]}; "
             "add their pattern to [tool.setuptools.package-data] in pyproject.toml")
    if not any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names):
        fail(f"{wheel.name} has no LICENSE in its .dist-info")
    stray = sorted(n for n in names if n.startswith(("tests/", "docs/", "benchmarks/")))
    if stray:
        fail(f"{wheel.name} holds files outside the package, e.g. {stray[:3]}")
    print(f"wheel ok: {wheel.name}, {len(names)} files, {len(data_files())} package-data files")


def check_sdist(sdist: Path) -> None:
    """The sdist holds the licence, the README, pyproject.toml and every package-data file."""
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    needed = {"LICENSE", "README.md", "pyproject.toml"} | {f"src/{f}" for f in data_files()}
    missing = sorted(needed - names)
    if missing:
        fail(f"{sdist.name} lacks {missing[:3]}")
    print(f"sdist ok: {sdist.name}, {len(names)} files")


def clean_env() -> dict[str, str]:
    """The environment with nothing that points Python at the source tree or the project's .venv."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def sh(args: list[str], cwd: Path) -> str:
    """Run a command in ``cwd`` (outside the source tree); its failure ends the check with its output."""
    proc = subprocess.run(args, cwd=cwd, env=clean_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        fail(f"`{' '.join(map(str, args))}` exited {proc.returncode}:\n" + "\n".join(tail))
    return proc.stdout


def install(wheel: Path, tmp: Path) -> Path:
    """A fresh virtual environment in ``tmp`` with the wheel and its dependencies; returns its bin/."""
    base = getattr(sys, "_base_executable", sys.executable)
    sh([base, "-m", "venv", str(tmp / "venv")], cwd=tmp)
    bin_dir = tmp / "venv" / "bin"
    sh([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp)
    return bin_dir


def smoke(bin_dir: Path, tmp: Path) -> None:
    """hubbub imports from the venv, not the source tree; --version, scenarios show and a scripted run work."""
    where = sh([str(bin_dir / "python"), "-c", "import hubbub; print(hubbub.__file__)"], cwd=tmp).strip()
    if not where.startswith(str(tmp)):
        fail(f"hubbub was imported from {where}, not from the fresh environment in {tmp}")
    print(sh([str(bin_dir / "hubbub"), "--version"], cwd=tmp).strip(), "from", where)
    if "[run]" not in sh([str(bin_dir / "hubbub"), "scenarios", "show", "demo"], cwd=tmp):
        fail("`hubbub scenarios show demo` printed no [run] table")
    run = tmp / "run"
    sh([str(bin_dir / "hubbub"), "run", "demo", "--backend", "scripted", "--out", str(run)], cwd=tmp)
    for name in ("run.sqlite", "manifest.json", "summary.md", "report.html"):
        if not (run / name).is_file():
            fail(f"the scripted demo wrote no {name} in {run}")
    print(f"scripted demo ok: {sorted(p.name for p in run.iterdir())}")


def main() -> None:
    dist = Path(sys.argv[1] if len(sys.argv) > 1 else "dist").resolve()
    wheel, sdist = one(dist, "hubbub-*.whl"), one(dist, "hubbub-*.tar.gz")
    check_wheel(wheel)
    check_sdist(sdist)
    with tempfile.TemporaryDirectory(prefix="hubbub-dist-check-") as tmp:
        root = Path(tmp).resolve()
        smoke(install(wheel, root), root)
    print("dist-check passed")


if __name__ == "__main__":
    main()
