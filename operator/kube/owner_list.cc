#include "operator/kube/owner_list.h"

#include <array>
#include <cstring>

namespace certstore::kube {

namespace {

constexpr size_t kFields = 4;
constexpr size_t kEntryHeader = 1 + 4 * kFields;

using packed::ReadU32;

void PutU32(std::string* buf, size_t at, size_t v) {
  packed::PutU32(buf, at, v, "OwnerList");
}

}  // namespace

size_t OwnerList::size() const { return buf_.empty() ? 0 : ReadU32(buf_, 0); }

OwnerList::Owner OwnerList::ValueAt(size_t i) const {
  const size_t at = ReadU32(buf_, 4 + 4 * i);
  Owner o;
  o.controller = buf_[at] != 0;
  const std::array<std::string_view*, kFields> out{&o.api_version, &o.kind,
                                                   &o.name, &o.uid};
  const char* p = buf_.data() + at + kEntryHeader;
  for (size_t f = 0; f < kFields; ++f) {
    const size_t n = ReadU32(buf_, at + 1 + 4 * f);
    *out[f] = std::string_view(p, n);
    p += n;
  }
  return o;
}

void OwnerList::push_back(const Owner& o) {
  const size_t n = size();
  const std::array<std::string_view, kFields> fields{o.api_version, o.kind,
                                                     o.name, o.uid};
  size_t entry = kEntryHeader;
  for (std::string_view f : fields) entry += f.size();
  // The old entries move 4 bytes on (one more offset); the new one goes last.
  const size_t old_head = n == 0 ? 4 : 4 + 4 * n;
  const size_t old_body = n == 0 ? 0 : buf_.size() - old_head;
  std::string buf(4 + 4 * (n + 1) + old_body + entry, '\0');
  PutU32(&buf, 0, n + 1);
  for (size_t i = 0; i < n; ++i)
    PutU32(&buf, 4 + 4 * i, ReadU32(buf_, 4 + 4 * i) + 4);
  if (old_body != 0)
    std::memcpy(&buf[4 + 4 * (n + 1)], buf_.data() + old_head, old_body);
  size_t at = 4 + 4 * (n + 1) + old_body;
  PutU32(&buf, 4 + 4 * n, at);
  buf[at] = o.controller ? 1 : 0;
  for (size_t f = 0; f < kFields; ++f)
    PutU32(&buf, at + 1 + 4 * f, fields[f].size());
  at += kEntryHeader;
  for (std::string_view f : fields) {
    if (!f.empty()) std::memcpy(&buf[at], f.data(), f.size());
    at += f.size();
  }
  buf_.swap(buf);
}

size_t OwnerList::HeapBytes() const { return packed::HeapBytes(buf_); }

}  // namespace certstore::kube
