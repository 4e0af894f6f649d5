"""pytest_proton: the Proton emulator for moto and (to come) the pytest plugin.

Importing this package stays cheap: moto and boto3 are imported only by ``pytest_proton.emulator``.
"""
