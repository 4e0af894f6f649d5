"""The errors a user can cause (bad paths, config, rule packs): one line on stderr, exit code 2.

Kept free of imports so that the command line can catch them without loading the engine.
"""


class UserError(Exception):
    """Something the user can fix; the message names the file, the line where known, and what to do."""
