"""``python -m pytest_proton.emulator``: the same as the ``proton-emulator`` console script."""

import sys

from pytest_proton.emulator.server import main

sys.exit(main())
