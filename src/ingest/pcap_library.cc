#include "ingest/pcap_library.h"

#include "fmt/format.h"
#include "model/shared_library.h"

namespace highport::ingest {

const Result<PcapLibrary>& LoadPcap() {
  static const Result<PcapLibrary> loaded = []() -> Result<PcapLibrary> {
    SharedLibrary lib(HIGHPORT_PCAP_SONAME);
    PcapLibrary pcap{};
    lib.Bind(pcap.open_offline, "pcap_open_offline_with_tstamp_precision");
    lib.Bind(pcap.fopen_offline, "pcap_fopen_offline_with_tstamp_precision");
    lib.Bind(pcap.datalink, "pcap_datalink");
    lib.Bind(pcap.datalink_val_to_name, "pcap_datalink_val_to_name");
    lib.Bind(pcap.file, "pcap_file");
    lib.Bind(pcap.next_ex, "pcap_next_ex");
    lib.Bind(pcap.geterr, "pcap_geterr");
    lib.Bind(pcap.close, "pcap_close");
    if (!lib.error().empty()) {
      return Error{fmt::format("reading captures needs libpcap, which could not be loaded: {}",
                               lib.error())};
    }
    return pcap;
  }();
  return loaded;
}

}  // namespace highport::ingest
