#include "operator/kube/informer.h"

#include <algorithm>
#include <future>
#include <iterator>
#include <system_error>

#include "operator/api/json.h"
#include "operator/common/backoff.h"
#include "operator/common/secret.h"
#include "operator/kube/object_decode.h"

namespace certstore::kube {

std::string ObjectKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

Informer::Informer(TransportPtr transport, Resource resource,
                   InformerOptions options)
    : transport_(std::move(transport)),
      client_(*transport_),
      resource_(std::move(resource)),
      options_(std::move(options)) {
  index_funcs_[kNamespaceIndex] = [](const CachedObject& o) {
    return std::vector<std::string>{o.meta.ns};
  };
}

Informer::~Informer() { Stop(); }

void Informer::AddHandler(Handler h) { handlers_.push_back(std::move(h)); }
void Informer::AddIndex(const std::string& name, IndexFunc f) {
  index_funcs_[name] = std::move(f);
}

void Informer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Informer::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    cv_.notify_all();
  }
  transport_->Cancel();
  if (thread_.joinable()) thread_.join();
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] {
    return synced_.load() || stopping_;
  }) && synced_.load();
}

ObjectPtr Informer::Get(const std::string& ns, const std::string& name) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = items_.find(ObjectKey(ns, name));
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::List() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [k, v] : items_) out.push_back(v);
  return out;
}

std::vector<ObjectPtr> Informer::ByIndex(const std::string& index,
                                         const std::string& value) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  keys->second.ForEach([&](std::string_view k) {
    auto it = items_.find(k);
    if (it != items_.end()) out.push_back(it->second);
  });
  return out;
}

size_t Informer::Size() const {
  std::lock_guard<std::mutex> l(mu_);
  return items_.size();
}

InformerStats Informer::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

std::string Informer::LastResourceVersion() const {
  std::lock_guard<std::mutex> l(mu_);
  return rv_;
}

Informer::IndexValues Informer::IndexValuesOf(const CachedObject& obj) const {
  IndexValues out;
  out.reserve(index_funcs_.size());
  for (const auto& [name, f] : index_funcs_) out.push_back(f(obj));
  return out;
}

namespace {

// Leaves in `*a` only the values not in `*b`, and in `*b` only those not in
// `*a` (each sorted, once).
void DropCommon(std::vector<std::string>* a, std::vector<std::string>* b) {
  for (auto* v : {a, b}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  std::vector<std::string> only_a, only_b;
  std::set_difference(a->begin(), a->end(), b->begin(), b->end(),
                      std::back_inserter(only_a));
  std::set_difference(b->begin(), b->end(), a->begin(), a->end(),
                      std::back_inserter(only_b));
  a->swap(only_a);
  b->swap(only_b);
}

}  // namespace

void Informer::IndexLocked(const std::string& key, const IndexValues& values,
                           bool add) {
  size_t i = 0;
  for (const auto& [name, f] : index_funcs_) {
    auto& idx = indexes_[name];
    for (const auto& v : values[i++]) {
      if (add) {
        if (options_.before_index_insert) options_.before_index_insert();
        idx[v].Insert(key);
      } else {
        auto it = idx.find(v);
        if (it == idx.end()) continue;
        it->second.Erase(key);
        if (it->second.empty()) idx.erase(it);
      }
    }
  }
}

void Informer::Decode(CachedObject& obj) const {
  if (!options_.decode) return;
  obj.typed = options_.decode(obj);
  if (obj.typed && options_.drop_json) {
    obj.json.WipeAndClear();  // may hold a Secret's data
  }
}

void Informer::Apply(WatchEvent::Type type, ObjectPtr obj) {
  std::string key = ObjectKey(obj->meta.ns, obj->meta.name);
  ObjectPtr old = Get(obj->meta.ns, obj->meta.name);
  // Index values outside the lock (readers are not held up by decoding);
  // this thread is the only one that changes items_, so `old` stays the
  // cached object until the change below.
  IndexValues old_values, new_values;
  if (old) old_values = IndexValuesOf(*old);
  if (type != WatchEvent::Type::kDeleted) new_values = IndexValuesOf(*obj);
  {
    // An update changes only the index values that changed: one that stays
    // (the namespace always does) keeps its entry, a view of the same
    // items_ node's key (insert_or_assign keeps the node).
    if (old && type != WatchEvent::Type::kDeleted)
      for (size_t i = 0; i < old_values.size(); ++i)
        DropCommon(&old_values[i], &new_values[i]);
    std::lock_guard<std::mutex> l(mu_);
    try {
      if (old) IndexLocked(key, old_values, false);
      if (type == WatchEvent::Type::kDeleted) {
        items_.erase(key);
      } else {
        auto node = items_.insert_or_assign(key, obj).first;
        IndexLocked(node->first, new_values, true);
      }
    } catch (const std::exception&) {
      // A replay of this event would not repair the indexes (its values
      // would match the half-applied object's): see rebuild_.
      rebuild_ = true;
      return;
    }
    if (!obj->meta.resource_version.empty())
      rv_ = obj->meta.resource_version.str();
  }
  if (type == WatchEvent::Type::kDeleted) {
    for (auto& h : handlers_) h(old ? old : obj, nullptr);
  } else {
    for (auto& h : handlers_) h(old, obj);
  }
}

Status Informer::ListAndReplace() {
  std::map<std::string, ObjectPtr> fresh;
  // Each one's index values, computed as it is decoded (not under mu_).
  std::map<std::string, IndexValues> fresh_values;
  std::string list_rv;
  ListOptions lo;
  lo.label_selector = options_.label_selector;
  lo.limit = options_.page_size;
  // Each next page is requested as soon as this one's continue token is
  // read, and travels while this one is decoded: the API server encodes a
  // page while the operator decodes the one before. One request at a time
  // still (the next is sent once the previous has been answered).
  auto request = [this](ListOptions o) {
    auto fetch = [this, o = std::move(o)] {
      return client_.List(resource_, options_.ns, o);
    };
    try {
      return std::async(std::launch::async, fetch);
    } catch (const std::system_error&) {  // no thread to be had: fetch on get()
      return std::async(std::launch::deferred, fetch);
    }
  };
  std::future<StatusOr<std::string>> next = request(lo);
  do {
    ASSIGN_OR_RETURN(std::string body, next.get());
    std::string error;
    auto doc = json::Document::Parse(body, &error);
    if (!doc || !doc->Root().IsObject())
      return InvalidArgumentError(
          "list " + resource_.Qualified() +
          ": response is not a list: " + (doc ? "not a JSON object" : error));
    // Parsed: released (wiped: a page of Secrets holds their keys) before
    // the next page arrives beside it.
    SecureWipe(body.data(), body.size());
    std::string().swap(body);
    json::Value v = doc->Root();
    if (json::Value rv = v["metadata"]["resourceVersion"]; rv.IsString())
      list_rv = std::string(rv.String());
    lo.continue_token = v["metadata"]["continue"].String();
    if (!lo.continue_token.empty()) next = request(lo);
    // Items come without kind and apiVersion: the list's, without "List".
    std::string_view list_kind = v["kind"].String();
    std::string_view item_kind =
        list_kind.size() > 4 && list_kind.substr(list_kind.size() - 4) == "List"
            ? list_kind.substr(0, list_kind.size() - 4)
            : std::string_view();
    std::string_view api_version = v["apiVersion"].String();
    for (json::Value item : v["items"].Elements()) {
      if (!item.IsObject()) continue;
      DecodedObject d = DecodeForCache(item, &options_.payload_filter,
                                       api_version, item_kind);
      doc->Clear(item);  // the page shrinks as it is read
      auto obj = std::make_shared<CachedObject>();
      obj->meta = std::move(d.meta);
      obj->partial = d.partial;
      obj->json = std::move(d.json);
      Decode(*obj);
      std::string key = ObjectKey(obj->meta.ns, obj->meta.name);
      fresh_values[key] = IndexValuesOf(*obj);
      fresh[key] = std::move(obj);
    }
  } while (!lo.continue_token.empty());

  // Replace the cache, telling handlers what changed.
  std::vector<std::pair<ObjectPtr, ObjectPtr>> changes;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [k, old] : items_)
      if (!fresh.count(k)) changes.emplace_back(old, nullptr);
    for (const auto& [k, obj] : fresh) {
      auto it = items_.find(k);
      ObjectPtr old = it == items_.end() ? nullptr : it->second;
      if (rebuild_ || !old ||
          old->meta.resource_version != obj->meta.resource_version)
        changes.emplace_back(old, obj);
    }
    rebuild_ = false;
    indexes_.clear();  // its views are of items_' keys: cleared first
    items_.clear();
    for (const auto& [k, obj] : fresh) {
      auto node = items_.emplace(k, obj).first;
      IndexLocked(node->first, fresh_values[k], true);
    }
    rv_ = list_rv;
    ++stats_.lists;
    stats_.last_progress = std::chrono::steady_clock::now();
  }
  for (const auto& [o, n] : changes)
    for (auto& h : handlers_) h(o, n);
  if (!synced_.exchange(true)) {
    std::lock_guard<std::mutex> l(mu_);
    cv_.notify_all();
  }
  return OkStatus();
}

Status Informer::WatchLoop() {
  int failures = 0;
  bool first = true;
  while (true) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return OkStatus();
      if (!first) ++stats_.watch_restarts;
    }
    if (!first && options_.before_rewatch) options_.before_rewatch();
    first = false;
    WatchOptions wo;
    wo.resource_version = LastResourceVersion();
    wo.label_selector = options_.label_selector;
    wo.timeout_seconds = options_.watch_timeout_seconds;
    if (options_.payload_filter.keep)
      wo.payload_filter = &options_.payload_filter;
    Status st = WatchOnce(
        client_, resource_, options_.ns, wo, [this](const WatchEvent& e) {
          if (e.type == WatchEvent::Type::kBookmark) {
            std::lock_guard<std::mutex> l(mu_);
            if (!e.meta.resource_version.empty())
              rv_ = e.meta.resource_version.str();
            stats_.last_progress = std::chrono::steady_clock::now();
            return !stopping_;
          }
          auto obj = std::make_shared<CachedObject>();
          obj->meta = e.meta;
          obj->json = e.object;
          obj->partial = e.partial;
          // A deleted object leaves the cache: handlers get the cached one.
          if (e.type != WatchEvent::Type::kDeleted) Decode(*obj);
          Apply(e.type, std::move(obj));
          std::lock_guard<std::mutex> l(mu_);
          stats_.last_progress = std::chrono::steady_clock::now();
          return !stopping_ && !rebuild_;
        });
    {
      std::lock_guard<std::mutex> l(mu_);
      if (rebuild_ && !stopping_) {
        ++stats_.errors;
        stats_.last_error = "an event's cache change failed: relisting";
        return AbortedError(stats_.last_error);  // relist
      }
    }
    if (st.code() == StatusCode::kOutOfRange) {
      std::lock_guard<std::mutex> l(mu_);
      ++stats_.gone;
      return st;  // relist
    }
    if (st.ok()) {
      failures = 0;
      std::lock_guard<std::mutex> l(mu_);
      stats_.last_progress = std::chrono::steady_clock::now();
      continue;  // server ended the watch; resume from rv_
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return OkStatus();
      ++stats_.errors;
      stats_.last_error = st.message();
    }
    if (!SleepFor(NextBackoff(failures++))) return OkStatus();
  }
}

std::chrono::milliseconds Informer::NextBackoff(int attempt) {
  return WithJitter(
      ExponentialBackoff(options_.backoff_base, options_.backoff_cap, attempt),
      0.5);
}

bool Informer::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait_for(l, d, [this] { return stopping_; });
  return !stopping_;
}

void Informer::Run() {
  int failures = 0;
  while (true) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return;
    }
    Status st = ListAndReplace();
    if (!st.ok()) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (stopping_) return;
        ++stats_.errors;
        stats_.last_error = st.message();
      }
      if (!SleepFor(NextBackoff(failures++))) return;
      continue;
    }
    failures = 0;
    // Returns on 410 Gone (relist below), after a failed cache change
    // (relist after a pause: the failure may be a shortage that lasts), or
    // when stopping.
    Status watch = WatchLoop();
    if (watch.code() == StatusCode::kAborted && !SleepFor(NextBackoff(0)))
      return;
  }
}

}  // namespace certstore::kube
