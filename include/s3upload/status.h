// Status and StatusOr: how failures cross module boundaries in this project.
//
// Contract: no exception leaves a module. A function that can fail returns a Status (no value) or a
// StatusOr<T> (a value or the reason there is none). The message is meant for an operator's log or
// terminal, never for a client response as-is.
//
// Thread-safety: plain values; safe to copy and read from several threads, like std::string.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace s3upload {

class Status {
 public:
  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !message_.has_value(); }
  // The reason for the failure; empty for an ok status.
  const std::string& message() const {
    static const std::string kEmpty;
    return message_ ? *message_ : kEmpty;
  }

 private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {}
  std::optional<std::string> message_;
};

template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // Only for errors: constructing from an ok Status is a programming error and becomes an error.
  StatusOr(Status status)  // NOLINT(google-explicit-constructor)
      : state_(status.ok() ? Status::Error("StatusOr built from an ok Status")
                           : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace s3upload
