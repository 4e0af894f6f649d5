"""Time the full check of every CloudFormation (jinja) bundle of the corpus against three baselines.

    python benchmarks/bench_rendering.py [--runs 3]

(a) ``proton-lint check`` of the jinja bundles: every rule, cold cache (``--no-cache``), as a process;
(b) the earlier AWS checker's approach: plain ``jinja2.Environment`` rendering plus
    ``cfnlint.api.lint()`` per template, in one process (its import time included);
(c) the ``cfn-lint`` command, run once over the same templates, pre-rendered by proton-lint;
(d) ``proton-lint check`` again with a warm cache.
All four are measured in the same run, as processes, medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

BASELINE_B = r"""
import sys, json
from pathlib import Path
import jinja2
import cfnlint.api

jobs = json.loads(Path(sys.argv[1]).read_text())
env = jinja2.Environment()  # what the template-checker action does: default Undefined, no sandbox
count = 0
for job in jobs:
    text = env.from_string(job["source"]).render(**job["context"])
    cfnlint.api.lint(text)
    count += 1
print(count)
"""


def jinja_bundles() -> list[Path]:
    from proton_lint.contexts import jinja_templates
    from proton_lint.discover import discover

    return sorted(Path(b.source.root) for b in discover([CORPUS]).bundles if jinja_templates(b))


def renderings(bundles: list[Path]) -> list:
    from proton_lint.contexts import renderings as render_all
    from proton_lint.discover import discover
    from proton_lint.engine import LintOptions
    from proton_lint.repo import Repository

    found = discover([CORPUS])
    Repository(found.bundles, [CORPUS], LintOptions(entry_points=False))
    wanted = {str(b) for b in bundles}
    return [r for b in found.bundles if str(b.source.root) in wanted for r in render_all(b) if r.result.ok]


def timed(argv: list[str], cwd: Path, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-j", "--jobs", default="0", help="proton-lint's -j for (a) and (d) (default 0: every CPU)")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS}: not found")
    bundles = jinja_bundles()
    rendered = renderings(bundles)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        jobs = []
        for i, r in enumerate(rendered):
            out = work / "rendered" / f"{i:03d}.yaml"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(r.result.text)
            jobs.append(
                {"source": r.bundle.read_text(r.rel), "context": json.loads(json.dumps(r.context, default=str))}
            )
        (work / "jobs.json").write_text(json.dumps(jobs))
        (work / "b.py").write_text(BASELINE_B)
        paths = [str(b) for b in bundles]
        check = [sys.executable, "-m", "proton_lint", "check", *paths, "--format", "json", "-o", str(work / "out.json")]
        a = timed([*check, "--no-cache", "-j", args.jobs], work, args.runs)
        b = timed([sys.executable, str(work / "b.py"), str(work / "jobs.json")], work, args.runs)
        c = timed(["cfn-lint", *sorted(str(p) for p in (work / "rendered").glob("*.yaml"))], work, args.runs)
        timed([*check, "-j", args.jobs], work, 1)  # fill the cache
        d = timed([*check, "-j", args.jobs], work, args.runs)
    med = {k: statistics.median(v) for k, v in {"a": a, "b": b, "c": c, "d": d}.items()}
    print(f"{len(bundles)} jinja bundles, {len(rendered)} renderings, {args.runs} runs, -j {args.jobs}")
    print(f"(a) proton-lint check, cold cache      {med['a']:7.2f} s")
    print(f"(b) plain Jinja + cfnlint.api.lint()   {med['b']:7.2f} s   (a)/(b) = {med['a'] / med['b']:.2f}")
    print(f"(c) cfn-lint on pre-rendered templates {med['c']:7.2f} s   (a)/(c) = {med['a'] / med['c']:.2f}")
    print(f"(d) proton-lint check, warm cache      {med['d']:7.2f} s")


if __name__ == "__main__":
    main()
