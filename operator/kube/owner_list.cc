#include "operator/kube/owner_list.h"

#include <array>
#include <cstring>

namespace certstore::kube {

namespace {

constexpr size_t kFields = 4;
constexpr size_t kEntryHeader = 1 + 4 * kFields;

using packed::ReadU32;

void PutU32(packed::Buffer* buf, size_t at, size_t v) {
  packed::PutU32(buf, at, v, "OwnerList");
}

}  // namespace

size_t OwnerList::size() const { return buf_.empty() ? 0 : ReadU32(buf_, 0); }

OwnerList::Owner OwnerList::ValueAt(size_t i) const {
  const size_t at = ReadU32(buf_, 4 + 4 * i);
  Owner o;
  o.controller = buf_.data()[at] != 0;
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

OwnerList::OwnerList(const std::vector<Owner>& owners) {
  if (owners.empty()) return;
  const size_t n = owners.size();
  size_t total = 4 + 4 * n;
  for (const Owner& o : owners)
    total += kEntryHeader + o.api_version.size() + o.kind.size() +
             o.name.size() + o.uid.size();
  packed::Buffer buf(total, "OwnerList");
  PutU32(&buf, 0, n);
  size_t at = 4 + 4 * n;
  for (size_t i = 0; i < n; ++i) {
    const Owner& o = owners[i];
    PutU32(&buf, 4 + 4 * i, at);
    buf.data()[at] = o.controller ? 1 : 0;
    const std::array<std::string_view, kFields> fields{o.api_version, o.kind,
                                                       o.name, o.uid};
    for (size_t f = 0; f < kFields; ++f)
      PutU32(&buf, at + 1 + 4 * f, fields[f].size());
    at += kEntryHeader;
    for (std::string_view f : fields) {
      if (!f.empty()) std::memcpy(buf.data() + at, f.data(), f.size());
      at += f.size();
    }
  }
  buf_.swap(buf);
}

void OwnerList::push_back(const Owner& o) {
  std::vector<Owner> all(begin(), end());
  all.push_back(o);
  *this = OwnerList(all);  // the views read the old buffer until replaced
}

size_t OwnerList::HeapBytes() const { return buf_.HeapBytes(); }

}  // namespace certstore::kube
