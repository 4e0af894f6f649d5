"""Family rules in progress: see the issue; the module is registered so that rules land without merge conflicts."""

from __future__ import annotations

RULES: tuple = ()
