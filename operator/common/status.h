// Status and StatusOr<T>: errors as values across module boundaries.
//
// The codes follow absl/gRPC and their comments say what a caller (usually a
// reconciler) should do when it sees one:
//   kInvalidArgument    the input is wrong; do not retry until it changes.
//   kNotFound           the thing does not exist (yet); retry after a change.
//   kAlreadyExists      a create raced with another writer; re-read.
//   kFailedPrecondition the world is in a state that forbids this; set a
//                       condition and wait for someone to fix it.
//   kAborted            a concurrent write won; re-read and retry the whole
//                       read-modify-write.
//   kUnavailable        transient; retry the same call with backoff.
//   kDeadlineExceeded   timed out; retry with backoff.
//   kPermissionDenied   configuration (RBAC, password) forbids it; terminal.
//   kResourceExhausted  throttled (HTTP 429); retry after the hinted delay.
//   kOutOfRange         the requested version is gone (HTTP 410 on a watch
//                       or list): start over with a fresh list.
//   kInternal           a bug or a broken invariant in a dependency.
//
// Messages must never contain private keys or passwords.
#ifndef CERTSTORE_COMMON_STATUS_H_
#define CERTSTORE_COMMON_STATUS_H_

#include <cassert>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace certstore {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kAborted,
  kUnavailable,
  kDeadlineExceeded,
  kPermissionDenied,
  kResourceExhausted,
  kOutOfRange,
  kUnimplemented,
  kInternal,
};

// Returns the upper-case name of `code`, e.g. "INVALID_ARGUMENT".
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  // REQUIRES: code != kOk, or message is empty.
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<prefix>: <message>". OK stays OK.
  // Used to add context ("file lab.yaml, document 2: ...") as an error
  // travels outward.
  Status WithContext(const std::string& prefix) const;

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  bool operator==(const Status& o) const {
    return code_ == o.code_ && message_ == o.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFoundError(std::string m) {
  return Status(StatusCode::kNotFound, std::move(m));
}
inline Status FailedPreconditionError(std::string m) {
  return Status(StatusCode::kFailedPrecondition, std::move(m));
}
inline Status InternalError(std::string m) {
  return Status(StatusCode::kInternal, std::move(m));
}
inline Status UnavailableError(std::string m) {
  return Status(StatusCode::kUnavailable, std::move(m));
}
inline Status PermissionDeniedError(std::string m) {
  return Status(StatusCode::kPermissionDenied, std::move(m));
}
inline Status AbortedError(std::string m) {
  return Status(StatusCode::kAborted, std::move(m));
}
inline Status UnimplementedError(std::string m) {
  return Status(StatusCode::kUnimplemented, std::move(m));
}

std::ostream& operator<<(std::ostream& os, const Status& s);

// Holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok(). An OK status without a value is a bug.
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok());
    if (status_.ok()) status_ = InternalError("StatusOr built from OK status");
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  // The value, or `fallback` when not ok().
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

#define CERTSTORE_CONCAT_INNER_(a, b) a##b
#define CERTSTORE_CONCAT_(a, b) CERTSTORE_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)         \
  do {                                \
    ::certstore::Status _st = (expr); \
    if (!_st.ok()) return _st;        \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F())` declares x from a StatusOr or returns its
// error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(CERTSTORE_CONCAT_(_statusor_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration.
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace certstore

#endif  // CERTSTORE_COMMON_STATUS_H_
