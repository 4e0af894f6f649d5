"""URL patterns in moto's layout: Proton has a single endpoint, ``POST /``."""

from pytest_proton.emulator.responses import ProtonResponse

URL_PATTERN = r"https?://proton\.(.+)\.amazonaws\.com"

url_bases = [URL_PATTERN]

url_paths = {"{0}/$": ProtonResponse.dispatch}
