#include "telephony/provider_kind.h"

namespace batchcall {

const ProviderKind* ProviderKinds::Find(std::string_view type) const {
  for (const ProviderKind& kind : kinds_)
    if (kind.type == type) return &kind;
  return nullptr;
}

std::string ProviderKinds::TypeList() const {
  std::string out;
  for (size_t i = 0; i < kinds_.size(); ++i) {
    if (i > 0) out += i + 1 == kinds_.size() ? " or " : ", ";
    out += "\"" + kinds_[i].type + "\"";
  }
  return out;
}

Status InvalidSetting(std::string_view field, std::string_view what) {
  std::string m(field);
  m.append(" ").append(what).append(".");
  return InvalidArgument(std::move(m));
}

}  // namespace batchcall
