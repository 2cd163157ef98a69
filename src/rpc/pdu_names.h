// Names for the numbers a server answers with, for messages a person reads.
#pragma once

#include <cstdint>
#include <string>

namespace highport::rpc {

// bind_nak provider_reject_reason (C706 §12.6.3.1 p_reject_reason_t, MS-RPCE
// 2.2.2.5): "local limit exceeded".
std::string BindNakReasonName(uint16_t reason);
// bind_ack result of one presentation context: "provider rejection".
std::string ContextResultName(uint16_t result);
// bind_ack reason for a rejected context (p_provider_reason_t):
// "proposed transfer syntaxes not supported".
std::string ProviderReasonName(uint16_t reason);
// fault status (C706 Appendix E, MS-RPCE 3.1.1.5.5, MS-ERREF) and the
// endpoint mapper's own status codes: "access denied",
// "nca_op_rng_error: operation number out of range". Empty if unknown.
std::string StatusName(uint32_t status);
// "0x00000005 (access denied)", or just the number when it has no name.
std::string DescribeStatus(uint32_t status);

// The status that ends a Samba listing (DCE ept_s_not_registered; Samba's
// EPMAPPER_STATUS_NO_MORE_ENTRIES).
inline constexpr uint32_t kEptNoMoreEntries = 0x16c9a0d6;
inline constexpr uint32_t kStatusAccessDenied = 0x00000005;

}  // namespace highport::rpc
