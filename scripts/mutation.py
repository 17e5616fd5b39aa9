"""`make mutation`: mutmut over the decision modules with the unit tests, then the score, module by module.

pyproject.toml's [tool.mutmut] names the files mutmut copies and mutates (into mutants/) and the tests it runs: each
mutant runs only the unit tests that reached its function in a first, traced run of tests/unit. SCOPE below is what
is scored (whole modules; a module's patterns could narrow it to some functions). Each surviving mutant must be
listed in tests/mutation-survivors.md with why it is equivalent. The score is the share of mutants the tests detect:
killed, or timed out (a mutant that makes the tests run past mutmut's CPU limit, as a loop that never ends, is caught
too; the table counts those apart). Exit 1 when the score is under GOAL or a survivor is not listed there.

    python scripts/mutation.py [--jobs N] [--score-only] [GLOB ...]   # GLOB: mutant names, e.g. 'gate.verdict.*'
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = Path(sys.executable).parent / "mutmut"
SURVIVORS = ROOT / "tests" / "mutation-survivors.md"
GOAL = 0.95
# Module -> the mutant names scored in it (mutmut names a mutant module.x_function__mutmut_N, and a method's
# module.xǁClassǁmethod__mutmut_N).
SCOPE: dict[str, tuple[str, ...]] = {
    "gate.verdict": ("*",), "gate.statuses": ("*",), "gate.result": ("*",), "gate.textsafe": ("*",),
    "gate.pace.policy": ("*",), "gate.pace.retry": ("*",),
    "gate.report.redact": ("*",), "gate.report.formats.dotenv": ("*",), "gate.report.formats.junit": ("*",),
    "gate.report.formats.github": ("*",),
    "gate.pick.cisince": ("*",), "gate.pick.workflows": ("*",),
}
# mutmut's exit codes of a mutant's test run (mutmut.stats.status_by_exit_code), folded into what the score needs.
KILLED, SURVIVED, TIMEOUT, NO_TESTS, NOT_RUN = "killed", "survived", "timeout", "no tests", "not run"
STATUS = {1: KILLED, 3: KILLED, 37: KILLED, 0: SURVIVED, 36: TIMEOUT, 24: TIMEOUT, -24: TIMEOUT, 152: TIMEOUT,
          255: TIMEOUT, 5: NO_TESTS, 33: NO_TESTS, None: NOT_RUN}


def globs() -> list[str]:
    return [f"{module}.{pattern}" for module, patterns in SCOPE.items() for pattern in patterns]


def in_scope(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in globs())


def results() -> dict[str, str]:
    """Every scored mutant's status, from mutmut's records in mutants/."""
    found: dict[str, str] = {}
    for meta in sorted((ROOT / "mutants" / "gate").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            if in_scope(name):
                found[name] = STATUS.get(code, f"exit {code}")
    return found


def listed_survivors() -> set[str]:
    """The mutants tests/mutation-survivors.md explains: lines `- \\`name\\`: why`."""
    text = SURVIVORS.read_text(encoding="utf-8") if SURVIVORS.is_file() else ""
    return set(re.findall(r"^- `([^`]+)`", text, flags=re.MULTILINE))


def module_of(name: str) -> str:
    return name.rsplit(".", 1)[0]


def report(found: dict[str, str]) -> int:
    by_module: dict[str, Counter[str]] = {module: Counter() for module in SCOPE}
    for name, status in found.items():
        by_module[module_of(name)][status] += 1
    print(f"{'module':<30} {'mutants':>7} {'killed':>7} {'survived':>8} {'timeout':>7} {'other':>5} {'score':>7}")
    total: Counter[str] = Counter()
    for module, counts in by_module.items():
        total.update(counts)
        print(row(module, counts))
    print(row("all", total))
    survivors = {name for name, status in found.items() if status not in (KILLED, TIMEOUT, NOT_RUN)}
    listed = listed_survivors()
    unexplained, stale = sorted(survivors - listed), sorted(listed - survivors)
    for name in unexplained:
        print(f"not killed and not in {SURVIVORS.relative_to(ROOT)}: {name} ({found[name]})")
    for name in stale:
        print(f"in {SURVIVORS.relative_to(ROOT)} but not a survivor (killed, renamed or not run): {name}")
    if total[NOT_RUN]:
        print(f"{total[NOT_RUN]} mutants not run yet: run `make mutation`")
    checked = sum(total.values()) - total[NOT_RUN]
    detected = total[KILLED] + total[TIMEOUT]
    score = detected / checked if checked else 0.0
    ok = bool(checked) and score >= GOAL and not unexplained and not total[NOT_RUN]
    print(f"score {score:.1%} ({detected} of {checked} mutants killed or timed out); goal {GOAL:.0%}: "
          f"{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def row(name: str, counts: Counter[str]) -> str:
    mutants = sum(counts.values())
    other = mutants - counts[KILLED] - counts[SURVIVED] - counts[TIMEOUT]
    checked = mutants - counts[NOT_RUN]
    score = f"{(counts[KILLED] + counts[TIMEOUT]) / checked:.1%}" if checked else "-"
    return (f"{name:<30} {mutants:>7} {counts[KILLED]:>7} {counts[SURVIVED]:>8} {counts[TIMEOUT]:>7} {other:>5} "
            f"{score:>7}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--score-only", action="store_true", help="score what mutants/ holds; run nothing")
    parser.add_argument("only", nargs="*", help="run only these mutant names (globs); the score is still whole")
    args = parser.parse_args()
    if not args.score_only:
        names = args.only or globs()
        done = subprocess.run([str(MUTMUT), "run", "--max-children", str(args.jobs), *names], cwd=ROOT, check=False)
        if done.returncode != 0:
            return done.returncode
    return report(results())


if __name__ == "__main__":
    sys.exit(main())
