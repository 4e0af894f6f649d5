"""Time the Proton emulator registering and deploying a sample environment and service, in-process.

    python benchmarks/bench_provisioning.py [--runs 5]
    python benchmarks/bench_provisioning.py --compare [--before REV] [--runs 5] [--rounds 3]

``--compare`` measures the resource catalogue (issue 11): the same runs in child processes that
alternate between this checkout (catalogue validation on, and off through ``catalogue.ENABLED``) and
``pytest_proton``/``proton_lint`` of revision REV (default ``cc2eae0``, the commit before the
catalogue) exported with ``git archive`` into a temporary folder; it prints each side's median of
the warm runs and the ratios.

One run, inside a fresh ``mock_aws()``: upload AWS's ``lambda-multi-svc`` sample bundles
(``lambda-env`` and ``service-crud``, from ``../shared/corpus``) to moto's S3, register and publish
both template versions, deploy the environment with its sample spec, then a service with two
instances and a pipeline, until every deployment has settled (SUCCEEDED). Everything goes through
a boto3 Proton client: S3 reads, the linter's registration checks, spec validation, rendering and
moto CloudFormation stacks. Prints the first (cold: imports, compiled templates) run and the median
of the others.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PROTON_LINT_CORPUS") or ROOT.parent / "shared" / "corpus")
SAMPLES = CORPUS / "aws-samples__aws-proton-cloudformation-sample-templates"
ENV_DIR = SAMPLES / "lambda-multi-svc" / "lambda-env" / "v1"
SVC_DIR = SAMPLES / "lambda-multi-svc" / "service-crud" / "v1"
ENV_SPEC = SAMPLES / "lambda-multi-svc" / "specs" / "env-spec.yaml"
ROLE = "arn:aws:iam::123456789012:role/proton"
SERVICE_SPEC = """proton: ServiceSpec
pipeline:
  unit_test_command: make test
instances:
  - name: front-end
    environment: multi-svc-beta
    spec:
      resource_name: task
  - name: back-end
    environment: multi-svc-beta
    spec:
      resource_name: item
"""


def _archive(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(folder).as_posix())
    return buffer.getvalue()


def run_once() -> float:
    import boto3
    from moto import mock_aws

    from pytest_proton.emulator import register

    register()
    env_bundle, svc_bundle = _archive(ENV_DIR), _archive(SVC_DIR)
    with mock_aws():
        start = time.perf_counter()
        s3 = boto3.client("s3", region_name="us-east-1")
        proton = boto3.client("proton", region_name="us-east-1")
        s3.create_bucket(Bucket="bundles")
        s3.put_object(Bucket="bundles", Key="env.tar.gz", Body=env_bundle)
        s3.put_object(Bucket="bundles", Key="svc.tar.gz", Body=svc_bundle)
        proton.create_environment_template(name="lambda-env")
        proton.create_environment_template_version(
            templateName="lambda-env", source={"s3": {"bucket": "bundles", "key": "env.tar.gz"}}
        )
        proton.update_environment_template_version(
            templateName="lambda-env", majorVersion="1", minorVersion="0", status="PUBLISHED"
        )
        proton.create_service_template(name="crud")
        proton.create_service_template_version(
            templateName="crud",
            source={"s3": {"bucket": "bundles", "key": "svc.tar.gz"}},
            compatibleEnvironmentTemplates=[{"templateName": "lambda-env", "majorVersion": "1"}],
        )
        proton.update_service_template_version(
            templateName="crud", majorVersion="1", minorVersion="0", status="PUBLISHED"
        )
        proton.create_environment(
            name="multi-svc-beta",
            templateName="lambda-env",
            templateMajorVersion="1",
            spec=ENV_SPEC.read_text(),
            protonServiceRoleArn=ROLE,
        )
        assert proton.get_environment(name="multi-svc-beta")["environment"]["deploymentStatus"] == "SUCCEEDED"
        proton.create_service(
            name="crud-api",
            templateName="crud",
            templateMajorVersion="1",
            spec=SERVICE_SPEC,
            repositoryConnectionArn="arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
            repositoryId="org/repo",
            branchName="main",
        )
        service = proton.get_service(name="crud-api")["service"]
        elapsed = time.perf_counter() - start
        assert service["status"] == "ACTIVE", service
        assert service["pipeline"]["deploymentStatus"] == "SUCCEEDED", service["pipeline"]
        instances = proton.list_service_instances(serviceName="crud-api")["serviceInstances"]
        assert len(instances) == 2 and {i["deploymentStatus"] for i in instances} == {"SUCCEEDED"}
    return elapsed


def _child(source: Path, runs: int, catalogue: bool) -> list[float]:
    """Warm run times of ``runs`` runs in a fresh process importing the emulator from ``source``."""
    env = {**os.environ, "PYTHONPATH": str(source), "PROTON_LINT_CORPUS": str(CORPUS)}
    flag = [] if catalogue else ["--no-catalogue"]
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--runs", str(runs), "--json", *flag],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1])[1:])


def compare(before: str, runs: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for package in ("pytest_proton", "proton_lint"):
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", before, package], capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        sides = {f"before ({before})": (base, True), "catalogue on": (ROOT, True), "catalogue off": (ROOT, False)}
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(rounds):  # alternate, so machine load spreads over every side
            for name, (source, catalogue) in sides.items():
                times[name] += _child(source, runs, catalogue)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"{name:>22}: median {median:.3f} s over {len(times[name])} warm runs")
    first = next(iter(medians))
    print(f"catalogue on / before: {medians['catalogue on'] / medians[first]:.3f}")
    print(f"catalogue on / catalogue off: {medians['catalogue on'] / medians['catalogue off']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="before/after the resource catalogue")
    parser.add_argument("--before", default="cc2eae0")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-catalogue", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not ENV_DIR.is_dir():
        raise SystemExit(f"the corpus is not here: {SAMPLES}")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    if args.compare:
        compare(args.before, args.runs, args.rounds)
        return
    if args.no_catalogue:
        from pytest_proton.emulator.provisioners import catalogue

        catalogue.ENABLED = False
    times = [run_once() for _ in range(max(args.runs, 2))]
    if args.json:
        print(json.dumps(times))
        return
    print(f"first run (cold): {times[0]:.3f} s")
    listed = ", ".join(f"{t:.3f}" for t in times)
    print(f"median of the next {len(times) - 1}: {statistics.median(times[1:]):.3f} s  (all: {listed})")


if __name__ == "__main__":
    main()
