// `batchcall validate FILE.csv`: checks a contacts file offline, as an upload
// would, and prints the counts and every rejected row.
//
// Thread-compatible: RunValidateCommand has no shared state.
#pragma once

#include <ostream>
#include <string>

#include "domain/model.h"

namespace batchcall {

struct ValidateCommandOptions {
  std::string file;  // path of the CSV
  PhoneValidationMode mode = PhoneValidationMode::kStrict;
  std::string default_country;  // ISO region for numbers without '+'; empty = reject them
  bool allow_duplicates = false;
  bool json = false;  // print the report as one JSON object instead of a table
};

// Prints the report on out. Returns 0 when at least one row is valid, 1 when
// none is, 2 on a file-level error (unreadable file, not UTF-8, no
// contact_number column, unknown default_country, ...) whose message goes to
// err. JSON shape: {"file","total_rows","valid","rejected",
// "rejected_by_code":{code:n},"rejects":[{"line","contact_number","code","message"}]}.
int RunValidateCommand(const ValidateCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace batchcall
