// pcapng files whose interfaces have different link types. libpcap reads
// every capture highport is given, except this one kind: it stops at the
// first interface whose link type differs from the first interface's
// ("an interface has a type 101 different from the type of the first
// interface"), and what Wireshark writes for a capture on Ethernet and
// loopback at once, or on "any" beside a VPN tunnel, is such a file. For
// those files (and only those: PcapngMixesLinkTypes) this reader walks the
// blocks itself, through a bounds-checked cursor, and hands each packet to
// the CaptureReader with its own interface's link type.
//
// Blocks read: Section Header (byte order; a new section starts its
// interfaces afresh), Interface Description (link type, if_tsresol,
// if_tsoffset), Enhanced Packet, Simple Packet and the obsolete Packet
// block; any other block is skipped by its length.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "ingest/capture.h"
#include "model/diagnostics.h"

namespace highport::ingest {

// Whether `bytes` is a pcapng file with two interfaces of different link
// types in one section. Walks block headers only; false for anything else.
bool PcapngMixesLinkTypes(std::span<const uint8_t> bytes);

// Every packet of the pcapng file `bytes` into `reader` (not finished
// here). A damaged block is a finding at its packet number and byte offset,
// and reading stops there (block lengths are the only way on); a packet
// that names no interface, or one of a link type highport does not read,
// is a finding and is skipped. Returns the packets handed over.
uint64_t ReadPcapngBlocks(std::span<const uint8_t> bytes, const std::string& name,
                          CaptureReader& reader, Diagnostics& diagnostics);

}  // namespace highport::ingest
