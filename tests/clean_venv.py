"""A clean venv holding the built wheel and only its runtime dependencies, made offline.

The wheel is built from the checkout's files and installed with pip (`--no-deps --no-index`).
Its dependencies (Requires-Dist without extras, followed recursively) are linked in from the
test venv's site-packages, where `make test` already installed them: no network, a few seconds,
and anything only an extra needs (torch, transformers...) is simply not there. `pip check`
then proves the runtime requirements are complete.
"""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from importlib.metadata import Distribution, distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "schoolwatch"


def _installed() -> dict[str, Distribution]:
    found: dict[str, Distribution] = {}
    for dist in distributions():
        found.setdefault(canonicalize_name(dist.metadata["Name"]), dist)
    return found


def wheel_requirements(wheel: Path) -> list[str]:
    """Requires-Dist of the built wheel (the test venv's own metadata may be older)."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = email.message_from_bytes(archive.read(metadata))
    return message.get_all("Requires-Dist") or []


def runtime_closure(installed: dict[str, Distribution], requirements: list[str]) -> set[str]:
    """Names of the distributions these requirements (no extras) pull in, recursively."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        requirement = Requirement(todo.pop())
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(requirement.name)
        if name not in seen:
            seen.add(name)
            todo.extend(installed[name].requires or [])
    return seen


def _top_levels(dist: Distribution) -> set[str]:
    return {
        file.parts[0]
        for file in dist.files or []
        if file.parts and file.parts[0] not in ("..", "__pycache__")
    }


def link_dependencies(site: Path, names: Iterable[str], installed: dict[str, Distribution]) -> None:
    """Links each distribution's top-level entries into `site`; a folder shared with a
    distribution outside the closure (a namespace such as google/) is linked file by file."""
    chosen = set(names)
    owners: dict[str, set[str]] = {}
    for name, dist in installed.items():
        for top in _top_levels(dist):
            owners.setdefault(top, set()).add(name)
    for name in sorted(chosen):
        dist = installed[name]
        base = Path(str(dist.locate_file("")))
        for top in _top_levels(dist):
            target = site / top
            if owners[top] <= chosen:
                if not target.exists() and (base / top).exists():
                    target.symlink_to(base / top)
                continue
            for file in dist.files or []:
                if file.parts[0] == top and (base / file).is_file():
                    link = site / file
                    link.parent.mkdir(parents=True, exist_ok=True)
                    if not link.exists():
                        link.symlink_to(base / file)


def build_wheel(checkout: Path, workdir: Path) -> Path:
    """The wheel of the checkout's files (tracked and new, never ignored build output)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=checkout, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    source = workdir / "source"
    for relative in filter(None, listed):
        if (checkout / relative).is_file():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(checkout / relative, source / relative)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(workdir / "dist"), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = (workdir / "dist").glob(f"{PROJECT}-*.whl")
    return wheel


def make_clean_venv(checkout: Path, workdir: Path) -> Path:
    """Builds the wheel, installs it into a new venv without extras; returns the venv."""
    wheel = build_wheel(checkout, workdir)
    venv = workdir / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )
    installed = _installed()
    link_dependencies(site, runtime_closure(installed, wheel_requirements(wheel)), installed)
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    subprocess.run([*pip, "check"], check=True, capture_output=True, timeout=120)
    return venv
