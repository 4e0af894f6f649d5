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
