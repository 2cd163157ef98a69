"""The example network's fixed facts: hosts, addresses, processes, listeners
and endpoint-mapper registrations. traffic.py builds the day's connections
on top of these, and every evidence writer reads both, so that netstat,
tasklist, rpcdump, the firewall logs and the NetFlow capture agree on every
address, port, PID and process.

The hosts are made up for this project; what runs on them and which ports
they use follow what such Windows servers run (Windows Server 2019 splits
its service hosts, one svchost per service; 2012 R2 groups them).
"""
import calendar

# The day the evidence covers, in UTC. The servers' clocks run on
# W. Europe Standard Time (UTC+1 in November): the firewall logs and the
# netstat snapshots' times are local, the NetFlow capture is UTC.
DAY_START = calendar.timegm((2026, 11, 30, 6, 0, 0))  # 07:00 local
DAY_END = DAY_START + 24 * 3600
LOCAL_OFFSET = 3600

SUBNET_SERVERS = "10.0.0."
SUBNET_CLIENTS = "10.0.1."


def local(hh, mm=0, ss=0.0, day=0):
    """UTC seconds of a local wall-clock time on 2026-11-30 (day 1: the next day)."""
    return calendar.timegm((2026, 11, 30 + day, hh, mm, 0)) + ss - LOCAL_OFFSET


class Host:
    def __init__(self, name, addr, ephemeral_start, ttl=128):
        self.name, self.addr, self.ttl = name, addr, ttl
        self.next_port = ephemeral_start

    def ephemeral(self, rng):
        """The next client port, as Windows hands them out: upwards through 49152-65535."""
        port = self.next_port
        self.next_port += rng.randint(1, 4)
        if self.next_port > 65535:
            self.next_port = 49152 + (self.next_port - 65536)
        return port


HOSTS = {
    "dc01": Host("dc01", "10.0.0.10", 50190),
    "fs01": Host("fs01", "10.0.0.20", 51020),
    "mon01": Host("mon01", "10.0.0.30", 58211),
    "ws01": Host("ws01", "10.0.1.21", 50402),
    "ws02": Host("ws02", "10.0.1.22", 52096),
    "ws03": Host("ws03", "10.0.1.23", 49870),
    "ws04": Host("ws04", "10.0.1.24", 51511),
    # A contractor's laptop, not in the domain: its SQL attempts are dropped.
    "nb07": Host("nb07", "10.0.1.57", 60110),
    # Somebody's device in the guest Wi-Fi, sweeping the DC's ports at night.
    "guest": Host("guest", "172.16.50.23", 41234, ttl=64),
}
CLIENTS = ["ws01", "ws02", "ws03", "ws04"]

# Internet peers of the DC (DNS forwarders, time source).
DNS_FORWARDERS = ["9.9.9.9", "149.112.112.112"]
TIME_SOURCE = "192.53.103.108"  # ptbtime1.ptb.de

# --- the servers' dynamic RPC ports (netstat, tasklist, rpcdump and traffic agree) ---
DC01_LSASS_LSARPC = 49664    # lsass: samr, lsarpc, KeyIso
DC01_EVENTLOG = 49666        # svchost EventLog: even6
DC01_LSASS_NETLOGON = 49668  # lsass: drsuapi, netlogon
# Winmgmt's own svchost opens its TCP port at the first remote DCOM
# activation, after the boot-time ports; DCOM objects are not registered
# with the endpoint mapper, so no rpcdump lists this port.
DC01_WMI = 49712
DC01_WMI_PID = 2172
FS01_NETSVCS = 49154         # the shared netsvcs svchost of 2012 R2: Schedule ... Winmgmt
FS01_LSASS = 49156
MON01_UNSECAPP = 49821       # unsecapp.exe on mon01: WMI's asynchronous callbacks
MON01_UNSECAPP_PID = 3720

# netstat listeners per host: (proto, address:port, pid). Wildcard rows are
# written for IPv4 and, where listed, IPv6.
LISTEN_DC01 = [
    ("TCP", "0.0.0.0:88", 712), ("TCP", "0.0.0.0:135", 960), ("TCP", "0.0.0.0:389", 712),
    ("TCP", "0.0.0.0:445", 4), ("TCP", "0.0.0.0:464", 712), ("TCP", "0.0.0.0:593", 960),
    ("TCP", "0.0.0.0:636", 712), ("TCP", "0.0.0.0:3268", 712), ("TCP", "0.0.0.0:3269", 712),
    ("TCP", "0.0.0.0:3389", 1180), ("TCP", "0.0.0.0:5665", 3012), ("TCP", "0.0.0.0:5985", 4),
    ("TCP", "0.0.0.0:9389", 2620), ("TCP", "0.0.0.0:12489", 3104), ("TCP", "0.0.0.0:47001", 4),
    ("TCP", "0.0.0.0:49664", 712), ("TCP", "0.0.0.0:49665", 556), ("TCP", "0.0.0.0:49666", 1304),
    ("TCP", "0.0.0.0:49667", 1420), ("TCP", "0.0.0.0:49668", 712), ("TCP", "0.0.0.0:49669", 712),
    ("TCP", "0.0.0.0:49671", 700), ("TCP", "0.0.0.0:49673", 2268), ("TCP", "0.0.0.0:49675", 2540),
    ("TCP", "0.0.0.0:49678", 2604), ("TCP", "0.0.0.0:49683", 2660),
    ("TCP", "0.0.0.0:%d" % DC01_WMI, DC01_WMI_PID),
    ("TCP", "10.0.0.10:53", 2540), ("TCP", "10.0.0.10:139", 4),
]
LISTEN_DC01_TAIL = [
    ("TCP", "127.0.0.1:53", 2540),
    ("TCP", "[::]:88", 712), ("TCP", "[::]:135", 960), ("TCP", "[::]:389", 712),
    ("TCP", "[::]:445", 4), ("TCP", "[::]:49664", 712), ("TCP", "[::]:49668", 712),
    ("TCP", "[::1]:53", 2540), ("TCP", "[fe80::5d2c:8a1e:3b44:9f10%6]:53", 2540),
]
UDP_DC01 = [
    ("0.0.0.0:88", 712), ("0.0.0.0:123", 1580), ("0.0.0.0:389", 712), ("0.0.0.0:464", 712),
    ("0.0.0.0:500", 1640), ("0.0.0.0:4500", 1640), ("0.0.0.0:5353", 1500), ("0.0.0.0:5355", 1500),
    ("0.0.0.0:52344", 2540), ("10.0.0.10:53", 2540), ("10.0.0.10:137", 4), ("10.0.0.10:138", 4),
    ("127.0.0.1:53", 2540), ("[::]:123", 1580),
]
TASKS_DC01 = [
    ("System Idle Process", 0, "N/A"), ("System", 4, "N/A"), ("wininit.exe", 556, "N/A"),
    ("services.exe", 700, "N/A"), ("lsass.exe", 712, "Kdc, KeyIso, Netlogon, NTDS, SamSs"),
    ("svchost.exe", 960, "RpcEptMapper, RpcSs"), ("svchost.exe", 1180, "TermService"),
    ("svchost.exe", 1304, "EventLog"), ("svchost.exe", 1420, "Schedule"),
    ("svchost.exe", 1500, "Dnscache"), ("svchost.exe", 1580, "W32Time"),
    ("svchost.exe", 1640, ["BFE, IKEEXT, mpssvc, PolicyAgent,", "WinHttpAutoProxySvc"]),
    ("svchost.exe", DC01_WMI_PID, "Winmgmt"),
    ("spoolsv.exe", 2268, "Spooler"), ("dns.exe", 2540, "DNS"), ("dfsrs.exe", 2604, "DFSR"),
    ("Microsoft.ActiveDirectory", 2620, "ADWS"), ("ismserv.exe", 2660, "IsmServ"),
    ("icinga2.exe", 3012, "icinga2"), ("nscp.exe", 3104, "nscp"),
    ("WmiPrvSE.exe", 3388, "N/A"), ("tasklist.exe", 4420, "N/A"),
]

LISTEN_FS01 = [
    ("TCP", "0.0.0.0:135", 800), ("TCP", "0.0.0.0:445", 4), ("TCP", "0.0.0.0:1433", 2400),
    ("TCP", "0.0.0.0:3389", 1020), ("TCP", "0.0.0.0:5003", 2230), ("TCP", "0.0.0.0:5985", 4),
    ("TCP", "0.0.0.0:10050", 2300), ("TCP", "0.0.0.0:47001", 4), ("TCP", "0.0.0.0:49152", 480),
    ("TCP", "0.0.0.0:49153", 900), ("TCP", "0.0.0.0:49154", 950), ("TCP", "0.0.0.0:49155", 560),
    ("TCP", "0.0.0.0:49156", 572), ("TCP", "0.0.0.0:49158", 1300), ("TCP", "10.0.0.20:139", 4),
]
UDP_FS01 = [
    ("0.0.0.0:123", 1100), ("0.0.0.0:500", 1150), ("0.0.0.0:1434", 2450), ("0.0.0.0:4500", 1150),
    ("0.0.0.0:5355", 1180), ("10.0.0.20:137", 4), ("10.0.0.20:138", 4),
]
TASKS_FS01 = [
    ("System Idle Process", 0, "Nicht zutreffend"), ("System", 4, "Nicht zutreffend"),
    ("wininit.exe", 480, "Nicht zutreffend"), ("services.exe", 560, "Nicht zutreffend"),
    ("lsass.exe", 572, "KeyIso, Netlogon, SamSs"), ("svchost.exe", 800, "RpcEptMapper, RpcSs"),
    ("svchost.exe", 900, "Dhcp, EventLog, lmhosts, Wcmsvc"),
    ("svchost.exe", 950, ["gpsvc, IKEEXT, iphlpsvc, Schedule, SENS,", "ShellHWDetection, Themes, Winmgmt"]),
    ("svchost.exe", 1020, "TermService"), ("svchost.exe", 1100, "W32Time"),
    ("svchost.exe", 1150, "BFE, MpsSvc, PolicyAgent"),
    ("svchost.exe", 1180, "Dnscache, LanmanWorkstation, NlaSvc"),
    ("spoolsv.exe", 1300, "Spooler"), ("fmserver.exe", 2230, "FileMaker Server"),
    ("zabbix_agentd.exe", 2300, "Zabbix Agent"), ("sqlservr.exe", 2400, "MSSQLSERVER"),
    ("sqlbrowser.exe", 2450, "SQLBrowser"), ("WmiPrvSE.exe", 2712, "Nicht zutreffend"),
]

LISTEN_MON01 = [
    ("TCP", "0.0.0.0:135", 908), ("TCP", "0.0.0.0:445", 4), ("TCP", "0.0.0.0:3389", 1096),
    ("TCP", "0.0.0.0:5665", 2844), ("TCP", "0.0.0.0:5985", 4), ("TCP", "0.0.0.0:47001", 4),
    ("TCP", "0.0.0.0:49664", 676), ("TCP", "0.0.0.0:49665", 520), ("TCP", "0.0.0.0:49666", 1232),
    ("TCP", "0.0.0.0:49667", 1368), ("TCP", "0.0.0.0:49668", 2044), ("TCP", "0.0.0.0:49669", 664),
    ("TCP", "0.0.0.0:49670", 676), ("TCP", "0.0.0.0:%d" % MON01_UNSECAPP, MON01_UNSECAPP_PID),
    ("TCP", "10.0.0.30:139", 4),
]
LISTEN_MON01_TAIL = [
    ("TCP", "[::]:135", 908), ("TCP", "[::]:445", 4), ("TCP", "[::]:5665", 2844),
    ("TCP", "[::]:49664", 676), ("TCP", "[::]:%d" % MON01_UNSECAPP, MON01_UNSECAPP_PID),
]
UDP_MON01 = [
    ("0.0.0.0:123", 1448), ("0.0.0.0:500", 1512), ("0.0.0.0:4500", 1512), ("0.0.0.0:5353", 1400),
    ("0.0.0.0:5355", 1400), ("10.0.0.30:137", 4), ("10.0.0.30:138", 4), ("[::]:123", 1448),
]
TASKS_MON01 = [
    ("System Idle Process", 0, "N/A"), ("System", 4, "N/A"), ("wininit.exe", 520, "N/A"),
    ("services.exe", 664, "N/A"), ("lsass.exe", 676, "KeyIso, Netlogon, SamSs"),
    ("svchost.exe", 908, "RpcEptMapper, RpcSs"), ("svchost.exe", 1096, "TermService"),
    ("svchost.exe", 1232, "EventLog"), ("svchost.exe", 1368, "Schedule"),
    ("svchost.exe", 1400, "Dnscache"), ("svchost.exe", 1448, "W32Time"),
    ("svchost.exe", 1512, ["BFE, IKEEXT, mpssvc, PolicyAgent,", "WinHttpAutoProxySvc"]),
    ("svchost.exe", 1580, "Winmgmt"), ("spoolsv.exe", 2044, "Spooler"),
    ("icinga2.exe", 2844, "icinga2"), ("powershell.exe", 3604, "N/A"),
    ("unsecapp.exe", MON01_UNSECAPP_PID, "N/A"), ("WmiPrvSE.exe", 3860, "N/A"),
    ("tasklist.exe", 5112, "N/A"),
]

# Which process owns a server's port: for the ESTABLISHED rows of netstat.
def port_owner(host):
    table = {"dc01": LISTEN_DC01, "fs01": LISTEN_FS01, "mon01": LISTEN_MON01}[host]
    return {int(a.rsplit(":", 1)[1]): pid for _, a, pid in table}


# impacket rpcdump.py's endpoint listing: (UUID, version, annotation,
# protocol, provider, bindings). Protocol and provider as impacket names
# them for the UUIDs it knows, else N/A.
def rpcdump_dc01():
    t = "ncacn_ip_tcp:10.0.0.10"
    return [
        ("12345778-1234-ABCD-EF00-0123456789AC", "v1.0", "", "[MS-SAMR]: Security Account Manager (SAM) Remote Protocol", "samsrv.dll",
         ["%s[49664]" % t, "ncalrpc:[samss lpc]", r"ncacn_np:\\DC01[\pipe\lsass]"]),
        ("12345778-1234-ABCD-EF00-0123456789AB", "v0.0", "", "[MS-LSAT]: Local Security Authority (Translation Methods) Remote", "lsasrv.dll",
         ["%s[49664]" % t, "ncalrpc:[lsasspirpc]", r"ncacn_np:\\DC01[\pipe\lsass]"]),
        ("B25A52BF-E5DD-4F4A-AEA6-8CA7272A0E86", "v2.0", "KeyIso", "N/A", "N/A", ["%s[49664]" % t, "ncalrpc:[samss lpc]"]),
        ("D95AFE70-A6D5-4259-822E-2C84DA1DDB0D", "v1.0", "", "[MS-RSP]: Remote Shutdown Protocol", "wininit.exe",
         ["%s[49665]" % t, "ncalrpc:[WindowsShutdown]", r"ncacn_np:\\DC01[\PIPE\InitShutdown]"]),
        ("F6BEAFF7-1E19-4FBB-9F8F-B89E2018337C", "v1.0", "Event log TCPIP", "[MS-EVEN6]: EventLog Remoting Protocol", "wevtsvc.dll",
         ["%s[49666]" % t, "ncalrpc:[eventlog]", r"ncacn_np:\\DC01[\pipe\eventlog]"]),
        ("86D35949-83C9-4044-B424-DB363231FD0C", "v1.0", "", "[MS-TSCH]: Task Scheduler Service Remoting Protocol", "schedsvc.dll",
         ["%s[49667]" % t, "ncalrpc:[ubpmtaskhostchannel]"]),
        ("E3514235-4B06-11D1-AB04-00C04FC2DCD2", "v4.0", "MS NT Directory DRS Interface", "[MS-DRSR]: Directory Replication Service (DRS) Remote Protocol", "ntdsai.dll",
         ["%s[49668]" % t, "ncacn_http:10.0.0.10[49669]", "ncalrpc:[NTDS_LPC]", r"ncacn_np:\\DC01[\pipe\lsass]"]),
        ("12345678-1234-ABCD-EF00-01234567CFFB", "v1.0", "", "[MS-NRPC]: Netlogon Remote Protocol", "netlogon.dll",
         ["%s[49668]" % t, "ncacn_http:10.0.0.10[49669]", r"ncacn_np:\\DC01[\pipe\lsass]"]),
        ("367ABB81-9844-35F1-AD32-98F038001003", "v2.0", "", "[MS-SCMR]: Service Control Manager Remote Protocol", "services.exe",
         ["%s[49671]" % t]),
        ("76F03F96-CDFD-44FC-A22C-64950A001209", "v1.0", "", "[MS-PAR]: Print System Asynchronous Remote Protocol", "spoolsv.exe",
         ["%s[49673]" % t, "ncalrpc:[LRPC-d5a7b6c3e2f1a0b9c8]"]),
        ("12345678-1234-ABCD-EF00-0123456789AB", "v1.0", "", "[MS-RPRN]: Print System Remote Protocol", "spoolsv.exe",
         ["%s[49673]" % t, "ncalrpc:[spoolss]"]),
        ("50ABC2A4-574D-40B3-9D66-EE4FD5FBA076", "v5.0", "", "[MS-DNSP]: Domain Name Service (DNS) Server Management", "dns.exe", ["%s[49675]" % t, r"ncacn_np:\\DC01[\PIPE\DNSSERVER]"]),
        ("897E2E5F-93F3-4376-9C9C-FD2277495C27", "v1.0", "Frs2 Service", "N/A", "N/A",
         ["%s[49678]" % t, "ncalrpc:[OLE7D7D4B2E6D0A4C1F9E3B8D2A6C5F]"]),
        ("68DCD486-669E-11D1-AB0C-00C04FC2DCD2", "v1.0", "", "N/A", "N/A", ["%s[49683]" % t]),
    ]


def rpcdump_fs01():
    t = "ncacn_ip_tcp:10.0.0.20"
    tsch = "[MS-TSCH]: Task Scheduler Service Remoting Protocol"
    pan = "[MS-PAN]: Print System Asynchronous Notification Protocol"
    return [
        ("D95AFE70-A6D5-4259-822E-2C84DA1DDB0D", "v1.0", "", "[MS-RSP]: Remote Shutdown Protocol", "wininit.exe",
         ["%s[49152]" % t, "ncalrpc:[WindowsShutdown]", r"ncacn_np:\\FS01[\PIPE\InitShutdown]"]),
        ("F6BEAFF7-1E19-4FBB-9F8F-B89E2018337C", "v1.0", "Event log TCPIP", "[MS-EVEN6]: EventLog Remoting Protocol", "wevtsvc.dll",
         ["%s[49153]" % t, "ncalrpc:[eventlog]", r"ncacn_np:\\FS01[\pipe\eventlog]"]),
        ("3C4728C5-F0AB-448B-BDA1-6CE01EB0A6D5", "v1.0", "DHCP Client LRPC Endpoint", "N/A", "N/A",
         ["%s[49153]" % t, "ncalrpc:[dhcpcsvc]", "ncalrpc:[dhcpcsvc6]"]),
        ("86D35949-83C9-4044-B424-DB363231FD0C", "v1.0", "", tsch, "schedsvc.dll",
         ["%s[49154]" % t, "ncalrpc:[ubpmtaskhostchannel]", "ncalrpc:[LRPC-1f0c6a4e0b9d3a2c57]"]),
        ("378E52B0-C0A9-11CF-822D-00AA0051E40F", "v1.0", "", tsch, "taskcomp.dll",
         ["%s[49154]" % t, r"ncacn_np:\\FS01[\PIPE\atsvc]"]),
        ("1FF70682-0A51-30E8-076D-740BE8CEE98B", "v1.0", "", tsch, "taskcomp.dll",
         ["%s[49154]" % t, r"ncacn_np:\\FS01[\PIPE\atsvc]"]),
        ("552D076A-CB29-4E44-8B6A-D15E59E2C0AF", "v1.0", "IP Transition Configuration endpoint", "N/A", "N/A",
         ["%s[49154]" % t, "ncalrpc:[IpTransition]"]),
        ("367ABB81-9844-35F1-AD32-98F038001003", "v2.0", "", "[MS-SCMR]: Service Control Manager Remote Protocol", "services.exe",
         ["%s[49155]" % t]),
        ("12345778-1234-ABCD-EF00-0123456789AC", "v1.0", "", "[MS-SAMR]: Security Account Manager (SAM) Remote Protocol", "samsrv.dll",
         ["%s[49156]" % t, "ncalrpc:[samss lpc]", r"ncacn_np:\\FS01[\pipe\lsass]"]),
        ("B25A52BF-E5DD-4F4A-AEA6-8CA7272A0E86", "v2.0", "KeyIso", "N/A", "N/A", ["%s[49156]" % t, "ncalrpc:[samss lpc]"]),
        ("12345678-1234-ABCD-EF00-0123456789AB", "v1.0", "", "[MS-RPRN]: Print System Remote Protocol", "spoolsv.exe",
         ["%s[49158]" % t, "ncalrpc:[spoolss]"]),
        ("76F03F96-CDFD-44FC-A22C-64950A001209", "v1.0", "", "[MS-PAR]: Print System Asynchronous Remote Protocol", "spoolsv.exe",
         ["%s[49158]" % t]),
        ("AE33069B-A2A8-46EE-A235-DDFD339BE281", "v1.0", "", pan, "spoolsv.exe", ["%s[49158]" % t]),
        ("0B6EDBFA-4A24-4FC6-8A23-942B1ECA65D1", "v1.0", "", pan, "spoolsv.exe", ["%s[49158]" % t]),
        ("4A452661-8290-4B36-8FBE-7F4093A94978", "v1.0", "", "N/A", "spoolsv.exe", ["%s[49158]" % t]),
    ]
