// A fake endpoint mapper for the CLI tests and the many-hosts benchmark:
//   fake_epm_server [--delay-ms N] [--entries N] [--style windows|samba-dc|samba-member]
//                   [--silent] [--deny] [--lifetime S] ADDRESS:PORT...
// Binds every ADDRESS:PORT (port 0: any free port; loopback addresses only),
// prints "ready ADDRESS:PORT ..." with the bound ports on one line, and serves
// until SIGTERM/SIGINT or --lifetime seconds (default 120), so that a test
// that forgets to stop it cannot leave it running for long.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "asio.hpp"
#include "net/epm_test_server.h"

namespace {

int Usage(const char* why) {
  std::fprintf(stderr,
               "fake_epm_server: %s\nusage: fake_epm_server [--delay-ms N] [--entries N] "
               "[--style windows|samba-dc|samba-member] [--silent] [--deny] [--lifetime S] "
               "ADDRESS:PORT...\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using highport::net::EpmTestServerOptions;
  EpmTestServerOptions options;
  size_t entries = 60;
  long lifetime = 120;
  std::vector<asio::ip::tcp::endpoint> endpoints;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--delay-ms") {
      options.delay = std::chrono::milliseconds(std::atol(next().c_str()));
    } else if (arg == "--entries") {
      entries = std::strtoul(next().c_str(), nullptr, 10);
    } else if (arg == "--lifetime") {
      lifetime = std::atol(next().c_str());
    } else if (arg == "--silent") {
      options.silent = true;
    } else if (arg == "--deny") {
      options.responder.deny_lookup = true;
    } else if (arg == "--style") {
      std::string style = next();
      if (style == "windows") options.responder.end_of_list = highport::rpc::EndOfList::kWindows;
      else if (style == "samba-dc") options.responder.end_of_list = highport::rpc::EndOfList::kSambaDc;
      else if (style == "samba-member") options.responder.end_of_list = highport::rpc::EndOfList::kSambaMember;
      else return Usage("unknown --style");
    } else {
      size_t colon = arg.rfind(':');
      if (colon == std::string::npos) return Usage("ADDRESS:PORT expected");
      asio::error_code ec;
      asio::ip::address address = asio::ip::make_address(arg.substr(0, colon), ec);
      if (ec || !address.is_loopback()) return Usage("only loopback addresses are served");
      endpoints.emplace_back(address, static_cast<uint16_t>(std::atoi(arg.c_str() + colon + 1)));
    }
  }
  if (endpoints.empty()) return Usage("no ADDRESS:PORT");
  options.entries = highport::net::SampleDcListing("0.0.0.0", entries);

  // Block the signals before the server's thread starts, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    highport::net::EpmTestServer server(endpoints, options);
    std::string ready = "ready";
    for (const auto& e : server.endpoints()) {
      ready += " " + e.address().to_string() + ":" + std::to_string(e.port());
    }
    std::printf("%s\n", ready.c_str());
    std::fflush(stdout);
    alarm(static_cast<unsigned>(lifetime));
    int received = 0;
    sigwait(&signals, &received);
    server.Stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_epm_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
