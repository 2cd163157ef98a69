"""The example network's day, 2026-11-30 07:00 to 2026-12-01 07:00 local
time: every connection between the hosts of network.py, in UTC seconds.

Deterministic: one seeded random generator, consumed in a fixed order, so
the same connections, ports, sizes and sequence numbers come out every run.

What happens:
  - mon01 (Icinga 2 satellite) polls dc01 and fs01 every 5 minutes: a ping,
    then WMI (TCP 135, then the Winmgmt service host's DCOM port: dc01 49712,
    fs01 49154), NSClient++ on dc01 (12489) and the Zabbix agent on fs01
    (10050); every 15 minutes it reads dc01's event log over MS-EVEN6
    (135, then 49666); once an hour a WMI query that reports back
    asynchronously makes dc01 and fs01 call mon01's unsecapp.exe (49821).
    Icinga's API connection to dc01's agent (5665) is re-established at
    03:12 after the nightly reload.
  - ws01-ws04 log on in the morning: DNS, CLDAP, Kerberos, LDAP, SMB
    (Group Policy), Netlogon's secure channel (135, then 49668), LSA
    lookups (135, then 49664), a mapped drive on fs01 (445); DNS every few
    minutes and a Group Policy refresh every 90 minutes or so; ws03 and
    ws04 use FileMaker on fs01 (5003), ws03 also SQL Server (1433). ws02
    stays on overnight.
  - fs01, a domain member, asks dc01: DNS, Kerberos, LDAP, SMB, LSA
    lookups of the SIDs in its file permissions (49664), Netlogon (49668).
  - nb07, a contractor's laptop, tries SQL Server on fs01 three times:
    fs01's firewall allows 1433 from ws03 only and drops it.
  - at 02:14 a device in the guest Wi-Fi sweeps dc01's common ports: all
    dropped, dc01's rules allow only the internal networks.
"""
import random

from network import (DAY_END, DAY_START, DC01_EVENTLOG, DC01_LSASS_LSARPC, DC01_LSASS_NETLOGON,
                     DC01_WMI, DNS_FORWARDERS, FS01_NETSVCS, HOSTS, MON01_UNSECAPP, TIME_SOURCE,
                     local)


class Conn:
    """One TCP connection, UDP conversation or ICMP echo, client first."""

    def __init__(self, t0, dur, proto, client, cport, server, sport, up, down, action="ALLOW",
                 isn=0, syns=()):
        self.t0, self.t1 = t0, t0 + dur
        self.proto = proto            # "TCP", "UDP", "ICMP"
        self.client, self.cport = client, cport
        self.server, self.sport = server, sport
        self.up, self.down = up, down  # (packets, payload bytes) each way, past the handshake
        self.action = action          # "ALLOW" or "DROP" at the server's firewall
        self.isn = isn                # the client's initial sequence number
        self.syns = syns              # a dropped connection: the SYN times (retransmissions)


class Day:
    def __init__(self, seed=20261130):
        self.rng = random.Random(seed)
        self.conns = []
        self.dns_ports = {}

    def addr(self, who):
        return HOSTS[who].addr if who in HOSTS else who

    def tcp(self, t, client, server, sport, dur, up=(4, 600), down=(4, 900), cport=None, open_before=False):
        """A TCP connection; open_before: opened before the day (no log row), still open in it."""
        if not (DAY_START <= t < DAY_END or open_before):
            return None
        rng = self.rng
        cport = cport or HOSTS[client].ephemeral(rng)
        server_addr = self.addr(server)
        client_addr = server_addr if server_addr == "127.0.0.1" else self.addr(client)
        c = Conn(t, dur, "TCP", client_addr, cport, server_addr, sport, up, down,
                 isn=rng.getrandbits(32))
        self.conns.append(c)
        return c

    def udp(self, t, client, server, sport, up=(1, 40), down=(1, 120), cport=None):
        if not (DAY_START <= t < DAY_END):
            return None
        rng = self.rng
        if cport is None and sport == 53:
            # The DNS client picks a random source port for every query (one
            # not used before today: an exporter would merge a reused one).
            used = self.dns_ports.setdefault(client, set())
            cport = rng.randint(49152, 65535)
            while cport in used:
                cport = rng.randint(49152, 65535)
            used.add(cport)
        elif cport is None:
            cport = HOSTS[client].ephemeral(rng)
        c = Conn(t, 0.002 + rng.random() * 0.01, "UDP", self.addr(client), cport, self.addr(server),
                 sport, up, down)
        self.conns.append(c)
        return c

    def ping(self, t, client, server):
        if DAY_START <= t < DAY_END:
            self.conns.append(Conn(t, 0.001, "ICMP", self.addr(client), 0, self.addr(server), 0,
                                   (1, 32), (1, 32)))

    def dropped_syns(self, t, client, server, sport, retries=(1.0, 3.0), cport=None):
        """A connection attempt the server's firewall drops: the SYN and its retransmissions."""
        rng = self.rng
        cport = cport or HOSTS[client].ephemeral(rng)
        syns = (t,) + tuple(t + r for r in retries)
        c = Conn(t, syns[-1] - t, "TCP", self.addr(client), cport, self.addr(server), sport,
                 (len(syns), 0), (0, 0), action="DROP", isn=rng.getrandbits(32), syns=syns)
        self.conns.append(c)

    def rpc(self, t, client, server, dyn_port, dur, up=(6, 1400), down=(6, 2600)):
        """The endpoint mapper first (TCP 135), then the interface's dynamic port."""
        self.tcp(t, client, server, 135, 0.03 + self.rng.random() * 0.03, (2, 304), (2, 296))
        return self.tcp(t + 0.08 + self.rng.random() * 0.05, client, server, dyn_port, dur, up, down)

    def dns(self, t, client):
        self.udp(t, client, "dc01", 53, (1, 32 + self.rng.randint(0, 30)), (1, 80 + self.rng.randint(0, 200)))
        if self.rng.random() < 0.4:  # not in the DC's zones: asked of the forwarders
            self.udp(t + 0.004, "dc01", self.rng.choice(DNS_FORWARDERS), 53, (1, 52), (1, 160))


def monitoring(d):
    rng = d.rng
    cycle = 0
    t = local(7, 0, 12)
    while t < DAY_END:
        j = rng.random() * 2
        d.ping(t + j, "mon01", "dc01")
        d.rpc(t + j + 0.2, "mon01", "dc01", DC01_WMI, 0.6 + rng.random(), (9, 2900), (8, 5200))
        d.tcp(t + j + 2.1, "mon01", "dc01", 12489, 0.08, (2, 120), (2, 210))
        if cycle % 3 == 0:
            d.rpc(t + j + 3.0, "mon01", "dc01", DC01_EVENTLOG, 1.2 + rng.random() * 2, (12, 3100), (14, 22000))
        j = 20 + rng.random() * 2
        d.ping(t + j, "mon01", "fs01")
        d.rpc(t + j + 0.2, "mon01", "fs01", FS01_NETSVCS, 0.7 + rng.random(), (9, 2900), (8, 5600))
        d.tcp(t + j + 2.4, "mon01", "fs01", 10050, 0.05, (2, 90), (2, 140))
        if cycle % 12 == 5:  # an asynchronous WMI query: the servers call back
            d.tcp(t + 6.5, "dc01", "mon01", MON01_UNSECAPP, 0.4, (5, 1800), (4, 600))
            d.tcp(t + 26.5, "fs01", "mon01", MON01_UNSECAPP, 0.4, (5, 1700), (4, 600))
        if cycle % 12 == 0:  # mon01 is a domain member too
            d.dns(t + 0.5, "mon01")
            d.tcp(t + 0.6, "mon01", "dc01", 88, 0.02, (1, 1500), (1, 1400))
        cycle += 1
        t += 300
    # Icinga's connection to dc01's agent: re-established after the nightly reload.
    d.tcp(local(3, 12, 2.2), "mon01", "dc01", 5665, local(3, 12, 4.9, day=1) - local(3, 12, 2.2),
          (800, 480000), (800, 2000000), open_before=True)
    d.tcp(local(3, 12, 5.3, day=1), "mon01", "dc01", 5665, DAY_END - local(3, 12, 5.3, day=1) + 3600,
          (160, 96000), (160, 410000))


def logon(d, t, who, dc_session_end):
    """A workstation's boot and logon; returns the time the user starts working."""
    rng = d.rng
    d.dns(t, who)
    d.udp(t + 0.1, who, "dc01", 389, (1, 180), (1, 160))  # DC locator (CLDAP)
    d.udp(t + 0.3, who, "dc01", 123, (1, 48), (1, 48))    # W32Time
    for k in range(3):                                     # computer: AS, TGS ldap/, TGS cifs/
        d.tcp(t + 0.5 + k * 0.1, who, "dc01", 88, 0.02, (1, 1500), (1, 1700))
    d.tcp(t + 0.9, who, "dc01", 389, 0.4, (5, 1600), (5, 7200))
    # Netlogon's secure channel: held open while the machine runs.
    d.rpc(t + 1.2, who, "dc01", DC01_LSASS_NETLOGON, dc_session_end - t - 1.3, (40, 12000), (40, 9000))
    d.tcp(t + 2.0, who, "dc01", 445, 35 + rng.random() * 20, (60, 30000), (90, 310000))  # GPO
    t += 40 + rng.random() * 60                            # the user logs on
    for k in range(2):                                     # user: TGT, TGS
        d.tcp(t + k * 0.1, who, "dc01", 88, 0.02, (1, 1500), (1, 1800))
    d.rpc(t + 0.4, who, "dc01", DC01_LSASS_LSARPC, 0.3, (3, 700), (3, 900))
    d.tcp(t + 1.0, who, "dc01", 445, 20 + rng.random() * 10, (40, 20000), (60, 180000))  # user GPO
    d.tcp(t + 4.0, who, "dc01", 88, 0.02, (1, 1500), (1, 1700))  # TGS cifs/fs01
    return t + 5


def workstation(d, who, boot, off, apps=()):
    rng = d.rng
    start = logon(d, boot, who, off)
    # The mapped drive on fs01: one SMB session all day.
    d.tcp(start, who, "fs01", 445, off - start - 2, (700, 300_000), (1600, 2_200_000))
    for (port, t0, t1) in apps:
        d.tcp(t0, who, "fs01", port, t1 - t0, (300, 90_000), (700, 950_000))
    t = start + 60
    next_gpo = start + 5400 + rng.random() * 1800
    while t < off - 60:
        d.dns(t, who)
        if t >= next_gpo:
            d.tcp(t + 0.2, who, "dc01", 88, 0.02, (1, 1500), (1, 1700))
            d.udp(t + 0.3, who, "dc01", 389, (1, 180), (1, 160))
            d.tcp(t + 0.4, who, "dc01", 389, 0.3, (4, 1400), (4, 6100))
            d.tcp(t + 0.8, who, "dc01", 445, 8 + rng.random() * 6, (20, 9000), (30, 60000))
            next_gpo = t + 5400 + rng.random() * 1800
        elif rng.random() < 0.15:  # a SID shown in a file dialog, resolved by the DC
            d.rpc(t + 0.5, who, "dc01", DC01_LSASS_LSARPC, 0.2, (3, 600), (3, 800))
        working = local(7, 30) <= t < local(18, 0)
        t += 180 + rng.random() * 420 if working else 600 + rng.random() * 900


def file_server(d):
    rng = d.rng
    # The servers' Netlogon secure channels, open since their last restart.
    d.tcp(local(6, 2, 40.0, day=-3), "fs01", "dc01", DC01_LSASS_NETLOGON, 5 * 86400, (900, 240000),
          (900, 190000), open_before=True)
    d.tcp(local(6, 3, 15.0, day=-3), "mon01", "dc01", DC01_LSASS_NETLOGON, 5 * 86400, (300, 80000),
          (300, 60000), open_before=True)
    t = DAY_START + 140
    n = 0
    while t < DAY_END:
        d.dns(t, "fs01")
        if n % 2 == 0:
            d.tcp(t + 0.3, "fs01", "dc01", 389, 0.3, (4, 1300), (4, 5200))
        if n % 2 == 1:  # the SIDs in the file permissions, resolved by the DC
            d.rpc(t + 0.6, "fs01", "dc01", DC01_LSASS_LSARPC, 0.25, (4, 900), (4, 1300))
        if n % 4 == 0:
            d.tcp(t + 0.9, "fs01", "dc01", 88, 0.02, (1, 1500), (1, 1700))
        if n % 3 == 2:
            d.tcp(t + 1.2, "fs01", "dc01", 445, 9 + rng.random() * 5, (20, 9000), (30, 55000))
        if n % 8 == 3:  # Netlogon: the secure channel, rebuilt now and then
            d.rpc(t + 1.5, "fs01", "dc01", DC01_LSASS_NETLOGON, 1.5, (8, 2600), (8, 2100))
        t += 1800 + rng.random() * 20
        n += 1


def domain_controller(d):
    rng = d.rng
    t = DAY_START + 300
    while t < DAY_END:
        d.udp(t, "dc01", TIME_SOURCE, 123, (1, 48), (1, 48), cport=123)
        # The DC asks its own LDAP (loopback: logged twice, never crossing a wire).
        d.tcp(t + 12.5, "dc01", "127.0.0.1", 389, 0.05, (2, 300), (2, 600))
        t += 3600 + rng.random() * 5
    # LLMNR from fs01 and mon01: multicast, dropped by dc01's firewall.
    for k in range(8):
        who = "fs01" if k % 2 else "mon01"
        d.conns.append(Conn(local(8 + k, 17, 3.2), 0.0, "UDP", HOSTS[who].addr,
                            d.rng.randint(50000, 65000), "224.0.0.252", 5355, (1, 31), (0, 0),
                            action="DROP"))


def nuisances(d):
    # nb07's SQL client retries three times; each attempt's SYN is sent again after 1 and 3 s.
    d.dns(local(9, 41, 8.4), "nb07")
    for t in (local(9, 41, 10.1), local(9, 41, 32.6), local(9, 52, 5.0)):
        d.dropped_syns(t, "nb07", "fs01", 1433)
    # The guest Wi-Fi device's sweep: one SYN per port, one retransmission.
    ports = [21, 22, 23, 25, 53, 80, 88, 110, 111, 135, 139, 143, 389, 443, 445, 465, 587,
             636, 993, 995, 1433, 1723, 3268, 3306, 3389, 5432, 5900, 5985, 8080, 8443]
    t = local(2, 14, 31.0, day=1)
    for k, port in enumerate(ports):
        d.dropped_syns(t + k * 0.0013, "guest", "dc01", port, retries=(1.05,), cport=58129)


def build():
    d = Day()
    monitoring(d)
    file_server(d)
    domain_controller(d)
    workstation(d, "ws01", local(7, 32, 14.0), local(17, 5, 40.0))
    workstation(d, "ws02", local(7, 48, 3.0), DAY_END + 7200)
    workstation(d, "ws03", local(8, 5, 51.0), local(16, 41, 12.0),
                apps=[(5003, local(8, 10, 20.0), local(12, 5, 2.0)),
                      (5003, local(12, 50, 44.0), local(16, 35, 9.0)),
                      (1433, local(9, 0, 3.0), local(9, 25, 40.0)),
                      (1433, local(14, 0, 1.0), local(14, 10, 12.0))])
    workstation(d, "ws04", local(8, 20, 9.0), local(17, 30, 55.0),
                apps=[(5003, local(8, 25, 31.0), local(12, 30, 18.0)),
                      (5003, local(13, 15, 2.0), local(17, 20, 41.0))])
    nuisances(d)
    d.conns.sort(key=lambda c: (c.t0, c.client, c.cport))
    return d.conns
