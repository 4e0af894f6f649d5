"""Soak a ``proton-emulator`` process at full rate, then reset it, and report its resident memory.

    python benchmarks/soak_emulator.py [--seconds 60] [--clients 2]

Starts ``proton-emulator`` on 127.0.0.1 (a free port; nothing else is contacted), sets it up
(bundles in its S3, a published environment template), and runs the workload of
``tests/emulator/soak.py`` from ``--clients`` threads for ``--seconds``: rounds of 19 calls that
create, read, update and delete templates, versions (with client tokens) and environments (deployed
into moto's CloudFormation), plus a malformed body. Every round deletes what it created, so the
stored state stays small and memory that keeps growing is per-request residue.

Reports RSS at the start (after the setup), its peak during the soak, and after
``POST /moto-api/reset``; then, as a leak check, RSS after reset following N and following 3N more
rounds: with no leak the two are the same within the allocator's noise.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, not an installed copy
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
os.environ.pop("AWS_PROFILE", None)

from tests.emulator.soak import CALLS_PER_ROUND, Server, Workload, emulator, reset_and_measure, settle_rss


def soak(server: Server, seconds: float, clients: int) -> tuple[int, float]:
    """Run rounds from ``clients`` threads until ``seconds`` pass; (rounds done, peak RSS MB)."""
    deadline = time.monotonic() + seconds
    done = [0] * clients
    errors: list[BaseException] = []

    def client(index: int) -> None:
        workload = Workload(server)
        workload.count = index * 10_000_000  # names of different clients never collide
        try:
            while time.monotonic() < deadline:
                workload.round()
                done[index] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    peak = server.rss_mb()
    while any(thread.is_alive() for thread in threads):
        peak = max(peak, server.rss_mb())
        time.sleep(0.25)
    if errors:
        raise errors[0]
    return sum(done), max(peak, server.rss_mb())


def leak_check(server: Server, rounds: int) -> tuple[float, float]:
    """RSS after reset following ``rounds`` rounds, then following ``3 * rounds`` more."""
    workload = Workload(server)
    workload.count = 90_000_000
    for _ in range(rounds):
        workload.round()
    after_n = reset_and_measure(workload)
    for _ in range(3 * rounds):
        workload.round()
    return after_n, reset_and_measure(workload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the soak (default: %(default)s)")
    parser.add_argument("--clients", type=int, default=2, help="client threads (default: %(default)s)")
    parser.add_argument("--check-rounds", type=int, default=100, help="N of the leak check (default: %(default)s)")
    args = parser.parse_args(argv)
    with emulator() as server:
        Workload(server).setup()
        Workload(server).round()  # warm-up: imports, the model, moto's CloudFormation
        server.reset()
        Workload(server).setup()
        start = settle_rss(server)
        began = time.monotonic()
        rounds, peak = soak(server, args.seconds, args.clients)
        elapsed = time.monotonic() - began
        server.reset()
        after = settle_rss(server)
        Workload(server).setup()
        after_n, after_3n = leak_check(server, args.check_rounds)
    calls = rounds * CALLS_PER_ROUND
    print(f"proton-emulator soak: {elapsed:.0f} s, {args.clients} clients, {calls} calls ({calls / elapsed:.0f}/s)")
    print(f"RSS start {start:.1f} MB, peak {peak:.1f} MB, after reset {after:.1f} MB ({after - start:+.1f} MB)")
    print(
        f"leak check: after reset following {args.check_rounds} rounds {after_n:.1f} MB, "
        f"following {3 * args.check_rounds} more {after_3n:.1f} MB ({after_3n - after_n:+.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
