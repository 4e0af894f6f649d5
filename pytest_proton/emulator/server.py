"""``proton-emulator``: a moto server with the Proton emulator registered, for clients in any language.

    proton-emulator --host 127.0.0.1 --port 4566
    aws proton list-environment-templates --endpoint-url http://127.0.0.1:4566 --region us-east-1

It serves all of moto (S3, IAM, CloudFormation, ...) plus Proton, moto's ``/moto-api/`` endpoints
included (``/moto-api/reset``, ``/moto-api/state-manager/set-transition``). ``--port 0`` picks a free
port. On start the server's URL is the first line on stdout (flushed), so a script can read it; the
usage hint goes to stderr. SIGINT and SIGTERM stop it cleanly with exit status 0; a port already in
use is exit status 2 with a one-line error.

The server is moto's own WSGI application (``DomainDispatcherApplication(create_backend_app)``,
what ``moto_server`` and ``ThreadedMotoServer`` run) behind ``wsgi.ProtonGuard`` (Proton requests
moto could not route, gzip bodies within the budget, no HTML error pages, memory handed back after
a reset), served by werkzeug's threaded server; the socket is bound here first so that a bind
failure is reported without werkzeug's ``sys.exit(1)``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Sequence
from types import FrameType

EXIT_OK = 0
EXIT_USAGE = 2  # argparse's status for bad arguments; also used for a port that cannot be bound
DEFAULT_REGION = "us-east-1"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    import moto

    from proton_lint import __version__

    try:
        werkzeug = version("werkzeug")
    except PackageNotFoundError:  # pragma: no cover - moto[server] brings it
        werkzeug = "?"
    return f"proton-emulator {__version__} (moto {moto.__version__}, werkzeug {werkzeug})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="proton-emulator",
        description="Run a moto server with the AWS Proton emulator registered (and all of moto).",
    )
    parser.add_argument("-H", "--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument(
        "-p",
        "--port",
        type=int,
        default=int(os.environ.get("MOTO_PORT", "5000")),
        help="port to listen on; 0 picks a free port (default: $MOTO_PORT or 5000)",
    )
    parser.add_argument(
        "-r",
        "--region",
        default=os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION),
        help="region shown in the usage hint (clients choose their region per request; default: %(default)s)",
    )
    parser.add_argument(
        "--deployment-seconds",
        type=float,
        default=None,
        metavar="N",
        help="deployments and deletions take N seconds on the emulator's clock, so clients can watch and "
        "cancel them (default: they settle on the first read)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="do not log each request on stderr")
    parser.add_argument("--version", action="version", version=_version())
    return parser


class _Stop(Exception):
    """Raised in the main thread by the signal handler to leave ``serve_forever``."""


def _on_signal(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
    raise _Stop


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.deployment_seconds is not None and args.deployment_seconds < 0:
        print("proton-emulator: error: --deployment-seconds must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print(f"proton-emulator: error: port {args.port} is out of range 0-65535", file=sys.stderr)
        return EXIT_USAGE

    try:
        sock = _bind(args.host, args.port)
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"proton-emulator: error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return EXIT_USAGE

    # Imported after the bind so that a taken port fails fast; register() before the app exists.
    import logging

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    from pytest_proton.emulator import register
    from pytest_proton.emulator.wsgi import ProtonGuard

    registration = register()
    if args.deployment_seconds is not None:
        from pytest_proton.emulator.provisioning import set_deployment_seconds

        set_deployment_seconds(args.deployment_seconds)
    port = sock.getsockname()[1]
    os.environ.setdefault("MOTO_PORT", str(port))  # moto builds some URLs (S3, SQS) from it
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from pytest_proton.emulator.controls import serve_controls

    # the control routes answer unsigned requests: outside the guard, which refuses unsigned Proton calls
    app = serve_controls(ProtonGuard(DomainDispatcherApplication(create_backend_app)))
    server = make_server(args.host, port, app, threaded=True, fd=sock.fileno())
    url = _url(args.host, port)

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(url, flush=True)
        print(
            f"proton-emulator: serving AWS Proton ({registration.backend} backend) and all of moto on {url}\n"
            f"  try: aws proton list-environment-templates --endpoint-url {url} --region {args.region}\n"
            "  stop with Ctrl-C or SIGTERM",
            file=sys.stderr,
            flush=True,
        )
        server.serve_forever()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
        sock.close()
    print("proton-emulator: stopped", file=sys.stderr, flush=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
