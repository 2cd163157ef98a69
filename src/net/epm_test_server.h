// A fake endpoint mapper on real sockets, for tests and benchmarks: it
// listens on the endpoints it is given (loopback only, in tests), answers
// each connection with an rpc::EpmResponder, optionally after a delay per
// answer (a server "answering within 10 ms"), or accepts and stays silent
// (a host that times out). It runs on a thread of its own until Stop().
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "asio.hpp"
#include "rpc/epm_responder.h"

namespace highport::net {

struct EpmTestServerOptions {
  std::vector<rpc::EpmEntry> entries;  // a tower address of 0.0.0.0 reads as "the host asked"
  rpc::EpmResponderOptions responder;
  std::chrono::milliseconds delay{0};  // before each answer
  bool silent = false;                 // accept, read, never answer
};

class EpmTestServer {
 public:
  // Binds every endpoint (port 0: any free port) before it returns.
  EpmTestServer(const std::vector<asio::ip::tcp::endpoint>& endpoints, EpmTestServerOptions options);
  ~EpmTestServer();
  EpmTestServer(const EpmTestServer&) = delete;
  EpmTestServer& operator=(const EpmTestServer&) = delete;

  std::vector<asio::ip::tcp::endpoint> endpoints() const;  // as bound, ports filled in
  size_t connections() const;                              // accepted so far
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A listing shaped like a Windows domain controller's: `count` entries over
// the interfaces a DC registers, on a few dynamic TCP ports, named pipes and
// local endpoints, with the given address in the TCP towers.
std::vector<rpc::EpmEntry> SampleDcListing(const std::string& address, size_t count);

}  // namespace highport::net
