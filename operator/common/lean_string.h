// A string that costs one pointer in the object holding it (a std::string is
// 32 bytes) and nothing more while empty: for a field a cache holds per
// object that is usually empty (an informer's cached JSON once its decoder
// has made the typed object).
//
// Reads like a const std::string (converts to one; empty, size, data, find,
// substr); set by assigning a std::string. Copies copy the text.
#ifndef CERTSTORE_COMMON_LEAN_STRING_H_
#define CERTSTORE_COMMON_LEAN_STRING_H_

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace certstore {

class LeanString {
 public:
  LeanString() = default;
  // Implicit, as the std::string it stands for.
  LeanString(std::string s) { *this = std::move(s); }        // NOLINT
  LeanString(const char* s) : LeanString(std::string(s)) {}  // NOLINT
  LeanString(const LeanString& o) { *this = o; }
  LeanString& operator=(const LeanString& o);
  LeanString(LeanString&&) noexcept = default;
  LeanString& operator=(LeanString&&) noexcept = default;
  // Holds `s` (no block when it is empty).
  LeanString& operator=(std::string s);
  LeanString& operator=(const char* s) { return *this = std::string(s); }

  const std::string& str() const;
  operator const std::string&() const { return str(); }  // NOLINT
  bool empty() const { return text_ == nullptr; }
  size_t size() const { return text_ ? text_->size() : 0; }
  const char* data() const { return str().data(); }
  template <class T>  // what std::string::find takes: a string or a char
  size_t find(const T& s, size_t pos = 0) const {
    return str().find(s, pos);
  }
  std::string substr(size_t pos, size_t n = std::string::npos) const {
    return str().substr(pos, n);
  }
  void clear() { text_.reset(); }
  // Overwrites the text's bytes (it may be a Secret's data), then frees it.
  void WipeAndClear();

 private:
  std::unique_ptr<std::string> text_;  // null when empty
};

inline std::ostream& operator<<(std::ostream& os, const LeanString& s) {
  return os << s.str();
}

}  // namespace certstore

#endif  // CERTSTORE_COMMON_LEAN_STRING_H_
