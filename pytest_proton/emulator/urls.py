"""URL patterns in moto's layout: Proton has a single endpoint, ``POST /``.

``/_proton/controls/<action>`` is the emulator's own test-control route (see ``controls.py``).
"""

from pytest_proton.emulator import controls
from pytest_proton.emulator.responses import ProtonResponse

URL_PATTERN = r"https?://proton\.(.+)\.amazonaws\.com"

url_bases = [URL_PATTERN]

url_paths = {
    "{0}/$": ProtonResponse.dispatch,
    "{0}/_proton/controls/(?P<action>[a-z-]+)$": controls.handle_request,
}
