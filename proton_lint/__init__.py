"""proton-lint: a linter, renderer and test kit for AWS Proton template bundles."""

__version__ = "0.1.0"
