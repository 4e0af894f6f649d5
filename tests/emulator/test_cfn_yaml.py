"""Rendered templates are read without cfn-lint (its import alone takes seconds), as cfn-lint reads them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_proton.emulator.provisioners import cfn_template, cfn_yaml

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Condition: IsProd
    Properties:
      CidrBlock: !Sub "${Cidr}"
      Tags:
        - Key: az
          Value: !Select [0, !GetAZs ""]
Outputs:
  VpcId:
    Value: !GetAtt Vpc.VpcId
  Both:
    Value: !If [IsProd, !Ref Vpc, !Ref "AWS::NoValue"]
"""


def test_short_forms_and_dates_as_cloudformation_reads_them() -> None:
    data = cfn_yaml.load(TEMPLATE)
    assert data["AWSTemplateFormatVersion"] == "2010-09-09"
    assert data["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert data["Resources"]["Vpc"]["Properties"]["CidrBlock"] == {"Fn::Sub": "${Cidr}"}
    assert data["Resources"]["Vpc"]["Properties"]["Tags"][0]["Value"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert data["Outputs"]["VpcId"]["Value"] == {"Fn::GetAtt": ["Vpc", "VpcId"]}
    assert data["Outputs"]["Both"]["Value"]["Fn::If"][2] == {"Ref": "AWS::NoValue"}


def test_same_data_as_cfn_lints_decoder() -> None:
    from cfnlint.decode import decode_str

    expected, matches = decode_str(TEMPLATE)
    assert not matches
    # cfn-lint keeps an unquoted date a date; the deployed JSON (json.dumps(default=str)) is the same
    as_deployed = json.loads(json.dumps(cfn_template._plain(expected), default=str))
    assert cfn_yaml.load(TEMPLATE) == as_deployed


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(cfn_template.TemplateError) as caught:
        cfn_template.parse("Resources:\n  A:\n    Type: [unclosed\n")
    assert caught.value.line is not None and caught.value.line >= 3


def test_parsing_and_schema_lookups_do_not_import_cfn_lint() -> None:
    code = (
        "import sys\n"
        "from pytest_proton.emulator.provisioners import cfn_template\n"
        f"cfn_template.parse({TEMPLATE!r})\n"
        "assert cfn_template._schema('us-east-1', 'AWS::EC2::VPC')['typeName'] == 'AWS::EC2::VPC'\n"
        "print('cfnlint' in sys.modules)\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert done.stdout.strip() == "False"
