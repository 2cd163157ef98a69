#!/usr/bin/env python3
"""Writes the example network's evidence into examples/ (see examples/README.md):

    python3 scripts/example-network/make_evidence.py EXAMPLES_DIR [CORE_PCAP]

EXAMPLES_DIR gets dc01/, fs01/, mon01/ (netstat, tasklist, rpcdump, netsh,
pfirewall.log); CORE_PCAP, if given, gets the core switch's traffic for
softflowd to export (make-examples.sh does that). Only the standard library;
the same bytes every run."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import network as n  # noqa: E402
import traffic  # noqa: E402
from capture import core_capture  # noqa: E402
from firewall_log import pfirewall  # noqa: E402
from windows_text import netsh_dynamicport, netstat, rpcdump, tasklist  # noqa: E402


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def during_poll(conns, server, port, after):
    """A moment while mon01's poll of SERVER:PORT is open, the first after AFTER:
    the admin ran netstat while the monitoring was polling."""
    c = next(c for c in conns if c.client == "10.0.0.30" and c.server == server and c.sport == port
             and c.t0 >= after)
    return c.t0 + 0.25


def main():
    out = sys.argv[1]
    conns = traffic.build()
    p = lambda host, name: os.path.join(out, host, name)  # noqa: E731

    # dc01: English Windows Server 2019 domain controller; netstat taken during a WMI poll at 10:15.
    write(p("dc01", "netstat-ano.txt"), netstat("dc01", n.LISTEN_DC01, n.LISTEN_DC01_TAIL, n.UDP_DC01, conns,
                                                during_poll(conns, "10.0.0.10", n.DC01_WMI, n.local(10, 15))))
    write(p("dc01", "tasklist-svc.txt"), tasklist(n.TASKS_DC01))
    write(p("dc01", "netsh-dynamicport-tcp.txt"), netsh_dynamicport(49152, 16384))
    write(p("dc01", "rpcdump.txt"), rpcdump("10.0.0.10", n.rpcdump_dc01()))
    write(p("dc01", "pfirewall.log"), pfirewall("10.0.0.10", conns))

    # fs01: German Windows Server 2012 R2 member server, console code page 850.
    write(p("fs01", "netstat-ano.txt"), netstat("fs01", n.LISTEN_FS01, [], n.UDP_FS01, conns,
                                                during_poll(conns, "10.0.0.20", n.FS01_NETSVCS, n.local(10, 20)),
                                                german=True))
    write(p("fs01", "tasklist-svc.txt"), tasklist(n.TASKS_FS01, german=True))
    write(p("fs01", "rpcdump.txt"), rpcdump("10.0.0.20", n.rpcdump_fs01()))
    write(p("fs01", "pfirewall.log"), pfirewall("10.0.0.20", conns))

    # mon01: English Windows Server 2019, the Icinga 2 satellite.
    write(p("mon01", "netstat-ano.txt"), netstat("mon01", n.LISTEN_MON01, n.LISTEN_MON01_TAIL, n.UDP_MON01,
                                                 conns, n.local(10, 26, 12.0)))
    write(p("mon01", "tasklist-svc.txt"), tasklist(n.TASKS_MON01))

    if len(sys.argv) > 2:
        routed, frames = core_capture(conns, sys.argv[2])
        print("%s: %d routed connections, %d frames" % (sys.argv[2], routed, frames), file=sys.stderr)
    print("%d connections in the day's traffic" % len(conns), file=sys.stderr)


if __name__ == "__main__":
    main()
