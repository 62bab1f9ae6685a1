// Phone normalisation and validation (src/phone): Clean() on its own, then
// PhoneValidator::Check in every mode, with and without a default country.
// An accepted number is '+' and at most 15 digits.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "phone/phone_normalize.h"
#include "phone/phone_validator.h"

namespace {

using namespace batchcall;

const PhoneValidator& Validator(int i) {
  static const PhoneValidator kValidators[] = {
      PhoneValidator({PhoneValidationMode::kStrict, ""}),   PhoneValidator({PhoneValidationMode::kStrict, "US"}),
      PhoneValidator({PhoneValidationMode::kPossible, ""}), PhoneValidator({PhoneValidationMode::kPossible, "GB"}),
      PhoneValidator({PhoneValidationMode::kE164, ""}),     PhoneValidator({PhoneValidationMode::kE164, "IN"}),
  };
  return kValidators[i];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (bool zeros : {false, true}) {
    auto c = phone_internal::Clean(raw, zeros);
    fuzz::Check(c.count >= 0 && c.count <= phone_internal::kMaxNationalDigits, "Clean count out of range");
    (void)phone_internal::DigitsKey(c.Digits(), c.plus);
  }
  const PhoneValidator& v = Validator(data[0] % 6);
  PhoneCheck check = v.Check(raw);
  (void)v.Fingerprint(raw);
  // Numbers reach the validator from JSON strings and UTF-8-checked CSV
  // cells; for such input the verdict must serialise.
  if (fuzz::IsUtf8(raw)) (void)fuzz::StrictDump(nlohmann::json{{"code", check.code}, {"message", check.message}});
  if (check.ok) {
    fuzz::Check(check.e164.size() >= 2 && check.e164.size() <= 16 && check.e164[0] == '+', "not E.164");
    // Not checked: that check.e164 checks again to itself. In possible
    // mode with a default country it need not ("00439 784" and
    // "00.4300.439 7849 784" for GB; corpus/phone/possible_gb_*), an open
    // question for the validator, not a memory error.
  }
  return 0;
}
