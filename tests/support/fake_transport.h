// One fake API server transport for unit tests: records every request and
// answers from a script, then from objects by path, then with a plain
// success; can hold requests until released (a slow server).
#ifndef CERTSTORE_TESTS_SUPPORT_FAKE_TRANSPORT_H_
#define CERTSTORE_TESTS_SUPPORT_FAKE_TRANSPORT_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "operator/kube/transport.h"

namespace certstore::testing {

class FakeTransport : public kube::Transport {
 public:
  // Answers, in order: the next of `responses`; for a GET, the object
  // `objects` holds at the request's path (404 Status when none); 201 "{}"
  // for a POST; 200 "{}" otherwise. While held, requests wait.
  StatusOr<kube::HttpResponse> Do(const kube::HttpRequest& req) override {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return !held_; });
    requests_.push_back(req);
    if (!responses.empty()) {
      kube::HttpResponse r = responses.front();
      responses.pop_front();
      return r;
    }
    if (req.method == "GET") {
      auto it = objects.find(req.path);
      if (it == objects.end())
        return kube::HttpResponse{
            404, "{\"kind\":\"Status\",\"code\":404}", {}};
      return kube::HttpResponse{200, it->second, {}};
    }
    return kube::HttpResponse{req.method == "POST" ? 201 : 200, "{}", {}};
  }
  // Records the request; the first stream gets HTTP 200 and every chunk of
  // `stream_chunks`; every stream then ends with `stream_result`.
  Status Stream(
      const kube::HttpRequest& req, const std::function<void(int)>& on_status,
      const std::function<bool(const std::string&)>& on_data) override {
    std::deque<std::string> chunks;
    {
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(req);
      chunks.swap(stream_chunks);
    }
    if (!chunks.empty()) {
      on_status(200);
      for (const auto& c : chunks)
        if (!on_data(c)) return OkStatus();
    }
    return stream_result;
  }
  void Cancel() override {}

  void Hold() {
    std::lock_guard<std::mutex> l(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    held_ = false;
    cv_.notify_all();
  }
  // Every request so far, in order.
  std::vector<kube::HttpRequest> Requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  // Forgets the requests recorded so far.
  void ClearRequests() {
    std::lock_guard<std::mutex> l(mu_);
    requests_.clear();
  }
  size_t Sent() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_.size();
  }
  int Count(const std::string& method) const {
    std::lock_guard<std::mutex> l(mu_);
    int n = 0;
    for (const auto& r : requests_) n += r.method == method;
    return n;
  }

  // Set up before requests are made (not guarded).
  std::deque<kube::HttpResponse> responses;
  std::map<std::string, std::string> objects;  // path -> JSON
  std::deque<std::string> stream_chunks;       // GUARDED_BY(mu_) once shared
  Status stream_result = UnimplementedError("no streams");

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  std::vector<kube::HttpRequest> requests_;  // GUARDED_BY(mu_)
};

}  // namespace certstore::testing

#endif  // CERTSTORE_TESTS_SUPPORT_FAKE_TRANSPORT_H_
