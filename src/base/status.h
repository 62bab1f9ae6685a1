// Status and Result<T>: expected failures as values.
//
// A Status is either OK or carries a closed StatusCode plus one human sentence.
// Result<T> holds a T or a non-OK Status. Both are plain values; thread-safe to
// copy, not to mutate concurrently.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace batchcall {

enum class StatusCode {
  kOk,
  kInvalidArgument,   // bad input from a caller (HTTP 400)
  kUnauthenticated,   // missing or unknown credentials (401)
  kPermissionDenied,  // credentials present but wrong, e.g. a bad signature (403)
  kNotFound,          // unknown id, or one the caller may not see (404)
  kConflict,          // state forbids the operation (409)
  kPayloadTooLarge,   // a configured size or row limit was exceeded (413)
  kUnavailable,       // a dependency is down or busy; retrying may help (503)
  kUnknownOutcome,    // a request was sent but its answer was lost: it may have taken effect (503)
  kInternal,          // a bug or an unexpected environment failure (500)
};

// Stable lowercase name of a code, e.g. "not_found".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: batch 123 does not exist" (for logs).
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status PayloadTooLarge(std::string m) { return {StatusCode::kPayloadTooLarge, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status UnknownOutcome(std::string m) { return {StatusCode::kUnknownOutcome, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The failure; Status::Ok() when ok().
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  // Preconditions: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace batchcall

// Evaluates expr (a Status); returns it from the enclosing function when not OK.
#define BC_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::batchcall::Status bc_status_ = (expr);  \
    if (!bc_status_.ok()) return bc_status_;  \
  } while (0)

// Evaluates expr (a Result<T>); returns its Status from the enclosing function
// when not OK, else moves the value into lhs (a declaration such as
// `auto conn` or `Batch b`, or an existing variable). Expands to several
// statements, so it cannot be the body of an unbraced if; expr must not
// contain unparenthesised commas.
#define BC_ASSIGN_OR_RETURN(lhs, expr) \
  BC_ASSIGN_OR_RETURN_IMPL_(BC_STATUS_CONCAT_(bc_result_, __COUNTER__), lhs, expr)
#define BC_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                              \
  if (!result.ok()) return result.status();          \
  lhs = std::move(result).value()
#define BC_STATUS_CONCAT_(a, b) BC_STATUS_CONCAT_INNER_(a, b)
#define BC_STATUS_CONCAT_INNER_(a, b) a##b
