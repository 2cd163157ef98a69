// The libpcap functions highport calls, bound when the first capture is
// read rather than at startup (model/shared_library.h says why).
#pragma once
#include <pcap/pcap.h>

#include "model/result.h"

namespace highport::ingest {

struct PcapLibrary {
  decltype(&pcap_open_offline_with_tstamp_precision) open_offline;
  decltype(&pcap_fopen_offline_with_tstamp_precision) fopen_offline;
  decltype(&pcap_datalink) datalink;
  decltype(&pcap_datalink_val_to_name) datalink_val_to_name;
  decltype(&pcap_file) file;
  decltype(&pcap_next_ex) next_ex;
  decltype(&pcap_geterr) geterr;
  decltype(&pcap_close) close;
};

// Loaded once per process, from any thread. The error names the library
// and why it could not be loaded.
const Result<PcapLibrary>& LoadPcap();

}  // namespace highport::ingest
