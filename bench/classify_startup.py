"""Cold start and peak memory of `schoolwatch classify`, this tree against a baseline ref.

What a user runs: `echo '{"text": "..."}' | schoolwatch classify` (README), in a fresh process.

* cold start: wall time of `schoolwatch classify` on one post, spawn to exit, median (min-max)
  of --repeats runs after a warm-up run (OS file cache and bytecode warm, as after an install:
  pip compiles .pyc files; here they go to a temporary PYTHONPYCACHEPREFIX, never the tree),
  and its CPU time (user + system: what the start costs where other work shares the cores, as
  on this 2-core box, and close to the wall time on an idle machine).
* peak memory: max RSS of `schoolwatch classify` on --memory-posts mixed 50-300-word posts
  (stitched from sentences of the fictional synthetic school set), from wait4's rusage.

Each is measured for the code at --baseline (git archive, the classifier before the cold-start
work of issue 19) and for this tree, alternating, plus a bare `python -c "import numpy,
onnxruntime"` (the floor any onnxruntime classifier pays), and printed as ratios.
Targets (issue 19): cold start <= 0.7 s, peak memory on 1,000 mixed posts <= 400 MB.

    .venv/bin/python bench/classify_startup.py [--repeats 5] [--baseline REF] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _baseline import baseline_tree

ROOT = Path(__file__).resolve().parents[1]
# The school set ships in the repository (fictional schools); read directly so this bench
# imports nothing of the product itself.
DATA_FILE = ROOT / "classifiers" / "training" / "data" / "school_posts.jsonl"
SCHOOLWATCH = Path(sys.executable).parent / "schoolwatch"
# The branch point of the cold-start work: the classifier as issue 19 measured it.
BASELINE = "23d8c47"
ONE_POST = json.dumps({"text": "Ring me on 07700 900123, Tom in Year 4 hit my son."}) + "\n"
BARE = [sys.executable, "-c", "import numpy, onnxruntime"]


def make_posts(count: int, seed: int = 11) -> list[str]:
    """Posts of 50-300 words stitched from school-set sentences (the mix classify_speed uses)."""
    rng = random.Random(seed)
    rows = [json.loads(line)["text"] for line in DATA_FILE.read_text().splitlines()]
    posts = []
    for _ in range(count):
        target = rng.randint(50, 300)
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < target:
            parts.append(rng.choice(rows))
        posts.append(" ".join(" ".join(parts).split()[:target]))
    return posts


def run_measured(command: list[str], stdin: str, env: dict[str, str], cwd: Path
                 ) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, max RSS in MB) of one child process, spawn to exit."""
    with tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=errors, text=True, env=env, cwd=cwd)
        assert child.stdin is not None
        child.stdin.write(stdin)  # stdout and stderr never fill a pipe: no deadlock
        child.stdin.close()
        _, status, usage = os.wait4(child.pid, 0)  # reaps it, with its own rusage
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def child_env(code: Path, pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPATH": str(code), "PYTHONPYCACHEPREFIX": str(pycache)}


def spread(values: list[float], unit: str, digits: int) -> str:
    ordered = sorted(values)
    return (f"{statistics.median(ordered):.{digits}f}{unit} "
            f"({ordered[0]:.{digits}f}-{ordered[-1]:.{digits}f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-posts", type=int, default=1000)
    parser.add_argument("--baseline", default=BASELINE,
                        help="git ref of the code to compare with (default: before the "
                             "cold-start work of issue 19).")
    parser.add_argument("--smoke", action="store_true",
                        help="one repeat, 10 posts for memory: checks the bench runs.")
    args = parser.parse_args()
    if args.smoke:
        args.repeats, args.memory_posts = 1, 10
    folder = Path(tempfile.mkdtemp(prefix="classify-startup-"))
    try:
        trees = {"baseline": baseline_tree(args.baseline, folder / "baseline"), "this tree": ROOT}
        if trees["baseline"] is None:
            print(f"baseline {args.baseline} is not in this clone's history: this tree only")
            del trees["baseline"]
        envs = {name: child_env(code, folder / f"pycache-{i}")
                for i, (name, code) in enumerate(trees.items())}
        posts = "".join(json.dumps({"text": p}) + "\n" for p in make_posts(args.memory_posts))
        command = [str(SCHOOLWATCH), "classify"]
        cold: dict[str, list[float]] = {name: [] for name in [*trees, "bare"]}
        cpu: dict[str, list[float]] = {name: [] for name in [*trees, "bare"]}
        memory: dict[str, list[float]] = {name: [] for name in trees}
        for name in trees:  # warm-up: OS file cache, bytecode written to the prefix
            run_measured(command, ONE_POST, envs[name], folder)
        run_measured(BARE, "", envs["this tree"], folder)
        for _ in range(args.repeats):  # alternating, so a busy moment hits both alike
            for name in trees:
                wall, seconds, _ = run_measured(command, ONE_POST, envs[name], folder)
                cold[name].append(wall)
                cpu[name].append(seconds)
            wall, seconds, _ = run_measured(BARE, "", envs["this tree"], folder)
            cold["bare"].append(wall)
            cpu["bare"].append(seconds)
        for _ in range(1 if args.smoke else 2):
            for name in trees:
                memory[name].append(run_measured(command, posts, envs[name], folder)[2])
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs; "
              f"baseline = {args.baseline}")
        print(f"cold start, `schoolwatch classify` on one post, median (min-max) of "
              f"{args.repeats} after a warm-up:")
        here = statistics.median(cold["this tree"])
        bare = statistics.median(cold["bare"])
        print(f"  {'':<34}{'wall':>20}{'CPU':>20}")
        for name in [*trees, "bare"]:
            label = "bare `import numpy, onnxruntime`" if name == "bare" else name
            print(f"  {label:<34}{spread(cold[name], 's', 2):>20}{spread(cpu[name], 's', 2):>20}")
        here_cpu, bare_cpu = statistics.median(cpu["this tree"]), statistics.median(cpu["bare"])
        if "baseline" in trees:
            print(f"  this tree / baseline: wall {here / statistics.median(cold['baseline']):.2f}"
                  f", CPU {here_cpu / statistics.median(cpu['baseline']):.2f}")
        print(f"  this tree / bare import: wall {here / bare:.2f}, CPU {here_cpu / bare_cpu:.2f}"
              "   (target: <= 0.7 s wall)")
        print(f"peak memory (max RSS) of `schoolwatch classify` on {args.memory_posts:,} mixed "
              "posts, lowest of the runs:")
        for name in trees:
            print(f"  {name:<10} {min(memory[name]):.0f} MB")
        if "baseline" in trees:
            print(f"  this tree / baseline = "
                  f"{min(memory['this tree']) / min(memory['baseline']):.2f}   "
                  "(target: <= 400 MB on 1,000 posts)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
