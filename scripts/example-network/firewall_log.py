"""A Windows Firewall log (pfirewall.log) of one host, with "log dropped
packets" and "log successful connections" switched on: one ALLOW row per
connection the host accepts (RECEIVE) or opens (SEND), one DROP row per
dropped packet (each retransmitted SYN again), in the host's local time.
Loopback connections are logged twice, as Windows does."""
import time

from network import DAY_START, LOCAL_OFFSET

HEADER = ("#Version: 1.5\r\n#Software: Microsoft Windows Firewall\r\n#Time Format: Local\r\n"
          "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn "
          "tcpack tcpwin icmptype icmpcode info path\r\n\r\n")


def stamp(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(t + LOCAL_OFFSET)))


def _allow(t, c, path):
    if c.proto == "ICMP":
        return (t, "%s ALLOW ICMP %s %s - - 0 - - - - 8 0 - %s" % (stamp(t), c.client, c.server, path))
    tcp = "0 - 0 0 0" if c.proto == "TCP" else "0 - - - -"
    return (t, "%s ALLOW %s %s %s %d %d %s - - - %s" % (stamp(t), c.proto, c.client, c.server, c.cport,
                                                       c.sport, tcp, path))


def _drops(c):
    if c.proto == "UDP":
        size = 20 + 8 + c.up[1]
        return [(c.t0, "%s DROP UDP %s %s %d %d %d - - - - - - - RECEIVE" % (
            stamp(c.t0), c.client, c.server, c.cport, c.sport, size))]
    # A Windows client's SYN carries MSS, window scale and SACK (52 bytes);
    # a scanner's carries MSS only (44 bytes).
    size, win = (44, 1024) if c.client.startswith("172.16.") else (52, 64240)
    return [(t, "%s DROP TCP %s %s %d %d %d S %d 0 %d - - - RECEIVE" % (
        stamp(t), c.client, c.server, c.cport, c.sport, size, c.isn, win)) for t in c.syns]


def pfirewall(addr, conns):
    rows = []
    for c in conns:
        if c.t0 < DAY_START:  # opened before the log begins
            continue
        multicast = c.server.startswith("224.")
        if c.action == "DROP":
            if c.server == addr or (multicast and c.client != addr):
                rows += _drops(c)
            continue
        if c.client == c.server == "127.0.0.1":
            if addr == "10.0.0.10":  # the DC's own loopback queries
                rows += [_allow(c.t0, c, "SEND"), _allow(c.t0, c, "RECEIVE")]
        elif c.server == addr:
            rows.append(_allow(c.t0, c, "RECEIVE"))
        elif c.client == addr:
            rows.append(_allow(c.t0, c, "SEND"))
    rows.sort(key=lambda r: r[0])
    return (HEADER + "".join(line + "\r\n" for _, line in rows)).encode("ascii")
