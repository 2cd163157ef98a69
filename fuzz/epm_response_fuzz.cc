// The endpoint-mapper client against an arbitrary server: the input is what
// the server sends after the client's bind, fed to an EpmSession in two
// pieces split at a point the input chooses (its first byte), then the
// stream is closed. Invariants: the session ends, within its bounds, with a
// detail when it did not succeed, and never more entries or calls than
// allowed; a crash, a sanitizer report or an abort is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "rpc/epm_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using highport::rpc::EpmOutcome;
  using highport::rpc::EpmQuery;
  using highport::rpc::EpmSession;
  using highport::rpc::EpmStatus;
  if (size == 0) return 0;
  EpmQuery query;
  query.max_calls = 50;
  query.max_entries = 2000;
  query.kind = (data[0] & 0x80) != 0 ? EpmQuery::Kind::kMap : EpmQuery::Kind::kLookupAll;
  EpmSession session(query);
  if (session.TakeOutput().empty()) std::abort();  // the bind comes first

  std::span<const uint8_t> stream(data + 1, size - 1);
  size_t split = stream.empty() ? 0 : (data[0] & 0x7f) * stream.size() / 127;
  session.Feed(stream.first(split));
  session.TakeOutput();
  session.Feed(stream.subspan(split));
  session.TakeOutput();
  session.PeerClosed();

  if (!session.finished()) std::abort();
  const EpmOutcome& o = session.outcome();
  if (o.status != EpmStatus::kOk && o.detail.empty()) std::abort();
  if (o.entries.size() > query.max_entries) std::abort();
  if (o.calls > query.max_calls) std::abort();
  if (query.kind == EpmQuery::Kind::kMap && o.calls > 1) std::abort();
  if (!session.TakeOutput().empty()) std::abort();  // nothing to say once finished
  return 0;
}
