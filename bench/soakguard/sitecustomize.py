"""The hostile soak's interlock: a crawl it runs can connect to loopback addresses only.

``bench/hostile_soak.py`` puts this folder first on the crawl's ``PYTHONPATH``, so Python loads
this module at start-up. It adds an audit hook (PEP 578) on ``socket.connect`` (raised for
``connect`` and ``connect_ex`` alike) that refuses, and writes to ``$IFES_SOAK_GUARD_LOG``, every
connection to an address outside 127.0.0.0/8 and ``::1``: the hostile site links and redirects
to the cloud metadata address 169.254.169.254, which no test may ever reach, whatever the code
under test does. The crawl must refuse such URLs itself, before connecting: the soak counts the
lines of that log as attempts (target 0); this hook only makes sure none gets through.
"""

from __future__ import annotations

import ipaddress
import os
import sys


def _loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a name, not an address: refused too (the crawl resolves first)


def _guard(event: str, args: tuple) -> None:
    if event != "socket.connect" or not isinstance(args[1], tuple) or _loopback(args[1][0]):
        return
    log = os.environ.get("IFES_SOAK_GUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{args[1][0]} {args[1][1]}\n")
    raise ConnectionRefusedError(f"soak guard: no connection outside loopback ({args[1][0]})")


sys.addaudithook(_guard)
