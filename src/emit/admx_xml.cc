#include "emit/admx_xml.h"

#include <vector>

#include "emit/admx_policies.h"
#include "emit/reg_text.h"
#include "fmt/format.h"

namespace highport::emit {
namespace {

constexpr std::string_view kSchemaAttributes =
    "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" revision=\"1.0\" "
    "schemaVersion=\"1.0\" xmlns=\"http://schemas.microsoft.com/GroupPolicy/2006/07/"
    "PolicyDefinitions\"";

// The pool and the pins work since Windows 2000 SP2 (NtFrs's port since SP2).
constexpr std::string_view kSupported = "SUPPORTED_Windows2000Sp2";
constexpr std::string_view kCategory = "HighportRpcPorts";
constexpr std::string_view kYes = "YesY";
constexpr std::string_view kNo = "NoN";

std::string ElementXml(const AdmxElement& e) {
  std::string id = XmlEscape(e.id);
  std::string value = XmlEscape(e.value_name);
  switch (e.kind) {
    case AdmxElementKind::kMultiText:
      return fmt::format("        <multiText id=\"{}\" valueName=\"{}\" required=\"true\" />", id,
                         value);
    case AdmxElementKind::kYesNo:
      return fmt::format(
          "        <enum id=\"{}\" valueName=\"{}\" required=\"true\">\r\n"
          "          <item displayName=\"$(string.{})\"><value><string>Y</string></value></item>\r\n"
          "          <item displayName=\"$(string.{})\"><value><string>N</string></value></item>\r\n"
          "        </enum>",
          id, value, kYes, kNo);
    case AdmxElementKind::kPort:
      return fmt::format(
          "        <decimal id=\"{}\" valueName=\"{}\" required=\"true\" minValue=\"{}\" "
          "maxValue=\"{}\" />",
          id, value, kAdmxMinPort, kAdmxMaxPort);
  }
  return "";
}

std::string ControlXml(const AdmxElement& e) {
  std::string id = XmlEscape(e.id);
  std::string label = XmlEscape(e.label);
  switch (e.kind) {
    case AdmxElementKind::kMultiText:
      return fmt::format("          <text>{}</text>\r\n          <multiTextBox refId=\"{}\" />",
                         label, id);
    case AdmxElementKind::kYesNo:
      return fmt::format("          <dropdownList refId=\"{}\" noSort=\"true\" defaultItem=\"0\">{}"
                         "</dropdownList>",
                         id, label);
    case AdmxElementKind::kPort:
      return fmt::format("          <decimalTextBox refId=\"{}\" spin=\"false\">{}</decimalTextBox>",
                         id, label);
  }
  return "";
}

// Paragraph breaks stay line breaks (CRLF, like the rest of the file).
std::string StringXml(std::string_view id, std::string_view text) {
  std::string escaped;
  for (char c : XmlEscape(text)) escaped += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return fmt::format("      <string id=\"{}\">{}</string>", XmlEscape(id), escaped);
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string AdmxText() {
  std::vector<std::string> lines = {
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
      "<!-- highport: the RPC static port pool (KB 154596) and static service ports (KB 224196, "
      "KB 319553). -->",
      fmt::format("<policyDefinitions {}>", kSchemaAttributes),
      "  <policyNamespaces>",
      fmt::format("    <target prefix=\"highport\" namespace=\"{}\" />", kAdmxNamespace),
      "    <using prefix=\"windows\" namespace=\"Microsoft.Policies.Windows\" />",
      "  </policyNamespaces>",
      "  <resources minRequiredRevision=\"1.0\" />",
      "  <supportedOn>",
      "    <definitions>",
      fmt::format("      <definition name=\"{0}\" displayName=\"$(string.{0})\" />", kSupported),
      "    </definitions>",
      "  </supportedOn>",
      "  <categories>",
      fmt::format("    <category name=\"{0}\" displayName=\"$(string.{0})\" "
                  "explainText=\"$(string.{0}_Help)\">",
                  kCategory),
      "      <parentCategory ref=\"windows:Network\" />",
      "    </category>",
      "  </categories>",
      "  <policies>"};
  for (const AdmxPolicy& p : AdmxPolicies()) {
    lines.push_back(fmt::format(
        "    <policy name=\"{0}\" class=\"Machine\" displayName=\"$(string.{0})\" "
        "explainText=\"$(string.{0}_Help)\" presentation=\"$(presentation.{0})\" key=\"{1}\">",
        XmlEscape(p.name), XmlEscape(p.key)));
    lines.push_back(fmt::format("      <parentCategory ref=\"{}\" />", kCategory));
    lines.push_back(fmt::format("      <supportedOn ref=\"{}\" />", kSupported));
    lines.push_back("      <elements>");
    for (const AdmxElement& e : p.elements) lines.push_back(ElementXml(e));
    lines.push_back("      </elements>");
    lines.push_back("    </policy>");
  }
  lines.push_back("  </policies>");
  lines.push_back("</policyDefinitions>");
  return CrlfText(lines);
}

std::string AdmlText() {
  std::vector<std::string> lines = {
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
      fmt::format("<policyDefinitionResources {}>", kSchemaAttributes),
      "  <displayName>highport: RPC ports</displayName>",
      "  <description>The RPC static port pool and static ports for Active Directory, Netlogon, "
      "FRS and certificate services.</description>",
      "  <resources>",
      "    <stringTable>",
      StringXml(kSupported, "At least Windows 2000 Service Pack 2"),
      StringXml(kCategory, "highport: RPC ports"),
      StringXml(std::string(kCategory) + "_Help",
                "The RPC static port pool and static ports for services that can be pinned, "
                "written by highport."),
      StringXml(kYes, "Y"),
      StringXml(kNo, "N")};
  for (const AdmxPolicy& p : AdmxPolicies()) {
    lines.push_back(StringXml(p.name, p.display_name));
    lines.push_back(StringXml(std::string(p.name) + "_Help", p.explain));
  }
  lines.push_back("    </stringTable>");
  lines.push_back("    <presentationTable>");
  for (const AdmxPolicy& p : AdmxPolicies()) {
    lines.push_back(fmt::format("      <presentation id=\"{}\">", XmlEscape(p.name)));
    for (const AdmxElement& e : p.elements) lines.push_back(ControlXml(e));
    lines.push_back("      </presentation>");
  }
  lines.push_back("    </presentationTable>");
  lines.push_back("  </resources>");
  lines.push_back("</policyDefinitionResources>");
  return CrlfText(lines);
}

}  // namespace highport::emit
