"""The traffic the core switch routes between the client VLAN (10.0.1.0/24),
the guest Wi-Fi (172.16.50.0/24) and the server VLAN (10.0.0.0/24), as a
pcap of Ethernet frames (link type 1, which softflowd reads): what its
NetFlow export describes. Traffic inside the server VLAN (mon01 polling
dc01 and fs01) is switched, not routed, and is not in it.

Deterministic: frames follow from the connections of traffic.py alone;
checksums are computed, payloads are zero bytes of the right length."""
import random
import struct

from network import DAY_END, DAY_START

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS = 1460
MAC_ROUTER = bytes.fromhex("00005e000101")  # the VLAN interfaces' VRRP address
RTT = 0.00045


def routed(c):
    def vlan(a):
        return "servers" if a.startswith("10.0.0.") else "clients" if a.startswith(("10.0.1.", "172.16.50.")) else None
    a, b = vlan(c.client), vlan(c.server)
    return a and b and a != b


def _mac(addr):
    return bytes([0x02, 0x00]) + bytes(int(x) for x in addr.split("."))


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Writer:
    def __init__(self):
        self.frames = []  # (microseconds, sequence, bytes)
        self.ip_id = {}

    def ip(self, us, src, dst, proto, l4, ttl):
        s, d = (bytes(int(x) for x in a.split(".")) for a in (src, dst))
        off = 16 if proto == 6 else 6
        c = _csum(s + d + struct.pack("!xBH", proto, len(l4)) + l4)
        l4 = l4[:off] + struct.pack("!H", c or 0xFFFF) + l4[off + 2:]
        ident = self.ip_id.get(src, 0x1234)
        self.ip_id[src] = (ident + 1) & 0xFFFF
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0x4000, ttl, proto, 0, s, d)
        hdr = hdr[:10] + struct.pack("!H", _csum(hdr)) + hdr[12:]
        # As seen on the uplink of the server VLAN: the router's side of the hop.
        macs = (_mac(dst) + MAC_ROUTER) if dst.startswith("10.0.0.") else (MAC_ROUTER + _mac(src))
        if int(DAY_START * 1e6) <= us < int(DAY_END * 1e6):  # the capture's span
            self.frames.append((us, len(self.frames), macs + b"\x08\x00" + hdr + l4))

    def write(self, path):
        self.frames.sort()
        out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for us, _, f in self.frames:
            out += struct.pack("<IIII", us // 1_000_000, us % 1_000_000, len(f), len(f)) + f
        with open(path, "wb") as fh:
            fh.write(out)
        return len(self.frames)


def _split(total, n):
    """n segment sizes (at most MSS each) adding up to total bytes."""
    n = max(n, -(-total // MSS))
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def tcp(w, c, rng, ttl_c, ttl_s):
    seq = {True: c.isn, False: rng.getrandbits(32)}

    def send(t, from_client, flags, n=0, win=64240, opts=b""):
        src, sp, dst, dp = (c.client, c.cport, c.server, c.sport) if from_client else (c.server, c.sport, c.client, c.cport)
        s = seq[from_client]
        ack = seq[not from_client] if flags & ACK else 0
        l4 = struct.pack("!HHIIBBHHH", sp, dp, s, ack, (5 + len(opts) // 4) << 4, flags, win, 0, 0) + opts + bytes(n)
        seq[from_client] = (s + n + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        w.ip(int(t * 1e6), src, dst, 6, l4, ttl_c if from_client else ttl_s)

    syn_opts = bytes.fromhex("020405b40103030801010402")  # MSS 1460, NOP, WS 8, NOP NOP SACK-permitted
    if c.action == "DROP":
        scanner = c.client.startswith("172.16.")
        for t in c.syns:
            seq[True] = c.isn
            send(t, True, SYN, win=1024 if scanner else 64240,
                 opts=bytes.fromhex("020405b4") if scanner else syn_opts)
        return
    t = c.t0
    send(t, True, SYN, opts=syn_opts)
    send(t + RTT, False, SYN | ACK, opts=syn_opts)
    send(t + 2 * RTT, True, ACK)
    ups, downs = _split(c.up[1], c.up[0]), _split(c.down[1], c.down[0])
    span = max(c.t1 - t - 6 * RTT, 0.001)
    # Requests and answers in turns, spread over the connection's life.
    turns = max(len(ups), 1)
    per_turn = -(-len(downs) // turns)
    for k in range(turns):
        tk = t + 3 * RTT + span * (k + rng.random() * 0.5) / turns
        if k < len(ups):
            send(tk, True, PSH | ACK, ups[k])
        for j, n in enumerate(downs[k * per_turn:(k + 1) * per_turn]):
            send(tk + RTT * (1 + j * 0.05), False, ACK if j < per_turn - 1 else PSH | ACK, n)
        send(tk + RTT * (2 + per_turn * 0.05), True, ACK)
    send(c.t1, True, FIN | ACK)
    send(c.t1 + RTT, False, FIN | ACK)
    send(c.t1 + 2 * RTT, True, ACK)


def udp(w, c, ttl_c, ttl_s):
    if c.action == "DROP":
        return
    for k, n in enumerate(_split(c.up[1], c.up[0])):
        w.ip(int((c.t0 + k * 0.0001) * 1e6), c.client, c.server, 17,
             struct.pack("!HHHH", c.cport, c.sport, 8 + n, 0) + bytes(n), ttl_c)
    for k, n in enumerate(_split(c.down[1], c.down[0])):
        w.ip(int((c.t1 + k * 0.0001) * 1e6), c.server, c.client, 17,
             struct.pack("!HHHH", c.sport, c.cport, 8 + n, 0) + bytes(n), ttl_s)


def core_capture(conns, path):
    from network import HOSTS
    ttl = {h.addr: h.ttl - 1 for h in HOSTS.values()}  # one routed hop
    rng = random.Random(5003)
    w = Writer()
    n = 0
    for c in conns:
        if not routed(c):
            continue
        n += 1
        if c.proto == "TCP":
            tcp(w, c, rng, ttl[c.client], ttl[c.server])
        elif c.proto == "UDP":
            udp(w, c, ttl[c.client], ttl[c.server])
    return n, w.write(path)
