// Helpers for the rpc tests: annotated hex, fixtures, sample entries, and a
// loop that lets an EpmSession talk to an EpmResponder.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "model/test_hex.h"
#include "rpc/epm_responder.h"
#include "rpc/epm_session.h"

namespace highport::rpc::testing {

using highport::testing::Hex;

inline std::vector<uint8_t> ReadFixture(const std::string& name) {
  std::string path = std::string(HIGHPORT_SOURCE_DIR) + "/src/rpc/testdata/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline Uuid U(std::string_view text) {
  return Uuid::Parse(text).value();
}

// A listing with one of each kind of binding a Windows DC shows.
inline std::vector<EpmEntry> SampleEntries() {
  SyntaxId ndr{U("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0};
  SyntaxId drsuapi{U("e3514235-4b06-11d1-ab04-00c04fc2dcd2"), 4, 0};
  SyntaxId netlogon{U("12345678-1234-abcd-ef00-01234567cffb"), 1, 0};
  SyntaxId lsarpc{U("12345778-1234-abcd-ef00-0123456789ab"), 0, 0};
  SyntaxId odd{U("0b6edbfa-4a24-4fc6-8a23-942b1eca65d1"), 1, 0};
  std::vector<EpmEntry> v;
  v.push_back({Uuid{},
               drsuapi,
               ndr,
               "MS NT Directory DRS Interface",
               {"ncacn_ip_tcp", "10.0.0.5", uint16_t{49667}, "", {}}});
  v.push_back(
      {Uuid{}, netlogon, ndr, "", {"ncacn_np", "\\\\DC01", std::nullopt, "\\PIPE\\lsass", {}}});
  v.push_back({Uuid{}, lsarpc, ndr, "", {"ncalrpc", "", std::nullopt, "audit", {}}});
  v.push_back({Uuid{}, drsuapi, ndr, "", {"ncacn_http", "10.0.0.5", uint16_t{49672}, "", {}}});
  v.push_back({U("765294ba-60bc-48b8-92e9-89fd77769d91"),
               netlogon,
               ndr,
               "udp one",
               {"ncadg_ip_udp", "10.0.0.5", uint16_t{49999}, "", {}}});
  v.push_back({Uuid{},
               odd,
               ndr,
               "odd floors",
               {"ncacn_ip_tcp", "10.0.0.5", uint16_t{49700}, "", {"0x42:01/dead"}}});
  return v;
}

// Many entries, to need several batches and fragments.
inline std::vector<EpmEntry> ManyEntries(size_t n) {
  std::vector<EpmEntry> v;
  std::vector<EpmEntry> sample = SampleEntries();
  for (size_t i = 0; i < n; ++i) {
    EpmEntry e = sample[i % sample.size()];
    e.annotation = "entry " + std::to_string(i);
    if (e.binding.port) e.binding.port = static_cast<uint16_t>(49152 + i);
    v.push_back(std::move(e));
  }
  return v;
}

// Runs the conversation: client output to the server in `chunk`-byte
// pieces, server output back in `chunk`-byte pieces, until the session ends
// or nobody has anything to say.
inline void Converse(EpmSession& session, EpmResponder& server, size_t chunk = 0,
                     bool close_when_quiet = true) {
  for (int round = 0; round < 100000 && !session.finished(); ++round) {
    std::vector<uint8_t> to_server = session.TakeOutput();
    for (size_t i = 0; i < to_server.size(); i += chunk ? chunk : to_server.size()) {
      size_t n = chunk ? std::min(chunk, to_server.size() - i) : to_server.size();
      server.Feed(std::span<const uint8_t>(to_server).subspan(i, n));
    }
    std::vector<uint8_t> to_client = server.TakeOutput();
    if (to_server.empty() && to_client.empty()) break;
    for (size_t i = 0; i < to_client.size() && !session.finished();
         i += chunk ? chunk : to_client.size()) {
      size_t n = chunk ? std::min(chunk, to_client.size() - i) : to_client.size();
      session.Feed(std::span<const uint8_t>(to_client).subspan(i, n));
    }
  }
  if (close_when_quiet) session.PeerClosed();
}

}  // namespace highport::rpc::testing
