"""``proton-lint migrate``: keep deploying Proton templates without Proton, onto the stacks Proton left.

One module per job: :mod:`.inventory` (the YAML a team writes, checked at file:line),
:mod:`.templates` (template versions and specs), :mod:`.plan` (steps in order, each with its stack),
:mod:`.stacks` (CloudFormation through boto3, imported lazily), :mod:`.upstream` (real outputs),
:mod:`.rendering` (the linter's renderer with those outputs; Terraform variables),
:mod:`.output` (DIR), :mod:`.replacement` and :mod:`.apply` (change sets), :mod:`.command` (the CLI).
"""
