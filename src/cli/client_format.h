// Text formatting for the `batchcall` client commands: aligned tables, API
// error messages, durations, and a tiny CSV record splitter for server
// exports. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace batchcall::cli {

// Concatenates the parts (avoids g++ 12's -Wrestrict false positive on
// "literal" + std::string temporaries at -O3).
std::string StrCat(std::initializer_list<std::string_view> parts);

enum class Align { kLeft, kRight };

struct TableColumn {
  std::string header;
  Align align = Align::kLeft;
  // The column is at least this wide (in characters), so tables printed page
  // by page line up.
  size_t min_width = 0;
};

// Renders a table: a header row, then one line per row, columns separated by
// two spaces, each line ending in '\n'. Widths are counted in UTF-8 code
// points. The last column is not padded (no trailing blanks). A row with fewer
// cells than columns is padded with empty cells; extra cells are ignored.
// With `with_header` false only the rows are rendered (using the same widths
// rules), for continuing a table across pages.
std::string RenderTable(const std::vector<TableColumn>& columns,
                        const std::vector<std::vector<std::string>>& rows, bool with_header = true);

// Renders a server error response for a person: "error 404: Batch x not found."
// followed, when the body's JSON has a non-empty "details" array of objects,
// by a table of those objects (columns: line, contact_number, code, message
// when present, then other keys in order of first appearance; at most
// `max_details` rows, then "... and N more"). A body that is not the
// JSON error shape is shown as its first 200 characters. Ends with '\n'.
std::string RenderApiError(long http_status, std::string_view body, size_t max_details = 20);

// Seconds as a short human duration: "0s", "42s", "1m05s", "2h03m".
// Negative values render as "0s".
std::string FormatDuration(double seconds);

// Elapsed time as a clock: "0:07", "12:34", "1:02:03".
std::string FormatClock(long long milliseconds);

// Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into
// records. Stops after `max_records` complete records; a final record without
// a line end is included only when `text_is_complete`.
std::vector<std::vector<std::string>> SplitCsvRecords(std::string_view text, size_t max_records,
                                                      bool text_is_complete);

}  // namespace batchcall::cli
