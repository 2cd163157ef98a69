#include "store/schema.h"

namespace highport::store {
namespace {

// Version 1: sources and what was read from them. Observations are kept as
// the readers give them (before any decision on which side is the server),
// so that a later listener inventory or endpoint-mapper dump can still change
// the analysis of traffic stored weeks ago. Addresses are canonical text, so
// that an administrator can query the file with sqlite3; enums are small
// integers whose meanings are listed here and in docs/store.md.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE source (
  id            INTEGER PRIMARY KEY,
  kind          TEXT    NOT NULL,            -- capture | firewall-log | inventory | collector
  path          TEXT    NOT NULL,            -- as given the last time it was read
  prefix_bytes  INTEGER NOT NULL,            -- how many bytes of the file the database holds
  prefix_hash   TEXT    NOT NULL,            -- XXH3-64 of those bytes, 16 hex digits
  done_line     INTEGER NOT NULL DEFAULT 0,  -- firewall logs: every row up to this line is stored
  complete      INTEGER NOT NULL DEFAULT 0,  -- 1 once the prefix was read to its end
  records       INTEGER NOT NULL DEFAULT 0,  -- rows, packets or datagrams read
  stored        INTEGER NOT NULL DEFAULT 0,  -- observations stored
  skipped       INTEGER NOT NULL DEFAULT 0,  -- records the reader could not read
  first_ingest  TEXT    NOT NULL,            -- UTC, ISO 8601
  last_ingest   TEXT    NOT NULL
);
CREATE INDEX source_by_hash ON source(kind, prefix_hash);

-- One row per observation as the reader gave it (model/observation.h):
--   transport   0 tcp, 1 udp (ports are 0 for other IP protocols)
--   initiator   0 unknown, 1 src opened it, 2 dst opened it
--   evidence    0 none, 1 handshake, 2 biflow, 3 firewall path
--   action      0 observed, 1 allowed, 2 dropped
--   local_side  0 unknown, 1 src is the logging host, 2 dst is
CREATE TABLE observation (
  source_id    INTEGER NOT NULL REFERENCES source(id),
  src          TEXT    NOT NULL,
  src_port     INTEGER NOT NULL,
  dst          TEXT    NOT NULL,
  dst_port     INTEGER NOT NULL,
  transport    INTEGER NOT NULL,
  ip_protocol  INTEGER NOT NULL,
  first_us     INTEGER NOT NULL,             -- microseconds since the Unix epoch
  last_us      INTEGER NOT NULL,
  packets      INTEGER NOT NULL,
  bytes        INTEGER NOT NULL,
  connections  INTEGER NOT NULL,
  tcp_flags    INTEGER NOT NULL,
  initiator    INTEGER NOT NULL,
  evidence     INTEGER NOT NULL,
  action       INTEGER NOT NULL,
  local_side   INTEGER NOT NULL,
  pid          INTEGER,                      -- NULL when the source does not say
  line         INTEGER NOT NULL,             -- where in the source: line, or packet and offset
  packet       INTEGER NOT NULL,
  offset       INTEGER NOT NULL
);
CREATE INDEX observation_by_source ON observation(source_id);

-- Endpoint-mapper answers seen in captures: interface uuid on server:port.
CREATE TABLE rpc_registration (
  source_id      INTEGER NOT NULL REFERENCES source(id),
  host           TEXT    NOT NULL,
  uuid           TEXT    NOT NULL,
  version_major  INTEGER NOT NULL,
  version_minor  INTEGER NOT NULL,
  annotation     TEXT    NOT NULL,
  protocol       TEXT    NOT NULL,
  address        TEXT,                       -- NULL for named pipes and local RPC
  transport      INTEGER,
  port           INTEGER,
  address_text   TEXT    NOT NULL,
  pipe           TEXT    NOT NULL,
  binding        TEXT    NOT NULL,
  line           INTEGER NOT NULL,
  packet         INTEGER NOT NULL,
  offset         INTEGER NOT NULL
);
CREATE INDEX rpc_registration_by_source ON rpc_registration(source_id);

-- Events a source says it did not log (INFO-EVENTS-LOST, NetFlow drops).
CREATE TABLE lost_events (
  source_id  INTEGER NOT NULL REFERENCES source(id),
  count      INTEGER NOT NULL,
  line       INTEGER NOT NULL,
  packet     INTEGER NOT NULL
);
CREATE INDEX lost_events_by_source ON lost_events(source_id);

-- Socket inventories (netstat, ss, tasklist, rpcdump, ...) are small and are
-- kept whole: they are read again by each analysis, so that a better reader
-- in a later highport improves old evidence too.
CREATE TABLE inventory (
  source_id  INTEGER PRIMARY KEY REFERENCES source(id),
  content    BLOB    NOT NULL
);
)sql";

// Version 2: NetFlow v5/v9 and IPFIX uniflow records count one direction
// only; the flow table must know, or a conversation counts twice.
constexpr std::string_view kVersion2 = R"sql(
ALTER TABLE observation ADD COLUMN one_direction INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 3: whether a source's times are the logging host's local time
// ("#Time Format: Local"), so that --log-timezone can turn them into UTC when
// they are read back from the database, as it does for files. Windows writes
// no other time format, so firewall logs stored before are marked local.
constexpr std::string_view kVersion3 = R"sql(
ALTER TABLE source ADD COLUMN local_time INTEGER NOT NULL DEFAULT 0;
UPDATE source SET local_time = 1 WHERE kind = 'firewall-log';
)sql";

// Version 4: the NetFlow v9 and IPFIX templates a capture defined. A
// rotated capture of one export begins with data whose template came in the
// file before; an `ingest` of that file alone (or of a folder whose earlier
// files are unchanged, and so not read again) reads them with the stored one.
//   template_key  IPFIX bit << 48 | observation domain << 16 | template id
//   fields        per field specifier: enterprise number (4 bytes), element
//                 id and length (2 bytes each), big-endian
constexpr std::string_view kVersion4 = R"sql(
CREATE TABLE netflow_template (
  source_id      INTEGER NOT NULL REFERENCES source(id),
  exporter       TEXT    NOT NULL,             -- the export packets' source address
  exporter_port  INTEGER NOT NULL,
  template_key   INTEGER NOT NULL,
  options        INTEGER NOT NULL,             -- 1: an options template
  fields         BLOB    NOT NULL,
  defined_us     INTEGER NOT NULL              -- when the defining datagram arrived
);
CREATE INDEX netflow_template_by_source ON netflow_template(source_id);
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "sources, observations, endpoint-mapper registrations, lost events, inventories",
       kVersion1},
      {2, "observation.one_direction: the record counts one direction's packets only", kVersion2},
      {3, "source.local_time: the source's times are local, without a zone", kVersion3},
      {4, "netflow_template: the NetFlow templates each capture defined", kVersion4},
  };
  return migrations;
}

int CurrentSchemaVersion() { return Migrations().back().version; }

}  // namespace highport::store
