"""Hostile CloudFormation for the emulator's catalogue and simulation (issue 11): bounded work.

Each case deploys a rendered template through ``provisioning.provision`` (moto, in ``mock_aws()``)
in a child process under the harness's time limit and address-space cap, and asserts the verdict.
Simulating a resource moto failed on costs another attempt at the whole stack, so those attempts
are capped by ``limits.simulated-resources`` (lowered here through ``PROTON_LINT_LIMITS``).
"""

from __future__ import annotations

import json
from pathlib import Path

from .harness import run_bounded

SCRIPT = """
import json, sys, time
from datetime import datetime, timezone
from moto import mock_aws
from pytest_proton.emulator import provisioners, provisioning
from pytest_proton.emulator.provisioners import cfn_template
from pytest_proton.emulator.provisioners.base import StackTarget

def verdict(text):
    try:
        parsed = cfn_template.parse(text)
    except cfn_template.TemplateError as error:
        return "FAILED " + error.message
    with mock_aws():
        outcome = provisioning.provision(
            provisioners.build("moto"), StackTarget("hostile", "123456789012", "us-east-1"),
            parsed, text, None, now=datetime(2026, 12, 1, tzinfo=timezone.utc),
        )
    return "FAILED " + outcome if isinstance(outcome, str) else f"SUCCEEDED {len(outcome[1].simulated)}"

for case, path in json.load(open("cases.json")).items():
    start = time.perf_counter()
    found = verdict(open(path).read())
    print(json.dumps({"case": case, "verdict": found[:2000], "seconds": round(time.perf_counter() - start, 2)}))
"""


def _many(count: int, body: str) -> str:
    return "Resources:\n" + "".join(f"  R{i}:\n{body}" for i in range(count))


def _nested(depth: int) -> str:
    value = "x"
    for _ in range(depth):
        value = f"[{value}]"
    return f"Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: [{{Key: k, Value: {value}}}]\n"


SSM_WITHOUT_NAME = "    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: v}\n"
TOPIC_POLICY = "    Type: AWS::SNS::TopicPolicy\n    Properties: {Topics: [t], PolicyDocument: {}}\n"

#: (case, template, words the outcome must hold)
CASES = [
    ("warm-up-one-queue", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n", "SUCCEEDED 0"),  # pays the imports
    ("internal-errors-beyond-the-limit", _many(200, SSM_WITHOUT_NAME), "limits.simulated-resources"),
    ("unsupported-types-cost-no-attempts", _many(300, TOPIC_POLICY), "SUCCEEDED 300"),
    ("a-thousand-misspelled-types", _many(1000, "    Type: AWS::SQS::Queueue\n"), "Unrecognized resource types"),
    ("deeply-nested-property-value", _nested(400), "expected type: String, found: JSONArray"),
    ("nested-property-value-within-parsing", _nested(60), "expected type: String, found: JSONArray"),
]


def test_hostile_templates_end_in_a_verdict(tmp_path: Path) -> None:
    """All cases in one bounded child (the imports of moto and cfn-lint dominate a child's time)."""
    cases = {}
    for case, template, _ in CASES:
        (tmp_path / f"{case}.yaml").write_text(template)
        cases[case] = f"{case}.yaml"
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "deploy_case.py").write_text(SCRIPT)
    outcome = run_bounded(
        ["deploy_case"], cwd=tmp_path, seconds=120, env={"PROTON_LINT_LIMITS": "simulated-resources=5"}
    )
    assert outcome.returncode == 0, outcome.output[-2000:]
    verdicts = {line["case"]: line for line in map(json.loads, outcome.stdout.splitlines())}
    for case, _, expected in CASES:
        assert expected in verdicts[case]["verdict"], (case, verdicts[case])
        assert case.startswith("warm-up") or verdicts[case]["seconds"] < 10, (case, verdicts[case])
        assert "Traceback" not in verdicts[case]["verdict"]
