// One logical cache over several namespaces: an Informer per namespace when
// the operator watches a list of namespaces (so that namespaced RBAC is
// enough), or a single cluster-wide one. Handlers and indexes are added to
// every member; reads merge them.
#ifndef CERTSTORE_KUBE_INFORMER_GROUP_H_
#define CERTSTORE_KUBE_INFORMER_GROUP_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "operator/kube/informer.h"

namespace certstore::kube {

class InformerGroup : public ObjectCache {
 public:
  using TransportFactory = std::function<TransportPtr()>;

  // `namespaces` empty = all namespaces with one informer; cluster-scoped
  // resources always get one. `options.ns` is ignored.
  InformerGroup(const TransportFactory& transports, const Resource& resource,
                const std::vector<std::string>& namespaces,
                InformerOptions options);

  // REQUIRES: before Start().
  void AddHandler(Informer::Handler h);
  void AddIndex(const std::string& name, Informer::IndexFunc f);

  void Start();
  void Stop();
  bool HasSynced() const;
  bool WaitForSync(std::chrono::milliseconds timeout);
  InformerStats Stats() const;  // summed over members

  ObjectPtr Get(const std::string& ns, const std::string& name) const override;
  std::vector<ObjectPtr> List() const override;
  std::vector<ObjectPtr> ByIndex(const std::string& index,
                                 const std::string& value) const override;
  size_t Size() const override;

 private:
  bool cluster_wide_;
  std::vector<std::string> namespaces_;
  std::vector<std::unique_ptr<Informer>> members_;
};

}  // namespace certstore::kube

#endif  // CERTSTORE_KUBE_INFORMER_GROUP_H_
