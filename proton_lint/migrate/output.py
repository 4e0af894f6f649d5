"""DIR: the plan, each rendered template, and the plain commands that deploy them.

::

    DIR/plan.json                                     {"version": 1, "steps": [...]}
    DIR/templates/environments/<env>/<template file>
    DIR/templates/components/<component>/<template file>
    DIR/templates/services/<service>/instances/<instance>/<template file>
    DIR/templates/services/<service>/pipeline/<template file>
    DIR/deploy.sh                                     aws cloudformation deploy, step by step
    DIR/README.md                                     what is where, and how to review it

A Terraform step's folder holds the module's files, ``proton.auto.tfvars.json`` and
``proton.<kind>.variables.tf``. DIR is created, or reused when it holds an earlier plan.json;
a folder with other content is refused.
"""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

from proton_lint.migrate import templates
from proton_lint.migrate.errors import MigrateError
from proton_lint.migrate.plan import COMPONENT, ENVIRONMENT, SERVICE_INSTANCE, Plan, Step
from proton_lint.migrate.rendering import Pending, Rendered

CAPABILITIES = "CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND"


class Writer:
    def __init__(self, folder: Path, plan: Plan, *, endpoint_url: str | None = None) -> None:
        self.folder = folder
        self.plan = plan
        self.endpoint_url = endpoint_url
        self.pending: dict[str, str] = {}  # step id -> the step it waits for

    def prepare(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise MigrateError(f"--out {self.folder} is a file; choose a folder")
        if self.folder.is_dir() and any(self.folder.iterdir()) and not (self.folder / "plan.json").is_file():
            raise MigrateError(f"--out {self.folder} is not empty and holds no plan.json; choose another folder")
        shutil.rmtree(self.folder / "templates", ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)

    def step_folder(self, step: Step) -> Path:
        if step.kind == ENVIRONMENT:
            return Path("templates", "environments", step.name)
        if step.kind == COMPONENT:
            return Path("templates", "components", step.name)
        if step.kind == SERVICE_INSTANCE:
            return Path("templates", "services", str(step.service), "instances", step.name)
        return Path("templates", "services", str(step.service), "pipeline")

    def write_step(self, step: Step, rendered: Rendered | Pending) -> None:
        if isinstance(rendered, Pending):
            self.pending[step.id] = rendered.waits_for
            step.template = None
            step.note = step.note or f"rendered by --apply once {rendered.waits_for} is deployed"
            return
        self.pending.pop(step.id, None)
        relative = self.step_folder(step)
        shutil.rmtree(self.folder / relative, ignore_errors=True)
        for name, text in rendered.files.items():
            file = self.folder / relative / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
        step.template = (relative / rendered.main).as_posix() if rendered.main else relative.as_posix() + "/"

    def finish(self) -> None:
        (self.folder / "plan.json").write_text(json.dumps(self.plan.to_json(), indent=2) + "\n", encoding="utf-8")
        script = self.folder / "deploy.sh"
        script.write_text(self.deploy_script(), encoding="utf-8")
        script.chmod(0o755)
        (self.folder / "README.md").write_text(self.readme(), encoding="utf-8")

    # -- deploy.sh ---------------------------------------------------------------------------
    def deploy_script(self) -> str:
        endpoint = f" --endpoint-url {shlex.quote(self.endpoint_url)}" if self.endpoint_url else ""
        lines = [
            "#!/bin/sh",
            f"# Written by proton-lint migrate from {self.plan.inventory.path.name}: the same steps as --apply.",
            "# Each step creates or updates its stack through a change set. To review a change set before",
            "# it runs, add --no-execute-changeset (sh deploy.sh --no-execute-changeset), then execute it",
            "# in the console or with aws cloudformation execute-change-set. Unlike --apply, this script",
            "# does not stop on a change set that replaces or removes a resource: review those.",
            "set -eu",
            'cd "$(dirname "$0")"',
            f'cfn() {{ aws cloudformation --region {shlex.quote(self.plan.region)}{endpoint} "$@"; }}',
            "",
        ]
        total = len(self.plan.steps)
        for index, step in enumerate(self.plan.steps, 1):
            lines += self._script_step(index, total, step)
        return "\n".join(lines) + "\n"

    def _script_step(self, index: int, total: int, step: Step) -> list[str]:
        head = f"# [{index}/{total}] {step.id}"
        if step.id in self.pending:
            waits = self.pending[step.id]
            return [
                f"{head}: waits for {self.pending[step.id]}",
                "echo "
                + shlex.quote(f"{step.id} needs the outputs of {waits}: rerun proton-lint migrate, then this script"),
                "exit 3",
                "",
            ]
        if step.engine == templates.TERRAFORM:
            return [
                f"{head}: Terraform (state in your own backend, as with Proton's self-managed provisioning)",
                f"echo {shlex.quote(f'{step.id}: run terraform init and terraform plan in {step.template}')}",
                "",
            ]
        state = "exists" if step.stack_exists else "new"
        tags = step.stack_tags if step.stack_exists else step.tags
        tag_words = " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(tags.items()) if not k.startswith("aws:"))
        command = [
            f"{head}: stack {step.stack_name} ({state})",
            "cfn deploy \\",
            f"  --stack-name {shlex.quote(str(step.stack_name))} \\",
            f"  --template-file {shlex.quote(str(step.template))} \\",
            f"  --capabilities {CAPABILITIES} \\",
            "  --no-fail-on-empty-changeset \\",
        ]
        if tag_words:
            command.append(f"  --tags {tag_words} \\")
        command += ['  "$@"', ""]
        return command

    # -- README ------------------------------------------------------------------------------
    def readme(self) -> str:
        rows = [
            f"| {i} | `{s.id}` | {s.engine} | {('`' + s.stack_name + '`') if s.stack_name else '-'} | "
            f"{'yes' if s.stack_exists else ('-' if s.stack_exists is None else 'no')} | "
            f"{('`' + s.template + '`') if s.template else 'pending'} |"
            for i, s in enumerate(self.plan.steps, 1)
        ]
        notes = [f"- `{s.id}`: {s.note}" for s in self.plan.steps if s.note]
        return "\n".join(
            [
                "# Leaving Proton: the deployment plan",
                "",
                f"Written by `proton-lint migrate` from `{self.plan.inventory.path.name}` for region "
                f"`{self.plan.region}`. Each template is rendered as Proton rendered it, with its spec and the "
                "real outputs of the stacks it reads (CloudFormation `DescribeStacks`).",
                "",
                "| # | Step | Engine | Stack | Exists | Template |",
                "|---|---|---|---|---|---|",
                *rows,
                "",
                "To deploy: `proton-lint migrate INVENTORY --out DIR --apply` (refuses change sets that replace or "
                "remove a resource unless `--allow-replacement`), or review and run `sh deploy.sh` "
                "(`aws cloudformation deploy`, one change set per stack; add `--no-execute-changeset` to review "
                "each one first). Steps run in the order above: later steps read the outputs of earlier ones.",
                "",
                "`plan.json` lists the same steps for tools.",
                *(["", "## Notes", "", *notes] if notes else []),
                "",
            ]
        )
