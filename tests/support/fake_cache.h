// An in-memory kube::ObjectCache for unit tests: objects put in by hand,
// indexes computed by the same IndexFuncs the informers use.
#ifndef CERTSTORE_TESTS_SUPPORT_FAKE_CACHE_H_
#define CERTSTORE_TESTS_SUPPORT_FAKE_CACHE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "operator/kube/informer.h"

namespace certstore::testing {

class FakeCache : public kube::ObjectCache {
 public:
  void AddIndex(const std::string& name, kube::Informer::IndexFunc f) {
    indexes_[name] = std::move(f);
  }
  // Decodes every object Put from JSON as an informer with these options
  // does (kube::InformerOptions::decode and drop_json).
  void SetDecoder(const kube::InformerOptions& o) {
    decode_ = o.decode;
    drop_json_ = o.drop_json;
  }
  // Adds or replaces the object ns/name; returns it.
  kube::ObjectPtr Put(const std::string& ns, const std::string& name,
                      const std::string& json, int64_t generation = 1) {
    auto o = std::make_shared<kube::CachedObject>();
    o->meta.ns = ns;
    o->meta.name = name;
    o->meta.generation = generation;
    o->json = json;
    if (decode_) {
      o->typed = decode_(*o);
      if (o->typed && drop_json_) o->json.clear();
    }
    objects_[kube::ObjectKey(ns, name)] = o;
    return o;
  }
  void Put(kube::ObjectPtr o) {
    objects_[kube::ObjectKey(o->meta.ns, o->meta.name)] = std::move(o);
  }
  void Delete(const std::string& ns, const std::string& name) {
    objects_.erase(kube::ObjectKey(ns, name));
  }

  kube::ObjectPtr Get(const std::string& ns,
                      const std::string& name) const override {
    auto it = objects_.find(kube::ObjectKey(ns, name));
    return it == objects_.end() ? nullptr : it->second;
  }
  std::vector<kube::ObjectPtr> List() const override {
    std::vector<kube::ObjectPtr> out;
    for (const auto& [k, o] : objects_) out.push_back(o);
    return out;
  }
  std::vector<kube::ObjectPtr> ByIndex(
      const std::string& index, const std::string& value) const override {
    std::vector<kube::ObjectPtr> out;
    auto f = indexes_.find(index);
    if (f == indexes_.end()) return out;
    for (const auto& [k, o] : objects_)
      for (const auto& v : f->second(*o))
        if (v == value) {
          out.push_back(o);
          break;
        }
    return out;
  }
  size_t Size() const override { return objects_.size(); }

 private:
  std::map<std::string, kube::ObjectPtr> objects_;
  std::map<std::string, kube::Informer::IndexFunc> indexes_;
  std::function<std::shared_ptr<const kube::TypedObject>(
      const kube::CachedObject&)>
      decode_;
  bool drop_json_ = false;
};

}  // namespace certstore::testing

#endif  // CERTSTORE_TESTS_SUPPORT_FAKE_CACHE_H_
