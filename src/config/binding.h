// Binding: how one row of the settings table (config.h) reaches the typed
// member it sets. A row binds a member of Options (the server's nested
// ServerOptions, or the client commands' ClientOptions) through a codec
// that converts between the setting's value as written (a TOML string,
// integer or number, in the setting's unit) and the member's type (e.g.
// seconds -> std::chrono::milliseconds, MiB -> bytes). The member's in-class
// initializer is the setting's only default: the table reads it back from a
// default-constructed Options.
//
//   Bind<SecondsAsMillis>(&Options::server, &ServerOptions::webhook, &WebhookOptions::max_age)
//
// Bindings are immutable once built; their functions are pure: thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/server_options.h"
#include "base/status.h"

namespace batchcall::config {

// The options of the client commands (batch create, status, ...).
struct ClientOptions {
  std::string server_url = "http://127.0.0.1:8080";  // the server they talk to
  std::string api_key;                               // sent as a Bearer token
};

// Everything the settings fill.
struct Options {
  ServerOptions server;
  ClientOptions client;
};

enum class SettingType { kString, kInteger, kNumber };

// A setting's value as written: text, integer or number (in the setting's unit).
using Value = std::variant<std::string, int64_t, double>;

struct Binding {
  SettingType type = SettingType::kString;
  // The bound member(s) as a value of the setting.
  std::function<Value(const Options&)> get;
  // Stores a value of `type` (already checked against the setting's range,
  // choices and format) into the bound member(s).
  std::function<void(Options&, const Value&)> set;
  // The address of each bound member inside a given Options (which member a row binds).
  std::vector<std::function<const void*(const Options&)>> members;
  // A choice setting's allowed values (empty: any); BindChoice fills it.
  std::vector<std::string> choices;

  // This binding, also writing `other`'s members (same type; its get is
  // unused): one setting feeding two consumers, e.g. the server's and the
  // client's api_key.
  Binding Also(Binding other) &&;
};

// Codecs: static Get(const Member&) -> Value and Set(Member&, const Value&).
struct Text {
  static constexpr SettingType kType = SettingType::kString;
  static Value Get(const std::string& m) { return m; }
  static void Set(std::string& m, const Value& v) { m = std::get<std::string>(v); }
};

struct Integer {
  static constexpr SettingType kType = SettingType::kInteger;
  template <typename Int>
  static Value Get(const Int& m) {
    return static_cast<int64_t>(m);
  }
  template <typename Int>
  static void Set(Int& m, const Value& v) {
    m = static_cast<Int>(std::get<int64_t>(v));
  }
};

// An integer setting in milliseconds.
struct Millis {
  static constexpr SettingType kType = SettingType::kInteger;
  static Value Get(const std::chrono::milliseconds& m) { return static_cast<int64_t>(m.count()); }
  static void Set(std::chrono::milliseconds& m, const Value& v) { m = std::chrono::milliseconds(std::get<int64_t>(v)); }
};

// A number setting in seconds (fractions allowed), kept in milliseconds (truncated).
struct SecondsAsMillis {
  static constexpr SettingType kType = SettingType::kNumber;
  static Value Get(const std::chrono::milliseconds& m) { return static_cast<double>(m.count()) / 1000; }
  static void Set(std::chrono::milliseconds& m, const Value& v) {
    m = std::chrono::milliseconds(static_cast<int64_t>(std::get<double>(v) * 1000));
  }
};

// A number setting in MiB (fractions allowed), kept in bytes (truncated).
struct MebibytesAsBytes {
  static constexpr SettingType kType = SettingType::kNumber;
  static Value Get(const uint64_t& m) { return static_cast<double>(m) / (1024 * 1024); }
  static void Set(uint64_t& m, const Value& v) { m = static_cast<uint64_t>(std::get<double>(v) * 1024 * 1024); }
};

// A list setting: comma-separated text (outbound_policy.h's SplitList), kept as its items.
struct List {
  static constexpr SettingType kType = SettingType::kString;
  static Value Get(const std::vector<std::string>& m);
  static void Set(std::vector<std::string>& m, const Value& v);
};

// The member `path` leads to from `root`: root.*p1.*p2...
template <typename Root, typename... Path>
auto& MemberOf(Root& root, Path... path) {
  return (root .* ... .* path);
}

template <typename Codec, typename... Path>
Binding Bind(Path... path) {
  Binding b;
  b.type = Codec::kType;
  b.get = [=](const Options& o) { return Codec::Get(MemberOf(o, path...)); };
  b.set = [=](Options& o, const Value& v) { Codec::Set(MemberOf(o, path...), v); };
  b.members.push_back([=](const Options& o) -> const void* { return &MemberOf(o, path...); });
  return b;
}

// A string setting with a fixed set of values naming an enum's members:
// `parse` maps each of `names` to its member.
template <typename Enum, typename... Path>
Binding BindChoice(Result<Enum> (*parse)(std::string_view), std::vector<std::string> names, Path... path) {
  Binding b;
  b.type = SettingType::kString;
  b.get = [=](const Options& o) -> Value {
    for (const std::string& name : names) {
      if (*parse(name) == MemberOf(o, path...)) return name;
    }
    return std::string();
  };
  b.set = [=](Options& o, const Value& v) { MemberOf(o, path...) = *parse(std::get<std::string>(v)); };
  b.members.push_back([=](const Options& o) -> const void* { return &MemberOf(o, path...); });
  b.choices = std::move(names);
  return b;
}

}  // namespace batchcall::config
