"""What the Windows commands print, byte for byte: netstat -ano, tasklist
/svc, netsh int ipv4 show dynamicport tcp (CRLF, the console code page), and
impacket's rpcdump.py (LF, as it prints on Linux)."""
import ipaddress

from network import HOSTS, port_owner

TIME_WAIT_SECONDS = 120  # TcpTimedWaitDelay's default on Windows Server 2012 and later


def client_pid(host, conn):
    """The process that opened an outgoing connection, for netstat's PID column."""
    port = conn.sport
    return {
        "mon01": {5665: 2844, 12489: 2844, 10050: 2844, 88: 676, 53: 1400, 49668: 676}.get(port, 3604),
        "fs01": {445: 4, 53: 1180, 88: 572}.get(port, 572),
        "dc01": {53: 2540, 88: 712}.get(port, 3388),  # WmiPrvSE calls unsecapp back
    }[host]


def _sort_key(local_addr):
    text, port = local_addr.rsplit(":", 1)
    ip = ipaddress.ip_address(text.strip("[]").split("%")[0])
    return (ip.version, ip.packed, int(port))


def netstat(host, listen, listen_tail, udp, conns, snapshot, german=False):
    """netstat -ano at `snapshot` (UTC seconds): the listeners, and the TCP
    connections of `conns` open then (or in TIME_WAIT after closing them)."""
    me = HOSTS[host].addr
    owner = port_owner(host)
    state = {"L": "ABHÖREN", "E": "HERGESTELLT", "T": "WARTEND"} if german else \
            {"L": "LISTENING", "E": "ESTABLISHED", "T": "TIME_WAIT"}
    tcp4 = [(a, "0.0.0.0:0" if not a.startswith("[") else "[::]:0", state["L"], pid)
            for _, a, pid in listen]
    for c in conns:
        if c.proto != "TCP" or c.action != "ALLOW" or me not in (c.client, c.server):
            continue
        if c.client == c.server:
            continue
        if c.t0 <= snapshot < c.t1:
            if c.server == me:
                tcp4.append(("%s:%d" % (me, c.sport), "%s:%d" % (c.client, c.cport), state["E"], owner[c.sport]))
            else:
                tcp4.append(("%s:%d" % (me, c.cport), "%s:%d" % (c.server, c.sport), state["E"], client_pid(host, c)))
        elif c.client == me and snapshot - TIME_WAIT_SECONDS < c.t1 <= snapshot:
            tcp4.append(("%s:%d" % (me, c.cport), "%s:%d" % (c.server, c.sport), state["T"], 0))
    tcp4.sort(key=lambda r: (_sort_key(r[0]), r[1]))
    lines = ["", "Aktive Verbindungen" if german else "Active Connections", ""]
    lines.append("  Proto  Lokale Adresse         Remoteadresse          Status           PID" if german else
                 "  Proto  Local Address          Foreign Address        State           PID")
    row = "  %-6s %-22s %-22s %-15s %s"
    for a, f, s, pid in tcp4:
        lines.append(row % ("TCP", a, f, s, pid))
    for _, a, pid in listen_tail:
        lines.append(row % ("TCP", a, "[::]:0" if a.startswith("[") else "0.0.0.0:0", state["L"], pid))
    for a, pid in sorted(udp, key=lambda u: _sort_key(u[0])):
        lines.append(row % ("UDP", a, "*:*", "", pid))
    return "\r\n".join(lines).encode("cp850") + b"\r\n"


def tasklist(tasks, german=False):
    lines = ["", "%-25s %8s %s" % ("Abbildname" if german else "Image Name", "PID", "Dienste" if german else "Services"),
             "========================= ======== ============================================"]
    for image, pid, services in tasks:
        first, *more = services if isinstance(services, list) else [services]
        lines.append("%-25s %8s %s" % (image, pid, first))
        lines.extend(" " * 35 + m for m in more)
    return "\r\n".join(lines).encode("cp850") + b"\r\n"


def netsh_dynamicport(start, count):
    return ("\r\nProtocol tcp Dynamic Port Range\r\n---------------------------------\r\n"
            "Start Port      : %d\r\nNumber of Ports : %d\r\n\r\n" % (start, count)).encode("ascii")


def rpcdump(target, entries):
    """impacket 0.11's rpcdump.py output (it ends its first lines with a space)."""
    out = ["Impacket v0.11.0 - Copyright 2023 Fortra", "", "[*] Retrieving endpoint list from %s" % target]
    n = 0
    for uuid, version, annotation, protocol, provider, bindings in entries:
        out += ["Protocol: %s " % protocol, "Provider: %s " % provider,
                "UUID    : %s %s %s" % (uuid, version, annotation) if annotation else
                "UUID    : %s %s " % (uuid, version), "Bindings: "]
        out += ["          %s" % b for b in bindings]
        out.append("")
        n += len(bindings)
    out.append("[*] Received %d endpoints." % n)
    return ("\n".join(out) + "\n").encode("ascii")
