"""``proton-lint migrate INVENTORY --out DIR [--apply [--allow-replacement]]``.

Exit codes: 0 done; 1 a problem to act on (bad inventory, missing stack or output, a change set
refused or failed), printed without a traceback; 2 an internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from proton_lint.migrate.errors import MigrateError

EXIT_PROBLEM = 1
EXIT_INTERNAL = 2


def add_arguments(commands: Any) -> None:
    """The ``migrate`` subcommand's arguments (cheap: nothing heavy is imported here)."""
    migrate = commands.add_parser(
        "migrate",
        help="keep deploying Proton templates without Proton, onto the stacks Proton left",
        description="Render each environment, component, service instance and pipeline of INVENTORY with its "
        "spec and the real outputs of the stacks it reads, write them with a plan and deploy.sh to DIR, "
        "and with --apply update (or create) the stacks in order through change sets.",
    )
    migrate.add_argument(
        "inventory", type=Path, metavar="INVENTORY", help="the inventory YAML (README: Leaving Proton)"
    )
    migrate.add_argument("--out", type=Path, required=True, metavar="DIR", help="where the plan and templates go")
    migrate.add_argument("--endpoint-url", metavar="URL", help="CloudFormation endpoint (an emulator)")
    migrate.add_argument("--region", metavar="R", help="AWS region (default: the profile's)")
    migrate.add_argument("--profile", metavar="P", help="AWS profile")
    migrate.add_argument("--apply", action="store_true", help="deploy the plan, step by step, through change sets")
    migrate.add_argument(
        "--allow-replacement",
        action="store_true",
        help="with --apply: accept change sets that replace or remove resources",
    )


def run_migrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.allow_replacement and not args.apply:
        err.write("proton-lint migrate: --allow-replacement only means something with --apply\n")
        return EXIT_PROBLEM
    try:
        migrate(args, out)
    except MigrateError as error:
        err.write(f"proton-lint migrate: {error}\n")
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        err.write("proton-lint migrate: interrupted (a stack being updated carries on in CloudFormation)\n")
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        import traceback

        frame = traceback.extract_tb(error.__traceback__)[-1]
        err.write(
            f"proton-lint migrate: internal error: {type(error).__name__}: {error} "
            f"at {Path(frame.filename).name}:{frame.lineno}; please report it\n"
        )
        return EXIT_INTERNAL
    return 0


def migrate(args: argparse.Namespace, out: TextIO) -> None:
    from proton_lint.migrate import inventory as inventory_module
    from proton_lint.migrate.apply import Applier
    from proton_lint.migrate.output import Writer
    from proton_lint.migrate.plan import build
    from proton_lint.migrate.rendering import render_step
    from proton_lint.migrate.stacks import Aws
    from proton_lint.migrate.upstream import Upstream

    inventory = inventory_module.load(args.inventory)
    aws = Aws(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url)
    plan = build(inventory, aws)
    writer = Writer(args.out, plan, endpoint_url=args.endpoint_url)
    writer.prepare()
    upstream = Upstream(plan, aws)
    for step in plan.steps:
        writer.write_step(step, render_step(step, plan, upstream))
    writer.finish()
    out.write(f"{args.out / 'plan.json'}: {len(plan.steps)} steps\n")
    for step in plan.steps:
        state = {True: "exists", False: "new", None: "terraform"}[step.stack_exists]
        out.write(f"  {step.id}: {step.stack_name or '-'} ({state}) {step.template or 'pending'}\n")
        if step.note:
            out.write(f"    note: {step.note}\n")
    if not args.apply:
        return
    try:
        Applier(plan, aws, upstream, out=out, allow_replacement=args.allow_replacement, wrote=writer.write_step).run()
    finally:
        writer.finish()
