// Templates: reading template and options template sets (RFC 3954 sections
// 5.2-5.3 and 6.1, RFC 7011 sections 3.4.1-3.4.3), compiling them into a
// table of field operations, the per-exporter cache with its bounds, and
// withdrawals (RFC 7011 section 8.1).
#include <algorithm>
#include <array>
#include <cstring>

#include "fmt/format.h"
#include "ingest/netflow_internal.h"

namespace highport::ingest {
namespace {

using netflow::FieldSpec;
using netflow::Template;

// v9 scope fields (System, Interface, Line Card, Cache, Template) are not
// information elements: an enterprise no element belongs to keeps them skipped.
constexpr uint32_t kScopeEnterprise = 0xffffffff;

// The length of the template record at the start of `record` when it is
// byte for byte the one `ex` holds under its id (of the same kind, template
// or options), else 0.
size_t IdenticalTemplate(const netflow::Exporter& ex, uint8_t version, uint32_t domain,
                         bool options, std::span<const uint8_t> record) {
  if (record.size() < 2) return 0;
  const auto id = static_cast<uint16_t>(record[0] << 8 | record[1]);
  auto it = ex.templates.find(netflow::TemplateKey(version, domain, id));
  if (it == ex.templates.end()) return 0;
  const std::vector<uint8_t>& wire = it->second.wire;
  if (it->second.options != options || wire.empty() || record.size() < wire.size() ||
      std::memcmp(record.data(), wire.data(), wire.size()) != 0) {
    return 0;
  }
  return wire.size();
}

}  // namespace

namespace netflow {

std::string CompileTemplate(uint16_t id, bool options, std::span<const FieldSpec> fields,
                            Template& out) {
  if (fields.size() > kMaxTemplateFields) {
    return fmt::format("{} fields, more than the {} allowed", fields.size(), kMaxTemplateFields);
  }
  out = Template{};
  out.id = id;
  out.options = options;
  out.ops.reserve(fields.size());
  uint64_t min_length = 0;
  bool src = false, dst = false;
  for (const FieldSpec& f : fields) {
    if (f.length == 65535) {  // IPFIX variable length (v9 callers never pass it)
      out.variable = true;
      out.ops.push_back(FieldOp{Field::kSkip, true, 0});
      min_length += 1;
      continue;
    }
    Field field = ClassifyField(f.enterprise, f.element, f.length);
    src = src || field == Field::kSrcV4 || field == Field::kSrcV6;
    dst = dst || field == Field::kDstV4 || field == Field::kDstV6;
    if (field == Field::kSkip && !out.ops.empty() && out.ops.back().field == Field::kSkip &&
        !out.ops.back().variable) {
      out.ops.back().length += f.length;  // unknown fields in a row: one skip
    } else {
      out.ops.push_back(FieldOp{field, false, f.length});
    }
    min_length += f.length;
  }
  if (min_length == 0) return "its records would be 0 bytes long";
  if (min_length > 65535 - 20) return fmt::format("its records would be {} bytes long", min_length);
  out.min_length = static_cast<uint32_t>(min_length);
  out.flow_like = !options && src && dst;
  out.plan = CompilePlan(out);
  return {};
}

bool ReadRecord(const Template& t, ByteCursor& c, RawRecord& out) {
  if (!t.variable) {
    // Fixed length (nearly every template): one bounds check for the whole
    // record instead of one per field; the fields are then sliced from it.
    std::span<const uint8_t> record = c.Bytes(t.min_length, "record");
    if (record.size() != t.min_length) return false;
    size_t at = 0;
    for (const FieldOp& op : t.ops) {
      if (op.field != Field::kSkip) ApplyField(op.field, record.subspan(at, op.length), out);
      at += op.length;
    }
    return true;
  }
  for (const FieldOp& op : t.ops) {
    size_t length = op.length;
    if (op.variable) {
      // RFC 7011 section 7: one length byte, or 255 and a two-byte length.
      length = c.U8("variable length");
      if (length == 255) length = c.U16("variable length");
    }
    if (op.field == Field::kSkip) {
      if (!c.Skip(length, "field")) return false;
      continue;
    }
    std::span<const uint8_t> bytes = c.Bytes(length, FieldName(op.field));
    if (bytes.size() != length) return false;
    ApplyField(op.field, bytes, out);
  }
  return c.ok();
}

}  // namespace netflow

size_t NetflowDecoder::State::ReadTemplateSet(netflow::Exporter& ex, uint8_t version,
                                              uint32_t domain, uint16_t set_id, ByteCursor body,
                                              const SourceRef& where, Diagnostics& d) {
  const bool ipfix = version == 10;
  const bool options = set_id == (ipfix ? 3 : 1);
  const size_t header = options ? 6 : 4;  // v9 options: id, scope length, option length
  std::array<FieldSpec, netflow::kMaxTemplateFields> specs;
  size_t defined = 0;
  while (body.remaining() >= (ipfix ? 4 : header)) {
    const size_t at = body.offset();
    // Exporters resend their templates often (softflowd every 16 packets):
    // a record byte for byte the one held is parsed the same way into the
    // same template, so it only counts as defined again. A changed one, or
    // one after a withdrawal, is read and compiled below.
    const std::span<const uint8_t> record = body.rest();
    if (const size_t same = IdenticalTemplate(ex, version, domain, options, record); same > 0) {
      body.Skip(same, "template");
      ++(options ? stats.options_templates : stats.templates);
      ++defined;
      continue;
    }
    const uint16_t id = body.U16("template_id");
    const uint16_t second = body.U16(options && !ipfix ? "option_scope_length" : "field_count");
    if (id == 0 && second == 0) break;  // padding to a 4-byte boundary
    if (ipfix && second == 0) {  // a withdrawal: no scope field count follows
      Withdraw(ex, version, domain, id, options, where, at, d);
      continue;
    }
    size_t count = second, scope = 0;
    if (options && !ipfix) {
      const uint16_t option_length = body.U16("option_length");
      if (second % 4 != 0 || option_length % 4 != 0) {
        ++stats.malformed;
        Report(d, Finding::Severity::kWarning, "netflow.bad_template", where, at,
               fmt::format("options template {}: scope length {} and option length {} must be "
                           "multiples of 4",
                           id, second, option_length));
        return defined;
      }
      scope = second / 4;
      count = scope + option_length / 4;
    } else if (options) {
      scope = body.U16("scope_field_count");
      if (body.ok() && (scope == 0 || scope > count)) {
        ++stats.malformed;
        Report(d, Finding::Severity::kWarning, "netflow.bad_template", where, at,
               fmt::format("options template {}: scope field count {} of {} fields", id, scope,
                           count));
        return defined;
      }
    }
    if (id < 256 || count > netflow::kMaxTemplateFields) {
      // The rest of the set cannot be trusted to line up: stop here.
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.bad_template", where, at,
             id < 256 ? fmt::format("template id {} is reserved (ids start at 256)", id)
                      : fmt::format("template {}: {} fields, more than the {} allowed", id, count,
                                    netflow::kMaxTemplateFields));
      return defined;
    }
    bool variable_in_v9 = false;
    for (size_t i = 0; i < count && body.ok(); ++i) {
      uint16_t element = body.U16("field_type");
      FieldSpec& s = specs[i];
      s.length = body.U16("field_length");
      s.enterprise = 0;
      if (ipfix && (element & 0x8000) != 0) {  // enterprise bit: a 4-byte number follows
        element &= 0x7fff;
        s.enterprise = body.U32("enterprise_number");
      } else if (!ipfix && i < scope) {
        s.enterprise = kScopeEnterprise;
      }
      s.element = element;
      variable_in_v9 = variable_in_v9 || (!ipfix && s.length == 65535);
    }
    if (!body.ok()) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.truncated_template", where, at,
             fmt::format("template {}: {}", id, body.ErrorText()));
      return defined;
    }
    Template t;
    std::string bad = variable_in_v9 ? "NetFlow v9 has no variable-length fields"
                                     : netflow::CompileTemplate(
                                           id, options, std::span(specs.data(), count), t);
    if (!bad.empty()) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.bad_template", where, at,
             fmt::format("template {}: {}", id, bad));
      continue;
    }
    t.wire.assign(record.begin(), record.begin() + (body.offset() - at));
    t.specs.assign(specs.begin(), specs.begin() + static_cast<std::ptrdiff_t>(count));
    if (AddTemplate(ex, netflow::TemplateKey(version, domain, id), std::move(t), where, at, d)) {
      ++(options ? stats.options_templates : stats.templates);
      ++defined;
    }
  }
  return defined;
}

bool NetflowDecoder::State::AddTemplate(netflow::Exporter& ex, uint64_t key, netflow::Template t,
                                        const SourceRef& where, size_t offset, Diagnostics& d,
                                        bool remember) {
  // Remembered for the files after this one (a refresh or a redefinition
  // replaces what an earlier file said), within the decoder's own bound.
  if (remembered != nullptr && remember) {
    auto& kept = remembered->templates;
    const std::pair<Endpoint, uint64_t> at{ex.endpoint, key};
    RememberedTemplates::Entries::Entry entry{t, where.file, now_us};
    if (auto r = kept.find(at); r != kept.end()) {
      r->second = std::move(entry);
    } else if (kept.size() < netflow::kMaxTemplatesTotal) {
      kept.emplace(at, std::move(entry));
    }
  }
  auto it = ex.templates.find(key);
  if (it != ex.templates.end()) {  // a refresh or a redefinition: the new one wins
    it->second = std::move(t);
    return true;
  }
  if (ex.templates.size() >= limits.max_templates_per_exporter ||
      templates_total >= netflow::kMaxTemplatesTotal) {
    ++stats.templates_dropped;
    Report(d, Finding::Severity::kWarning, "netflow.too_many_templates", where, offset,
           fmt::format("template {} dropped: {} templates kept already", t.id,
                       ex.templates.size() >= limits.max_templates_per_exporter
                           ? ex.templates.size()
                           : templates_total));
    return false;
  }
  ex.templates.emplace(key, std::move(t));
  ++templates_total;
  return true;
}

bool NetflowDecoder::State::Recall(netflow::Exporter& ex, uint64_t key, const SourceRef& where,
                                   size_t offset, Diagnostics& d) {
  if (remembered == nullptr) return false;
  auto r = remembered->templates.find({ex.endpoint, key});
  if (r == remembered->templates.end()) return false;
  const RememberedTemplates::Entries::Entry& entry = r->second;
  const int64_t age = now_us - entry.defined_us;
  if (age > kRememberedForUs || age < -kRememberedForUs) return false;
  // Defined before the exporter last booted (a minute's leeway: the two
  // clocks are the exporter's and the collector's or capture's).
  constexpr int64_t kClocksApartUs = 60'000'000;
  if (exporter_boot_us != INT64_MIN && entry.defined_us + kClocksApartUs < exporter_boot_us) return false;
  if (!AddTemplate(ex, key, entry.t, where, offset, d, /*remember=*/false)) return false;
  if (told_remembered.insert({ex.endpoint, key}).second) {
    Report(d, Finding::Severity::kNote, "netflow.template_from_earlier_file", where, offset,
           fmt::format("{} {} of exporter {} came in {}, not in this file: its data here is read "
                       "with that one until the exporter sends it again",
                       entry.t.options ? "options template" : "template", entry.t.id,
                       ex.endpoint.ToString(), entry.file));
  }
  return true;
}

void NetflowDecoder::State::Withdraw(netflow::Exporter& ex, uint8_t version, uint32_t domain,
                                     uint16_t id, bool options_set, const SourceRef& where,
                                     size_t offset, Diagnostics& d) {
  // RFC 7011 section 8.1: id 2 in a template set withdraws every template of
  // the observation domain, id 3 in an options template set every options
  // template. (Section 8.4 says exporters must not send withdrawals over
  // UDP; files of captured packets may come from TCP or SCTP, so they are
  // honoured: a spoofed one only makes data wait for the next refresh.)
  if (id == (options_set ? 3 : 2)) {
    const uint64_t first = netflow::TemplateKey(version, domain, 0);
    const uint64_t last = netflow::TemplateKey(version, domain, 0xffff);
    size_t n = std::erase_if(ex.templates, [&](const auto& kv) {
      return kv.first >= first && kv.first <= last && kv.second.options == options_set;
    });
    if (remembered != nullptr) {  // withdrawn for the files after this one too
      std::vector<uint64_t> keys;
      for (const auto& [at, entry] : remembered->templates) {
        if (at.first == ex.endpoint && at.second >= first && at.second <= last &&
            entry.t.options == options_set) {
          keys.push_back(at.second);
        }
      }
      for (const uint64_t key : keys) remembered->Withdraw(ex.endpoint, key, where.file);
    }
    stats.withdrawn += n;
    templates_total -= n;
    return;
  }
  if (id < 256) {
    ++stats.malformed;
    Report(d, Finding::Severity::kWarning, "netflow.bad_template", where, offset,
           fmt::format("withdrawal of reserved template id {}", id));
    return;
  }
  const uint64_t key = netflow::TemplateKey(version, domain, id);
  // Withdrawn for the files after this one too, also where only an earlier
  // file defined it (this file's decoder never held it).
  bool was_remembered = false;
  if (remembered != nullptr) {
    auto r = remembered->templates.find({ex.endpoint, key});
    if (r != remembered->templates.end() && r->second.t.options == options_set) {
      remembered->Withdraw(ex.endpoint, key, where.file);
      was_remembered = true;
    }
  }
  auto it = ex.templates.find(key);
  if (it == ex.templates.end() || it->second.options != options_set) {
    if (was_remembered) return;
    Report(d, Finding::Severity::kNote, "netflow.withdraw_unknown", where, offset,
           fmt::format("withdrawal of template {}, which was not defined", id));
    return;
  }
  ex.templates.erase(it);
  ++stats.withdrawn;
  --templates_total;
}

}  // namespace highport::ingest
