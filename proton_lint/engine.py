"""The engine: discover bundles, run the selected rules on each, apply suppressions and baselines.

Selection happens before anything runs: a rule that is not selected is never called. A rule that
raises becomes a PL000 finding for that bundle and the run goes on; the exit code is then 2.
With ``jobs > 1`` bundles are checked in a process pool; results are sorted, so the output does not
depend on scheduling.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from proton_lint import baseline, budgets, cache, suppress
from proton_lint.budgets import Budgets
from proton_lint.bundle import Bundle, project_path
from proton_lint.discover import Discovery, Note, discover
from proton_lint.findings import Finding, Severity
from proton_lint.plugins import build_registry, plugin_manager
from proton_lint.repo import Repository
from proton_lint.rules import Rule, RuleRegistry
from proton_lint.source import clear_shared

INTERNAL_ERROR = "PL000"


@dataclass(frozen=True)
class LintOptions:
    """Everything that decides what a run checks; picklable for worker processes."""

    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    rule_dirs: tuple[Path, ...] = ()
    customer_managed: tuple[str, ...] = ()
    baseline: Path | None = None
    jobs: int = 1
    entry_points: bool = True
    #: git revision whose schemas new minor versions must stay compatible with (--compat-base)
    compat_base: str | None = None
    #: sample specs named explicitly: (bundle glob, spec paths) from the config's ``specs``
    specs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: spec files given with --spec (each is matched to the bundles it fits)
    spec_files: tuple[Path, ...] = ()
    #: AWS regions cfn-lint checks rendered templates for
    regions: tuple[str, ...] = ("us-east-1",)
    #: folders of YAML-only rule packs (from a config file: a repository cannot run code this way)
    pack_dirs: tuple[Path, ...] = ()
    #: the folder that path settings (exclude, per-path-ignores, customer-managed, baseline) are
    #: relative to: the config file's folder, else the working directory
    project_root: Path | None = None
    #: where ``.proton-lint-cache/`` lives; None: no cache (the library default; the CLI sets it)
    cache_root: Path | None = None
    #: the cache folder itself (``--cache-dir``), instead of ``<cache_root>/.proton-lint-cache``
    cache_dir: Path | None = None
    #: time and memory budgets for what the repository holds (the config's ``limits``)
    budgets: Budgets = field(default_factory=Budgets)


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    bundles: int = 0
    rules: list[Rule] = field(default_factory=list)
    unmatched_files: list[str] = field(default_factory=list)
    baselined: int = 0

    @property
    def internal_error(self) -> bool:
        return any(f.rule == INTERNAL_ERROR for f in self.findings)


def _crash_finding(bundle: Bundle | None, rule: Rule, exc: BaseException) -> Finding:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}" if frames else ""
    return Finding(
        rule=INTERNAL_ERROR,
        name="internal-error",
        severity=Severity.ERROR,
        message=f"rule {rule.id} ({rule.origin}) crashed: {type(exc).__name__}: {exc}{where}",
        path=bundle.root if bundle is not None else ".",
        logical_path=f"crash:{rule.id}",
        hint="this is a bug in the rule, not in your template; please report it with this message",
    )


class Linter:
    """The rules of one configuration, ready to check bundles."""

    def __init__(self, options: LintOptions) -> None:
        self.options = options
        self.pm = plugin_manager(
            list(options.rule_dirs), entry_points=options.entry_points, pack_dirs=list(options.pack_dirs)
        )
        self.registry: RuleRegistry = build_registry(self.pm)
        self.rules = self.registry.select(options.select, options.extend_select, options.ignore)
        self.selected = {r.id: r.slug for r in self.rules}

    # -- one bundle ------------------------------------------------------------------------------
    def check_bundle(self, bundle: Bundle) -> list[Finding]:
        self.pm.hook.proton_lint_bundle_loaded(bundle=bundle)
        findings: list[Finding] = []
        for rule in self.rules:
            try:
                if rule.target == "bundle" and rule.applies(bundle):
                    findings.extend(rule.check(bundle))
            except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the run
                findings.append(_crash_finding(bundle, rule, exc))
        suppressions = suppress.scan_bundle(bundle)
        findings = suppress.apply(findings, suppressions)
        findings.extend(suppress.unused(suppressions, self.selected, self.registry.knows))
        self.pm.hook.proton_lint_bundle_checked(bundle=bundle, findings=findings)
        return findings

    # -- the repository as a whole --------------------------------------------------------------
    def check_repository(self, repo: Repository) -> list[Finding]:
        """Run the repository rules once; their findings are suppressible like any other."""
        findings: list[Finding] = []
        for rule in self.rules:
            if rule.target != "repository":
                continue
            try:
                findings.extend(rule.check_repository(repo))
            except Exception as exc:  # noqa: BLE001 - one rule's bug must not stop the run
                findings.append(_crash_finding(repo.bundles[0] if repo.bundles else None, rule, exc))
        if not findings:
            return findings
        suppressions = [s for path in sorted({f.path for f in findings}) for s in suppress.scan_loose_file(path)]
        findings = suppress.apply(findings, suppressions)
        return [*findings, *suppress.unused(suppressions, self.selected, self.registry.knows)]

    # -- a run -----------------------------------------------------------------------------------
    def note_finding(self, note: Note) -> Finding | None:
        rule = self.registry.get(note.rule)
        if rule is None or (note.rule != INTERNAL_ERROR and note.rule not in self.selected):
            return None
        return Finding(
            rule=rule.id,
            name=rule.slug,
            severity=rule.severity,
            message=note.message,
            path=note.path,
            span=note.span,
            hint=rule.fix.split("\n")[0] if rule.fix else None,
        )

    def _project_path(self, shown: str) -> str:
        return project_path(shown, self.options.project_root)

    def _declare(self, bundles: list[Bundle]) -> None:
        for bundle in bundles:
            if any(fnmatch.fnmatch(self._project_path(bundle.root), pat) for pat in self.options.customer_managed):
                bundle.declared_customer_managed = True

    def run(self, paths: list[Path], found: Discovery | None = None) -> LintResult:
        with _gc_paused(), budgets.using(self.options.budgets):
            return self._run(paths, found)

    def _run(self, paths: list[Path], found: Discovery | None) -> LintResult:
        clear_shared()
        for rule in self.rules:
            rule.reset()
        found = found or discover(paths, self.options.exclude, self.options.project_root)
        self._declare(found.bundles)
        result = LintResult(bundles=len(found.bundles), rules=self.rules, unmatched_files=found.unmatched_files)
        for note in found.notes:
            finding = self.note_finding(note)
            if finding:
                result.findings.append(finding)
        repo = Repository(found.bundles, [p for p in paths if os.path.exists(p)], self.options)
        result.findings.extend(self._check_all(repo))
        findings = self._per_path_ignores(result.findings)
        if self.options.baseline is not None:
            before = len(findings)
            findings = baseline.filter_known(findings, baseline.load(self.options.baseline), self._project_path)
            result.baselined = before - len(findings)
        result.findings = sorted(findings, key=Finding.sort_key)
        clear_shared()
        return result

    def _check_all(self, repo: Repository) -> list[Finding]:
        """Every bundle and repository finding: from the cache when nothing changed, else computed."""
        store = (
            cache.ResultCache(self.options.cache_root, self.options.cache_dir)
            if self.options.cache_root is not None
            else None
        )
        # a git revision can move under the same name: --compat-base runs are not stored whole
        whole_runs = store is not None and self.options.compat_base is None
        key = self._run_key(repo) if whole_runs else ""
        if whole_runs:
            stored = store.get("run", key)
            if isinstance(stored, dict) and cache.file_hashes(stored.get("deps", {})) == stored.get("deps"):
                return [cache.finding_from_json(item) for item in stored.get("findings", [])]
        cache.active, cache.reads = store, set()
        try:
            findings: list[Finding] = []
            if self.options.jobs > 1 and len(repo.bundles) > 1:
                findings.extend(self._parallel(repo))
            else:
                for bundle in repo.bundles:
                    findings.extend(self.check_bundle(bundle))
            findings.extend(self.check_repository(repo))
            deps = cache.file_hashes(cache.reads)
        finally:
            cache.active, cache.reads = None, None
        if whole_runs and not any(f.rule == INTERNAL_ERROR for f in findings):
            store.put("run", key, {"deps": deps, "findings": [cache.finding_to_json(f) for f in findings]})
        return findings

    def _run_key(self, repo: Repository) -> str:
        """What the findings of a run depend on: versions, options, rules, and every file read."""
        from dataclasses import asdict

        options = {
            k: v for k, v in asdict(self.options).items() if k not in ("jobs", "baseline", "cache_root", "cache_dir")
        }
        plugins = sorted(f"{p}:{d.project_name}=={d.version}" for p, d in self.pm.list_plugin_distinfo())
        rules = sorted(f"{r.id}:{r.origin}" for r in self.rules)
        extra = [*self.options.spec_files, *cache.tree_files([*self.options.rule_dirs, *self.options.pack_dirs])]
        return cache.digest(
            cache.tool_versions(), repr(sorted(options.items())), plugins, rules, cache.tree_digest(repo.roots, extra)
        )

    def _per_path_ignores(self, findings: list[Finding]) -> list[Finding]:
        table = self.options.per_path_ignores
        if not table:
            return findings
        kept = []
        for finding in findings:
            path = self._project_path(finding.path)
            ignored = any(
                (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern.rstrip("/") + "/*"))
                and any(
                    finding.rule.startswith(s.upper()) or finding.name == s.lower() or s.upper() == "ALL" for s in sels
                )
                for pattern, sels in table
            )
            if not ignored:
                kept.append(finding)
        return kept

    def _parallel(self, repo: Repository) -> list[Finding]:
        """Check bundles in worker processes; each worker gets the repository once, then indexes."""
        count = len(repo.bundles)
        workers = min(self.options.jobs, count)
        init = (self.options, repo)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=init) as pool:
            chunks = pool.map(_check_in_worker, range(count), chunksize=max(1, count // (workers * 4)))
            findings: list[Finding] = []
            for chunk, reads in chunks:
                findings.extend(chunk)
                if cache.reads is not None:
                    cache.reads.update(reads)
            return findings


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one run.

    A run allocates many small containers (YAML nodes, parsed data) that live until it ends; the
    collector's passes over them cost about a tenth of the run and free nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_worker: Linter | None = None
_worker_repo: Repository | None = None


def _init_worker(options: LintOptions, repo: Repository) -> None:
    global _worker, _worker_repo
    _worker = Linter(options)
    _worker_repo = repo
    budgets.activate(options.budgets)
    if options.cache_root is not None:
        cache.active = cache.ResultCache(options.cache_root, options.cache_dir)  # cfn-lint results, shared by files


def _check_in_worker(index: int) -> tuple[list[Finding], set[str]]:
    """One bundle's findings, and the files outside the linted trees that checking it read."""
    assert _worker is not None and _worker_repo is not None
    cache.reads = set()
    with _gc_paused():
        findings = _worker.check_bundle(_worker_repo.bundles[index])
    reads, cache.reads = cache.reads, None
    return findings, reads
