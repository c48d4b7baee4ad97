#include "operator/kube/informer_group.h"

#include <algorithm>

namespace certstore::kube {

InformerGroup::InformerGroup(const TransportFactory& transports,
                             const Resource& resource,
                             const std::vector<std::string>& namespaces,
                             InformerOptions options)
    : cluster_wide_(namespaces.empty() || !resource.namespaced),
      namespaces_(namespaces) {
  if (cluster_wide_) {
    options.ns = "";
    members_.push_back(
        std::make_unique<Informer>(transports(), resource, options));
    return;
  }
  for (const auto& ns : namespaces_) {
    options.ns = ns;
    members_.push_back(
        std::make_unique<Informer>(transports(), resource, options));
  }
}

void InformerGroup::AddHandler(Informer::Handler h) {
  for (auto& m : members_) m->AddHandler(h);
}

void InformerGroup::AddIndex(const std::string& name, Informer::IndexFunc f) {
  for (auto& m : members_) m->AddIndex(name, f);
}

void InformerGroup::Start() {
  for (auto& m : members_) m->Start();
}

void InformerGroup::Stop() {
  for (auto& m : members_) m->Stop();
}

bool InformerGroup::HasSynced() const {
  return std::all_of(members_.begin(), members_.end(),
                     [](const auto& m) { return m->HasSynced(); });
}

bool InformerGroup::WaitForSync(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& m : members_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!m->WaitForSync(std::max(left, std::chrono::milliseconds(0))))
      return false;
  }
  return true;
}

InformerStats InformerGroup::Stats() const {
  InformerStats sum;
  for (const auto& m : members_) {
    InformerStats s = m->Stats();
    sum.lists += s.lists;
    sum.watch_restarts += s.watch_restarts;
    sum.gone += s.gone;
    sum.errors += s.errors;
    if (!s.last_error.empty()) sum.last_error = s.last_error;
    if (sum.last_progress == std::chrono::steady_clock::time_point{} ||
        s.last_progress < sum.last_progress)
      sum.last_progress = s.last_progress;
  }
  return sum;
}

ObjectPtr InformerGroup::Get(const std::string& ns,
                             const std::string& name) const {
  if (cluster_wide_) return members_.front()->Get(ns, name);
  auto it = std::find(namespaces_.begin(), namespaces_.end(), ns);
  if (it == namespaces_.end()) return nullptr;
  return members_[static_cast<size_t>(it - namespaces_.begin())]->Get(ns, name);
}

std::vector<ObjectPtr> InformerGroup::List() const {
  std::vector<ObjectPtr> out;
  for (const auto& m : members_) {
    auto part = m->List();
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<ObjectPtr> InformerGroup::ByIndex(const std::string& index,
                                              const std::string& value) const {
  std::vector<ObjectPtr> out;
  for (const auto& m : members_) {
    auto part = m->ByIndex(index, value);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

size_t InformerGroup::Size() const {
  size_t n = 0;
  for (const auto& m : members_) n += m->Size();
  return n;
}

}  // namespace certstore::kube
