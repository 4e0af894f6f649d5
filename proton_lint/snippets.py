"""Small file contents shared by the rule examples and the test kit's base bundles."""

CFN_MANIFEST = """\
infrastructure:
  templates:
    - file: "cloudformation.yaml"
      rendering_engine: jinja
      template_language: cloudformation
"""

HCL_MANIFEST = """\
infrastructure:
  templates:
    - file: "*"
      rendering_engine: hcl
      template_language: terraform
"""

EMPTY_CFN = "Resources: {}\n"

CODEBUILD_MANIFEST = """\
infrastructure:
  templates:
    - rendering_engine: codebuild
      settings:
        image: aws/codebuild/amazonlinux2-x86_64-standard:4.0
        runtimes:
          nodejs: 16
{extra}        provision:
{provision}        deprovision:
          - npx cdk destroy --force
"""


def codebuild_manifest(provision: list[str], extra: str = "") -> str:
    """A CodeBuild manifest running the ``provision`` commands, with ``extra`` settings lines before them."""
    body = "".join(f"          - {command}\n" for command in provision)
    return CODEBUILD_MANIFEST.format(extra=extra, provision=body)


ENV_SCHEMA_HEAD = """\
schema:
  format:
    openapi: "3.0.0"
  environment_input_type: "EnvironmentInput"
  types:
    EnvironmentInput:
      type: object
      properties:
"""


def env_schema(properties: str, extra: str = "") -> str:
    """An environment schema whose input type has ``properties`` (YAML, indented from the property name)."""
    body = "".join(f"        {line}\n" for line in properties.strip("\n").splitlines())
    return ENV_SCHEMA_HEAD + body + extra
