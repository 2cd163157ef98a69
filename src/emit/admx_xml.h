// The ADMX and its en-US ADML, generated from the policy table
// (emit/admx_policies.h) in the schema of Group Policy's administrative
// templates: policyDefinitions (revision, schemaVersion, policyNamespaces
// target and using, resources minRequiredRevision, supportedOn, categories,
// policies) and policyDefinitionResources (stringTable, presentationTable).
// Every string and presentation the ADMX references is made from the same
// table entry as its ADML definition, so they cannot drift apart.
#pragma once

#include <string>
#include <string_view>

namespace highport::emit {

inline constexpr std::string_view kAdmxNamespace = "Highport.Policies.RpcPorts";

std::string AdmxText();  // UTF-8, CRLF
std::string AdmlText();  // UTF-8, CRLF

// &, <, >, " and ' as entities: safe in text and in attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace highport::emit
