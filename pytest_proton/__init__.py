"""pytest_proton: the Proton emulator for moto and the pytest plugin (``pytest_proton.plugin``).

Importing this package stays cheap: moto and boto3 are imported only by ``pytest_proton.emulator``
and, lazily, by the plugin's fixtures.
"""
