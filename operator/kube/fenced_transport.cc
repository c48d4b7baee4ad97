#include "operator/kube/fenced_transport.h"

#include <algorithm>

namespace certstore::kube {
namespace {

class Fenced : public Transport {
 public:
  Fenced(TransportPtr inner, WriteWindow window)
      : inner_(std::move(inner)), window_(std::move(window)) {}

  StatusOr<HttpResponse> Do(const HttpRequest& req) override {
    if (req.method == "GET") return inner_->Do(req);
    std::chrono::milliseconds left = window_();
    if (left.count() <= 0)
      return FailedPreconditionError(
          req.method + " " + PathOnly(req.path) +
          " not sent: this replica is not the leader (or its "
          "Lease renewal is overdue)");
    HttpRequest bounded = req;
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
    bounded.timeout = std::clamp(secs, std::chrono::seconds(1), req.timeout);
    return inner_->Do(bounded);
  }
  Status Stream(
      const HttpRequest& req, const std::function<void(int)>& on_status,
      const std::function<bool(const std::string&)>& on_data) override {
    return inner_->Stream(req, on_status, on_data);  // watches only read
  }
  void Cancel() override { inner_->Cancel(); }

 private:
  static std::string PathOnly(const std::string& p) {
    return p.substr(0, p.find('?'));
  }
  TransportPtr inner_;
  WriteWindow window_;
};

}  // namespace

TransportPtr FencedTransport(TransportPtr inner, WriteWindow write_window) {
  return std::make_unique<Fenced>(std::move(inner), std::move(write_window));
}

}  // namespace certstore::kube
