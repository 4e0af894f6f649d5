"""``proton_controls``: the emulator's test controls, reached the way the target is reached.

In-process (``moto`` target) the calls go straight to :mod:`pytest_proton.emulator.controls`;
on the ``server`` target and on an emulator ``endpoint`` they are HTTP requests to
``/_proton/controls/<action>``, so a shared ``proton-emulator`` can be driven too. A real AWS
endpoint has no controls: :class:`~pytest_proton.errors.ControlsUnavailable`.

Whatever a test changes is undone when it ends (``reset``), so the controls are safe to keep in a
session-scoped fixture.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pytest_proton.errors import ControlsUnavailable

DEFAULT_FAILURE = "Deployment failed (pytest_proton: proton_controls.fail_next)"


class ProtonControls:
    """Hold deployments in progress, make the next ones fail, move the emulator's clock."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.dirty = False
        self._http = target.endpoint_url is not None

    @property
    def available(self) -> bool:
        """False on real AWS, which has no controls."""
        return bool(self.target.emulated)

    def _call(self, action: str, **body: Any) -> dict[str, Any]:
        if not self.available:
            raise ControlsUnavailable(
                f"the {self.target.name} target ({self.target.endpoint_url or 'AWS'}) is not an emulator; "
                "it has no controls"
            )
        if action != "state":
            self.dirty = action != "reset"
        if not self._http:
            from pytest_proton.emulator import controls

            if action != "state":
                controls._apply(action, body)
            return controls.state()
        region = self.target.region
        request = urllib.request.Request(
            f"{self.target.endpoint_url.rstrip('/')}/_proton/controls/{action}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": (
                    f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/proton/aws4_request, "
                    "SignedHeaders=host, Signature=0"
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except OSError as error:
            raise ControlsUnavailable(
                f"{self.target.endpoint_url} did not accept the control {action!r}: {error}"
            ) from error

    # the controls ---------------------------------------------------------------------------
    def fail_next(self, message: str = DEFAULT_FAILURE, *, count: int = 1) -> None:
        """The next ``count`` deployments in the target's account and region end FAILED with ``message``."""
        self._call(
            "fail-next", message=message, count=count, accountId=self.target.account_id, region=self.target.region
        )

    def hold(self, times: int = 1_000_000) -> None:
        """Keep new deployments IN_PROGRESS (for ``times`` reads) until :meth:`release`."""
        self._call("hold", times=times)

    def release(self) -> None:
        """Let deployments settle again on their next read."""
        self._call("release")

    @contextmanager
    def holding(self, times: int = 1_000_000) -> Iterator[ProtonControls]:
        """``with proton_controls.holding(): ...``: deployments stay IN_PROGRESS inside the block."""
        self.hold(times)
        try:
            yield self
        finally:
            self.release()

    def advance_clock(self, **delta: float) -> datetime:
        """Move the emulator's clock forward by ``timedelta(**delta)`` (days, hours, minutes, seconds)."""
        state = self._call("advance-clock", **delta)
        return datetime.fromisoformat(state["now"])

    def state(self) -> dict[str, Any]:
        """The controls' current state: queued failures, holds, the clock."""
        return self._call("state")

    def reset(self) -> None:
        """Undo every control: no queued failures, deployments settle, the clock is the wall clock."""
        if self.available:
            self._call("reset")
        self.dirty = False
