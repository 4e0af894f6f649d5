"""The command line: ``proton-lint check | rules | rule ID``.

This module imports nothing heavy at the top: ``--version`` and ``--help`` must stay fast, so the
engine, jsonschema and the reporters load only when a command needs them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from proton_lint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_LEVELS = ("error", "warning", "info", "none")


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        cfn = version("cfn-lint")
    except PackageNotFoundError:
        cfn = "not installed"
    return f"proton-lint {__version__} (cfn-lint {cfn}, Python {sys.version.split()[0]})"


class _VersionAction(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_args: Any, **_kwargs: Any) -> None:
        print(_version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="proton-lint",
        description="Lint AWS Proton template bundles: layout, manifests, schemas and more.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-level, 2 usage, config or internal error.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint bundles in folders, files or .tar.gz archives")
    check.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="folders, files or .tar.gz bundles (default: .)"
    )
    sel = check.add_argument_group("rule selection (IDs, prefixes such as PL2, slugs, or ALL; comma-separated)")
    sel.add_argument("--select", type=_csv, action="append", help="run only these rules (default: ALL)")
    sel.add_argument("--extend-select", type=_csv, action="append", help="run these rules in addition")
    sel.add_argument("--ignore", type=_csv, action="append", help="do not run these rules")
    sel.add_argument(
        "--rules", type=Path, action="append", metavar="DIR", help="load a local rule pack (YAML and .py files)"
    )
    files = check.add_argument_group("files")
    files.add_argument("--exclude", type=_csv, action="append", metavar="GLOB", help="skip paths matching these globs")
    files.add_argument(
        "--customer-managed",
        type=_csv,
        action="append",
        metavar="GLOB",
        help="bundles created with provisioning=CUSTOMER_MANAGED",
    )
    out = check.add_argument_group("output")
    out.add_argument(
        "-f", "--format", help="text, parseable, json, sarif, github, junit (default: text; github on GitHub Actions)"
    )
    out.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE")
    out.add_argument("--statistics", action="store_true", help="add a count of findings per rule")
    out.add_argument("--no-color", action="store_true", help="no colours (NO_COLOR is honoured too)")
    out.add_argument(
        "--fail-level", choices=FAIL_LEVELS, help="exit 1 on findings at or above this severity (default: error)"
    )
    base = check.add_argument_group("baseline and configuration")
    base.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings not in this baseline")
    base.add_argument(
        "--write-baseline", type=Path, metavar="FILE", help="write every current finding to FILE and exit 0"
    )
    base.add_argument("--config", type=Path, metavar="FILE", help="use this config file instead of searching for one")
    base.add_argument("--isolated", action="store_true", help="ignore every config file")
    base.add_argument(
        "--show-config", action="store_true", help="print the merged configuration and where each value came from"
    )
    base.add_argument("--no-cache", action="store_true", help="neither read nor write .proton-lint-cache/")
    base.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="keep the cache in DIR instead of .proton-lint-cache/ (env: PROTON_LINT_CACHE_DIR)",
    )
    check.add_argument("-j", "--jobs", type=int, metavar="N", help="check bundles in N processes (0: one per CPU)")
    proton = check.add_argument_group("Proton semantics")
    proton.add_argument(
        "--spec", type=Path, action="append", metavar="FILE", help="a sample spec to validate and render with"
    )
    proton.add_argument(
        "--compat-base", metavar="REV", help="git revision whose schemas minor versions must stay compatible with"
    )
    proton.add_argument(
        "--region", type=_csv, action="append", metavar="REGION", help="regions cfn-lint checks (default: us-east-1)"
    )

    render = commands.add_parser(
        "render",
        help="write templates rendered exactly as Proton would deploy them, with their render context",
        description="Render a bundle's Jinja CloudFormation templates for each sample spec and instance "
        "(the migration path to plain CloudFormation). Files go to OUT/<template>/<spec or instance>/.",
    )
    render.add_argument("bundle", type=Path, metavar="BUNDLE", help="a bundle folder (or a folder of bundles)")
    render.add_argument("--spec", type=Path, action="append", metavar="FILE", help="render with this spec only")
    render.add_argument("--instance", metavar="NAME", help="render only this service instance")
    render.add_argument("--out", type=Path, default=Path("rendered"), metavar="DIR", help="output folder (rendered)")
    render.add_argument("--force", action="store_true", help="replace the output folder if it is not empty")
    render.add_argument("--repo", type=Path, metavar="DIR", help="the repository, for compatible environments")

    from proton_lint.migrate.command import add_arguments as add_migrate_arguments

    add_migrate_arguments(commands)

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    rules.add_argument("--rules", type=Path, action="append", metavar="DIR", help="include a local rule pack")
    rule = commands.add_parser("rule", help="print the documentation of one rule")
    rule.add_argument("rule_id", metavar="ID", help="a rule ID (PL201) or slug (manifest-structure)")
    rule.add_argument("--rules", type=Path, action="append", metavar="DIR", help="include a local rule pack")
    return parser


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    return None if groups is None else [item for group in groups for item in group]


def _merge_cli(config: Any, args: argparse.Namespace) -> None:
    cli_values = {
        "select": _flatten(args.select),
        "extend-select": _flatten(args.extend_select),
        "ignore": _flatten(args.ignore),
        "exclude": _flatten(args.exclude),
        "customer-managed": _flatten(args.customer_managed),
        "fail-level": args.fail_level,
        "format": args.format,
        "rules": [str(p) for p in args.rules] if args.rules else None,
        "baseline": str(args.baseline) if args.baseline else None,
        "jobs": args.jobs,
        "compat-base": args.compat_base,
        "regions": _flatten(args.region),
    }
    for key, given in cli_values.items():
        if given is None:
            continue
        if key in ("ignore", "exclude", "rules", "customer-managed") and config.origins[key] != "default":
            given = [*config[key], *given]  # noqa: PLW2901 - command-line lists add to the file's
        config.set(key, given, "command line")
    if args.format is None and config.origins["format"] == "default" and os.environ.get("GITHUB_ACTIONS") == "true":
        config.set("format", "github", "GITHUB_ACTIONS=true")


def _show_config(config: Any, out: TextIO) -> None:
    import json

    out.write(f"# config file: {config.file or 'none found'}\n")
    for key in sorted(config.values):
        out.write(f"{key} = {json.dumps(config.values[key])}  # {config.origins[key]}\n")


def _options(config: Any, spec_files: list[Path] | None = None, config_packs: list[Path] | None = None) -> Any:
    from proton_lint.budgets import Budgets
    from proton_lint.engine import LintOptions

    jobs = config["jobs"] or os.cpu_count() or 1
    return LintOptions(
        select=tuple(config["select"]),
        extend_select=tuple(config["extend-select"]),
        ignore=tuple(config["ignore"]),
        per_path_ignores=tuple((k, tuple(v)) for k, v in config["per-path-ignores"].items()),
        exclude=tuple(config["exclude"]) + tuple(config["extend-exclude"]),
        rule_dirs=tuple(Path(p) for p in config["rules"] if Path(p) not in (config_packs or [])),
        pack_dirs=tuple(config_packs or ()),
        project_root=config.root,
        customer_managed=tuple(config["customer-managed"]),
        baseline=Path(config["baseline"]) if config["baseline"] else None,
        jobs=jobs,
        compat_base=config["compat-base"],
        specs=tuple((k, tuple(v)) for k, v in config["specs"].items()),
        spec_files=tuple(spec_files or ()),
        regions=tuple(config["regions"]),
        budgets=Budgets.from_config(config["limits"]),
    )


def _color(args: argparse.Namespace, stream: TextIO) -> bool:
    return not args.no_color and "NO_COLOR" not in os.environ and getattr(stream, "isatty", lambda: False)()


def _exit_code(result: Any, fail_level: str) -> int:
    from proton_lint.findings import Severity

    if result.internal_error:
        return EXIT_ERROR
    if fail_level == "none":
        return EXIT_OK
    threshold = Severity.parse(fail_level)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_OK


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from proton_lint import baseline
    from proton_lint import config as config_mod
    from proton_lint.engine import Linter
    from proton_lint.plugins import reporters as reporter_table
    from proton_lint.reporters.base import ReportContext

    first = args.paths[0] if args.paths else Path(".")
    # os.path rather than Path: a path too long for the OS is a finding later, not an error here
    start = first if os.path.isdir(first) else first.parent
    config = config_mod.load(args.config, isolated=args.isolated, start=start if os.path.exists(start) else None)
    config_packs = [Path(p) for p in config["rules"]]  # YAML only: the config comes with the repository
    _merge_cli(config, args)
    if args.show_config:
        _show_config(config, out)
        return EXIT_OK
    for spec in args.spec or ():
        if not spec.is_file():
            raise config_mod.ConfigError(f"{spec}: --spec names no file")
    options = _options(config, args.spec, config_packs)
    if not args.no_cache:
        from dataclasses import replace

        options = replace(options, cache_root=config.root or Path.cwd(), cache_dir=args.cache_dir)
    if args.write_baseline:
        from dataclasses import replace

        options = replace(options, baseline=None)
    if args.output and not args.output.parent.is_dir():
        raise config_mod.ConfigError(f"{args.output}: the folder for --output does not exist")
    linter = Linter(options)
    formats = reporter_table(linter.pm)
    if config["format"] not in formats:
        err.write(f"proton-lint: unknown format {config['format']!r}; choose from {', '.join(sorted(formats))}\n")
        return EXIT_ERROR
    result = linter.run(args.paths or [Path(".")])
    if args.write_baseline:
        baseline.write(args.write_baseline, result.findings, linter._project_path)
        err.write(f"proton-lint: wrote {len(result.findings)} findings to {args.write_baseline}\n")
        return EXIT_ERROR if result.internal_error else EXIT_OK
    if result.bundles == 0 and not result.findings:
        err.write("proton-lint: no Proton bundles found in the given paths\n")
    code = _exit_code(result, config["fail-level"])
    stream = args.output.open("w", encoding="utf-8") if args.output else out
    try:
        context = ReportContext(
            stream=stream,
            color=_color(args, stream),
            statistics=args.statistics,
            rules=linter.rules,
            argv=["proton-lint", *sys.argv[1:]],
        )
        formats[config["format"]](context).report(result)
        stream.flush()
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`| head`): stop quietly, keep the run's exit code
    finally:
        if args.output:
            stream.close()
    return code


def _registry(rule_dirs: list[Path] | None) -> Any:
    from proton_lint.plugins import build_registry, plugin_manager

    return build_registry(plugin_manager(rule_dirs or []))


def run_rules(args: argparse.Namespace, out: TextIO) -> int:
    import json

    rules = list(_registry(args.rules))
    if args.format == "json":
        out.write(json.dumps([r.as_dict() for r in rules], indent=2) + "\n")
    elif args.format == "markdown":
        from proton_lint.docs import rules_markdown

        out.write(rules_markdown(rules))
    else:
        width = max(len(r.slug) for r in rules)
        for r in rules:
            out.write(f"{r.id:<8} {r.slug:<{width}}  {r.severity!s:<8} {r.summary}\n")
    return EXIT_OK


def run_rule(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import difflib

    registry = _registry(args.rules)
    rule = registry.get(args.rule_id)
    if rule is None:
        names = [r.id for r in registry] + [r.slug for r in registry]
        close = difflib.get_close_matches(args.rule_id, names, n=1)
        tip = f" (did you mean {close[0]}?)" if close else ""
        err.write(f"proton-lint: no rule {args.rule_id!r}{tip}; 'proton-lint rules' lists them\n")
        return EXIT_ERROR
    out.write(rule.doc_markdown())
    return EXIT_OK


def _silence_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so Python's exit flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _dispatch(argv: list[str] | None, out: TextIO, err: TextIO) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(out)
        return EXIT_OK
    if args.command == "check":
        return run_check(args, out, err)
    if args.command == "rules":
        return run_rules(args, out)
    if args.command == "render":
        from proton_lint.render_command import run_render

        return run_render(args, out, err)
    if args.command == "migrate":
        from proton_lint.migrate.command import run_migrate

        return run_migrate(args, out, err)
    return run_rule(args, out, err)


def main(argv: list[str] | None = None) -> int:
    """Entry point. Every error a user can cause ends in a message and exit code 2, never a traceback."""
    from proton_lint.errors import UserError

    out, err = sys.stdout, sys.stderr
    if argv is None:
        import gc

        # Run as the command: a short-lived process whose objects die with it, so cyclic garbage
        # collection is pure cost (a tenth of a structural run). Callers of main(argv) keep theirs.
        gc.disable()
    try:
        return _dispatch(argv, out, err)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except (UserError, OSError) as exc:
        err.write(f"proton-lint: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("proton-lint: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: report, do not dump
        import traceback

        frame = traceback.extract_tb(exc.__traceback__)[-1]
        err.write(
            f"proton-lint: internal error (PL000): {type(exc).__name__}: {exc} "
            f"at {os.path.basename(frame.filename)}:{frame.lineno}; please report it\n"
        )
        return EXIT_ERROR
