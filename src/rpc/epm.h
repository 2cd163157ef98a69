// The endpoint mapper's two lookup calls in NDR 2.0, both directions
// (C706 Appendix O, ept.idl; MS-RPCE 2.2.1.2):
//
//   void ept_lookup([in] unsigned32 inquiry_type, [in] uuid_p_t object,
//       [in] rpc_if_id_p_t Ifid, [in] unsigned32 vers_option,
//       [in, out] ept_lookup_handle_t *entry_handle, [in] unsigned32 max_ents,
//       [out] unsigned32 *num_ents,
//       [out, length_is(*num_ents), size_is(max_ents)] ept_entry_t entries[],
//       [out] error_status_t *status);                                 opnum 2
//   void ept_map([in] uuid_p_t object, [in] twr_p_t map_tower,
//       [in, out] ept_lookup_handle_t *entry_handle, [in] unsigned32 max_towers,
//       [out] unsigned32 *num_towers,
//       [out, ptr, size_is(max_towers), length_is(*num_towers)] twr_p_t *towers,
//       [out] error_status_t *status);                                 opnum 3
//
// with ept_entry_t = { uuid object; twr_p_t tower; [string] char
// annotation[64]; } and twr_t = { unsigned32 tower_length;
// [size_is(tower_length)] byte tower_octet_string[]; }.
//
// So an ept_lookup response is: the 20-byte handle, num_ents, the entries
// array's max_count/offset/actual_count, each entry inline (16-byte UUID,
// tower referent id, annotation offset/actual_count and its bytes including
// the NUL, padded to 4), then the towers the non-null referents point to,
// each 4-byte aligned as max_count, tower_length and the bytes, then status.
// Pointees of a top-level parameter follow the parameter itself, so the
// towers come before status (C706 §14.3.12.3).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/byte_cursor.h"
#include "model/result.h"
#include "rpc/epm_types.h"
#include "rpc/ndr.h"

namespace highport::rpc {

inline constexpr uint16_t kOpEptLookup = 2;
inline constexpr uint16_t kOpEptMap = 3;
inline constexpr uint32_t kInquiryAllElements = 0;  // RPC_C_EP_ALL_ELTS
inline constexpr uint32_t kVersAll = 1;             // RPC_C_VERS_ALL
inline constexpr uint32_t kMaxAnnotation = 64;      // ept_max_annotation_size

struct LookupRequest {
  uint32_t inquiry_type = kInquiryAllElements;
  std::optional<Uuid> object;
  std::optional<SyntaxId> interface_id;  // rpc_if_id_t
  uint32_t vers_option = kVersAll;
  ContextHandle entry_handle;
  uint32_t max_ents = 500;
};

struct LookupEntry {
  Uuid object;
  std::optional<std::vector<uint8_t>> tower;  // twr_t bytes; nullopt for a null pointer
  std::string annotation;
};

struct LookupResponse {
  ContextHandle entry_handle;
  uint32_t num_ents = 0;
  std::vector<LookupEntry> entries;
  uint32_t status = 0;
  // Oddities that did not stop decoding: "num_ents 3 but actual_count 2".
  std::vector<std::string> notes;
};

struct MapRequest {
  std::optional<Uuid> object;  // Windows wants a pointer to the nil UUID, not null
  std::vector<uint8_t> tower;  // the tower to resolve (map_tower, never null here)
  ContextHandle entry_handle;
  uint32_t max_towers = 4;
};

struct MapResponse {
  ContextHandle entry_handle;
  uint32_t num_towers = 0;
  std::vector<std::vector<uint8_t>> towers;  // null pointers are dropped with a note
  uint32_t status = 0;
  std::vector<std::string> notes;
};

std::vector<uint8_t> EncodeLookupRequest(const LookupRequest& r, ByteOrder order);
Result<LookupRequest> DecodeLookupRequest(std::span<const uint8_t> stub, ByteOrder order);
std::vector<uint8_t> EncodeMapRequest(const MapRequest& r, ByteOrder order);
Result<MapRequest> DecodeMapRequest(std::span<const uint8_t> stub, ByteOrder order);

// `max_count` is the array's conformance, which servers set to the
// request's max_ents (or max_towers).
std::vector<uint8_t> EncodeLookupResponse(const LookupResponse& r, uint32_t max_count,
                                          ByteOrder order);
Result<LookupResponse> DecodeLookupResponse(std::span<const uint8_t> stub, ByteOrder order);
std::vector<uint8_t> EncodeMapResponse(const MapResponse& r, uint32_t max_count, ByteOrder order);
Result<MapResponse> DecodeMapResponse(std::span<const uint8_t> stub, ByteOrder order);

// twr_t: max_count (the conformance, hoisted to the front), tower_length,
// the bytes; shared by both calls.
void WriteTwr(ByteWriter& w, std::span<const uint8_t> tower);
std::optional<std::vector<uint8_t>> ReadTwr(ByteCursor& c, std::string_view field);

}  // namespace highport::rpc
