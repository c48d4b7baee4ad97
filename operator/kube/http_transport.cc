// The only translation unit that includes cpprestsdk's HTTP client: its
// headers are slow to compile and its exceptions must not leak, so every
// call is wrapped and turned into a Status here.
#include <cpprest/http_client.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <pplx/threadpool.h>

#include <atomic>
#include <list>
#include <mutex>

#include "operator/kube/credentials.h"
#include "operator/kube/transport.h"

namespace certstore::kube {
namespace {

namespace http = web::http;
namespace client = web::http::client;

// cpprestsdk starts 40 threads unless told otherwise (DESIGN.md).
void InitThreadPoolOnce() {
  static std::once_flag once;
  std::call_once(once,
                 [] { crossplat::threadpool::initialize_with_threads(4); });
}

std::string ErrorText(const std::exception& e) {
  std::string what = e.what();
  // OpenSSL errors arrive as numbers; make them words.
  if (const auto* he = dynamic_cast<const http::http_exception*>(&e)) {
    int code = he->error_code().value();
    if (he->error_code().category() == boost::asio::error::get_ssl_category()) {
      const char* r = ERR_reason_error_string(static_cast<unsigned long>(code));
      if (r != nullptr) what += " (" + std::string(r) + ")";
    }
  }
  return what;
}

class HttpTransport : public Transport {
 public:
  explicit HttpTransport(ClusterConfig config)
      : config_(std::move(config)), creds_(config_, SystemClock::Get()) {}

  StatusOr<HttpResponse> Do(const HttpRequest& req) override {
    HttpResponse out;
    Status st = Run(
        req, false, [&](int s) { out.status = s; },
        [&](const std::string& chunk) {
          out.body += chunk;
          return true;
        },
        &out.headers);
    if (!st.ok()) return st;
    return out;
  }

  Status Stream(
      const HttpRequest& req, const std::function<void(int)>& on_status,
      const std::function<bool(const std::string&)>& on_data) override {
    return Run(req, true, on_status, on_data, nullptr);
  }

  void Cancel() override {
    std::list<pplx::cancellation_token_source> in_flight;
    {
      std::lock_guard<std::mutex> l(mu_);
      cancelled_ = true;
      in_flight = active_;  // copies share their sources' state
    }
    // Outside mu_: cancel() runs cpprestsdk's callbacks on this thread.
    for (auto& cts : in_flight) cts.cancel();
  }

 private:
  client::http_client_config ClientConfig(std::chrono::seconds timeout) {
    client::http_client_config cfg;
    cfg.set_timeout(timeout);
    cfg.set_validate_certificates(!config_.insecure_skip_tls_verify);
    const ClusterConfig* c = &config_;
    cfg.set_ssl_context_callback([c](boost::asio::ssl::context& ctx) {
      if (!c->ca_pem.empty()) {
        // The configured CA and nothing else: cpprestsdk has already loaded
        // the system bundle (and $SSL_CERT_FILE/$SSL_CERT_DIR) into this
        // context, and any public CA must not vouch for the API server.
        // SSL_CTX_set_cert_store frees the old store.
        X509_STORE* store = X509_STORE_new();
        // Any configured certificate is a trust anchor, as in client-go (a
        // kubeconfig may name an intermediate).
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
        SSL_CTX_set_cert_store(ctx.native_handle(), store);
        ctx.add_certificate_authority(
            boost::asio::buffer(c->ca_pem.data(), c->ca_pem.size()));
      }
      if (!c->client_cert_pem.empty()) {
        ctx.use_certificate_chain(boost::asio::buffer(
            c->client_cert_pem.data(), c->client_cert_pem.size()));
        ctx.use_private_key(
            boost::asio::buffer(c->client_key_pem.reveal().data(),
                                c->client_key_pem.size()),
            boost::asio::ssl::context::pem);
      }
    });
    return cfg;
  }

  client::http_client& ClientFor(std::chrono::seconds timeout) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = clients_.find(timeout.count());
    if (it == clients_.end())
      it = clients_
               .emplace(timeout.count(),
                        std::make_unique<client::http_client>(
                            utility::conversions::to_string_t(config_.server),
                            ClientConfig(timeout)))
               .first;
    return *it->second;
  }

  Status Run(const HttpRequest& req, bool stream,
             const std::function<void(int)>& on_status,
             const std::function<bool(const std::string&)>& on_data,
             std::map<std::string, std::string>* headers) {
    // A source per request, kept in active_ while the request runs:
    // Cancel() cancels every one, and a stream the caller stops early is torn
    // down at once instead of lingering until the server's timeout. (Not
    // pplx's create_linked_source: it registers a callback on the parent
    // token that is never deregistered, so each request would leave its
    // source and registration behind for the life of the process.)
    pplx::cancellation_token_source request_cts;
    std::list<pplx::cancellation_token_source>::iterator active;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (cancelled_) return AbortedError("transport was shut down");
      active = active_.insert(active_.end(), request_cts);
    }
    struct Deactivate {
      HttpTransport* t;
      std::list<pplx::cancellation_token_source>::iterator it;
      ~Deactivate() {
        std::lock_guard<std::mutex> l(t->mu_);
        t->active_.erase(it);
      }
    } deactivate{this, active};
    pplx::cancellation_token token = request_cts.get_token();
    http::http_request r(utility::conversions::to_string_t(req.method));
    r.set_request_uri(utility::conversions::to_string_t(req.path));
    r.headers().add(U("Accept"), utility::conversions::to_string_t(req.accept));
    r.headers().add(U("User-Agent"),
                    utility::conversions::to_string_t(config_.user_agent));
    if (!config_.tls_server_name.empty())
      r.headers().add(U("Host"), utility::conversions::to_string_t(
                                     config_.tls_server_name));
    auto token_or = creds_.Token();
    if (!token_or.ok())
      return UnavailableError("credentials: " + token_or.status().message());
    if (!token_or->empty())
      r.headers().add(U("Authorization"), utility::conversions::to_string_t(
                                              "Bearer " + token_or->reveal()));
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" ||
        req.method == "PATCH")
      r.set_body(req.body, req.content_type);
    try {
      http::http_response resp = ClientFor(req.timeout).request(r, token).get();
      if (resp.status_code() == 401) creds_.Invalidate();
      on_status(resp.status_code());
      if (headers != nullptr)
        for (const auto& h : resp.headers()) {
          std::string name = utility::conversions::to_utf8string(h.first);
          for (auto& ch : name) ch = static_cast<char>(std::tolower(ch));
          (*headers)[name] = utility::conversions::to_utf8string(h.second);
        }
      auto sb = resp.body().streambuf();
      if (!stream) {
        std::vector<uint8_t> buf(65536);
        size_t n;
        while ((n = sb.getn(buf.data(), buf.size()).get()) > 0)
          on_data(std::string(reinterpret_cast<char*>(buf.data()), n));
        return OkStatus();
      }
      // getn() waits until it can fill the whole buffer, which would hold
      // watch events back; wait for one byte, then take what has arrived.
      using traits = concurrency::streams::streambuf<uint8_t>::traits;
      while (true) {
        auto c = sb.bumpc().get();
        if (c == traits::eof()) break;
        std::string chunk(1, static_cast<char>(c));
        size_t avail = sb.in_avail();
        if (avail > 0) {
          chunk.resize(1 + avail);
          size_t got =
              sb.getn(reinterpret_cast<uint8_t*>(&chunk[1]), avail).get();
          chunk.resize(1 + got);
        }
        if (!on_data(chunk)) {
          request_cts.cancel();
          break;
        }
      }
      return OkStatus();
    } catch (const pplx::task_canceled&) {
      return AbortedError("request cancelled: " + req.method + " " + req.path);
    } catch (const http::http_exception& e) {
      std::string what = ErrorText(e);
      if (what.find("timed out") != std::string::npos ||
          e.error_code() == std::errc::timed_out)
        return Status(
            StatusCode::kDeadlineExceeded,
            req.method + " " + config_.server + req.path + ": " + what);
      return UnavailableError(req.method + " " + config_.server + req.path +
                              ": " + what);
    } catch (const std::exception& e) {
      // Also a caller's callback that threw: end the request, or a stream
      // would read on until the server's timeout.
      request_cts.cancel();
      return UnavailableError(req.method + " " + config_.server + req.path +
                              ": " + e.what());
    }
  }

  ClusterConfig config_;
  CredentialSource creds_;
  std::mutex mu_;
  std::map<int64_t, std::unique_ptr<client::http_client>>
      clients_;  // GUARDED_BY(mu_)
  // One source per request in flight (Run() adds and removes its own).
  std::list<pplx::cancellation_token_source> active_;  // GUARDED_BY(mu_)
  bool cancelled_ = false;                             // GUARDED_BY(mu_)
};

}  // namespace

StatusOr<TransportPtr> NewHttpTransport(ClusterConfig config) {
  InitThreadPoolOnce();
  if (config.server.empty())
    return InvalidArgumentError("no API server address");
  return TransportPtr(new HttpTransport(std::move(config)));
}

}  // namespace certstore::kube
