// CheckTomlNesting: a scan of a configuration file's text before toml++
// parses it. toml++ builds (and destroys, and our unknown-key walk visits)
// one table per dotted-key part and header part recursively, with no limit
// of its own on dotted keys, so `a.b.c....` with 100,000 parts overflows the
// stack. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace batchcall::config {

// Levels a configuration file may nest: brackets ([ and {) open around a
// point plus the dots outside strings on its line, plus one.
inline constexpr int kMaxTomlNesting = 64;

// "" when `text` nests at most kMaxTomlNesting levels everywhere; otherwise
// "<file>:<line>: ..." naming the first line that goes deeper. Strings
// (basic, literal, multi-line) and comments are skipped; a float such as 1.5
// outside a string counts its dot, which no setting's value comes near.
std::string CheckTomlNesting(std::string_view text, std::string_view file);

}  // namespace batchcall::config
