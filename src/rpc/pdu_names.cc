#include "rpc/pdu_names.h"

#include <array>
#include <string_view>

#include "fmt/format.h"

namespace highport::rpc {
namespace {

struct StatusEntry {
  uint32_t status;
  std::string_view name;
};

// The status codes a client of the endpoint mapper meets, and the C706
// nca_* faults (Appendix E) that any DCE/RPC server may send.
constexpr std::array<StatusEntry, 42> kStatuses{{
    {0x00000005, "access denied"},
    {0x00000008, "not enough memory"},
    {0x00000057, "invalid parameter"},
    {0x000006b5, "RPC_S_UNKNOWN_IF: unknown interface"},
    {0x000006be, "RPC_S_CALL_FAILED"},
    {0x000006bf, "RPC_S_CALL_FAILED_DNE: call failed and did not execute"},
    {0x000006c0, "RPC_S_PROTOCOL_ERROR"},
    {0x000006d1, "RPC_S_PROCNUM_OUT_OF_RANGE: operation number out of range"},
    {0x000006d8, "EPT_S_CANT_PERFORM_OP: endpoint mapper cannot perform the operation"},
    {0x000006d9, "EPT_S_NOT_REGISTERED: no more endpoints available"},
    {0x000006e4, "RPC_S_CANNOT_SUPPORT: operation not supported"},
    {0x000006f7, "RPC_X_BAD_STUB_DATA (nca_s_fault_ndr): stub data malformed"},
    {0x00000721, "RPC_S_SEC_PKG_ERROR: security package error"},
    {0x16c9a012, "EPMAPPER_STATUS_NO_MEMORY"},
    {0x16c9a0d6, "ept_s_not_registered: no more entries"},
    {0x1c000001, "nca_s_fault_int_div_by_zero"},
    {0x1c000002, "nca_s_fault_addr_error"},
    {0x1c000003, "nca_s_fault_fp_div_zero"},
    {0x1c000004, "nca_s_fault_fp_underflow"},
    {0x1c000005, "nca_s_fault_fp_overflow"},
    {0x1c000006, "nca_s_fault_invalid_tag"},
    {0x1c000007, "nca_s_fault_invalid_bound"},
    {0x1c000008, "nca_rpc_version_mismatch"},
    {0x1c000009, "nca_unspec_reject"},
    {0x1c00000a, "nca_s_bad_actid"},
    {0x1c00000b, "nca_who_are_you_failed"},
    {0x1c00000c, "nca_manager_not_entered"},
    {0x1c00000d, "nca_s_fault_cancel"},
    {0x1c000012, "nca_s_fault_unspec"},
    {0x1c00001a, "nca_s_fault_context_mismatch"},
    {0x1c00001b, "nca_s_fault_remote_no_memory"},
    {0x1c00001c, "nca_invalid_pres_context_id: unknown presentation context"},
    {0x1c00001d, "nca_unsupported_authn_level"},
    {0x1c00001f, "nca_invalid_checksum"},
    {0x1c000020, "nca_invalid_crc"},
    {0x1c000021, "nca_s_fault_user_defined"},
    {0x1c010002, "nca_op_rng_error: operation number out of range"},
    {0x1c010003, "nca_unk_if: unknown interface"},
    {0x1c01000b, "nca_proto_error: protocol error"},
    {0x1c010013, "nca_out_args_too_big"},
    {0x1c010014, "nca_server_too_busy"},
    {0x1c010017, "nca_unsupported_type"},
}};

}  // namespace

std::string BindNakReasonName(uint16_t reason) {
  switch (reason) {
    case 0: return "reason not specified";
    case 1: return "temporary congestion";
    case 2: return "local limit exceeded";
    case 3: return "called presentation address unknown";
    case 4: return "protocol version not supported";
    case 5: return "default context not supported";
    case 6: return "user data not readable";
    case 7: return "no PSAP available";
    case 8: return "authentication type not recognized";
    case 9: return "invalid checksum";
    default: return "unknown reason";
  }
}

std::string ContextResultName(uint16_t result) {
  switch (result) {
    case 0: return "acceptance";
    case 1: return "user rejection";
    case 2: return "provider rejection";
    case 3: return "negotiate ack";
    default: return "unknown result";
  }
}

std::string ProviderReasonName(uint16_t reason) {
  switch (reason) {
    case 0: return "reason not specified";
    case 1: return "abstract syntax not supported";
    case 2: return "proposed transfer syntaxes not supported";
    case 3: return "local limit exceeded";
    default: return "unknown reason";
  }
}

std::string StatusName(uint32_t status) {
  for (const StatusEntry& e : kStatuses) {
    if (e.status == status) return std::string(e.name);
  }
  return {};
}

std::string DescribeStatus(uint32_t status) {
  std::string name = StatusName(status);
  if (name.empty()) return fmt::format("0x{:08x}", status);
  return fmt::format("0x{:08x} ({})", status, name);
}

}  // namespace highport::rpc
